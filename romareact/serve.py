"""Datasette over the newsroom and public databases, with the project's configuration."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.connection
import os
import secrets
import signal
import socket
from pathlib import Path

from datasette.app import Datasette

from romareact.paths import (
    newsroom_path,
    public_path,
    response_cache_path,
    shipped_datasette_config,
)
from romareact.response_cache import SHARED_STORE_ENV

# Safe defaults for a public instance: bounded queries, bounded exports.
SETTINGS = {
    "sql_time_limit_ms": 2000,
    "max_returned_rows": 1000,
    "allow_csv_stream": False,
    "default_page_size": 50,
    # Suggestions cost a query per column on every table page; the facets are chosen.
    "suggest_facets": False,
}


SECRET_ENV = "ROMAREACT_SECRET"


def make_datasette(data_dir: Path) -> Datasette:
    """Datasette over both databases. Sessions survive a restart when ROMAREACT_SECRET is set
    (otherwise each start signs with a new random secret, and editors sign in again)."""
    config = shipped_datasette_config()
    metadata = json.loads((config / "metadata.json").read_text(encoding="utf-8"))
    return Datasette(
        [str(newsroom_path(data_dir)), str(public_path(data_dir))],
        metadata=metadata,
        template_dir=str(config / "templates"),
        plugins_dir=str(config / "plugins"),
        settings=SETTINGS,
        secret=os.environ.get(SECRET_ENV) or None,
    )


def proxy_options(trusted_proxies: tuple[str, ...] = ()) -> dict:
    """uvicorn's options for X-Forwarded-For/-Proto (issue 17): believed only from the
    proxies the operator names (`serve --trusted-proxy`). uvicorn's own default believes
    any local process, which let one request change its address or poison cached links."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}


def run(datasette: Datasette, host: str, port: int, trusted_proxies: tuple[str, ...] = ()) -> None:
    """Serve until interrupted, the way `datasette serve` does."""
    import uvicorn

    asyncio.run(datasette.invoke_startup())
    uvicorn.run(
        datasette.app(),
        host=host,
        port=port,
        log_level="warning",
        **proxy_options(trusted_proxies),
    )


def run_workers(
    data_dir: Path, host: str, port: int, workers: int, trusted_proxies: tuple[str, ...] = ()
) -> None:
    """Serve with several worker processes on one port (Linux), each its own Datasette, until
    one stops, Ctrl-C or SIGTERM; then stop them all.

    One Datasette renders pages in one Python process, so it uses one core however many the
    machine has. Workers share nothing in memory: sessions and CSRF tokens are signed with one
    secret (ROMAREACT_SECRET, or one drawn here for this run), SQLite serialises their writes,
    and cached public pages go through a shared file, emptied at each start. Each worker
    listens on its own SO_REUSEPORT socket: with one shared socket the first idle worker
    accepts every waiting connection, so a burst of kept-alive connections can land on one
    worker while the others idle; the kernel spreads them evenly over SO_REUSEPORT sockets.
    """
    _check_port_free(host, port)
    shared_cache = response_cache_path(data_dir)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{shared_cache}{suffix}").unlink(missing_ok=True)
    os.environ[SHARED_STORE_ENV] = str(shared_cache)  # read by the map plugin in each worker
    if not os.environ.get(SECRET_ENV):
        os.environ[SECRET_ENV] = secrets.token_hex(32)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=_worker, args=(data_dir, host, port, trusted_proxies), name=f"romareact-{n}"
        )
        for n in range(workers)
    ]
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        for process in processes:
            process.start()
        multiprocessing.connection.wait([process.sentinel for process in processes])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=15)
            if process.is_alive():
                process.kill()
    failed = [process.exitcode for process in processes if process.exitcode not in (0, -15)]
    if failed:
        raise SystemExit(f"a server worker stopped with exit code {failed[0]}")


def _check_port_free(host: str, port: int) -> None:
    """Stop with one clear message if the port cannot be served, before any worker starts."""
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        # SO_REUSEPORT would let a second romareact of the same user share the port silently.
        with socket.create_connection((probe_host, port), timeout=1):
            raise SystemExit(f"cannot serve on {host}:{port}: the port is in use")
    except OSError:
        pass  # nothing answers there
    try:
        _bind(host, port).close()
    except OSError as error:
        raise SystemExit(f"cannot serve on {host}:{port}: {error.strerror}") from None


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _worker(data_dir: Path, host: str, port: int, trusted_proxies: tuple[str, ...] = ()) -> None:
    """One worker process: its own Datasette on its own socket. Its start-up hooks run when
    uvicorn starts it, before the first request."""
    import uvicorn

    sock = _bind(host, port)
    sock.listen(2048)
    config = uvicorn.Config(
        make_datasette(data_dir).app(), log_level="warning", **proxy_options(trusted_proxies)
    )
    uvicorn.Server(config).run(sockets=[sock])
