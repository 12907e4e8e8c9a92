"""Datasette over the newsroom and public databases, with the project's configuration."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path

from datasette.app import Datasette

from romareact.paths import newsroom_path, public_path, shipped_datasette_config
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
# How `run_workers` tells each worker process which data directory to serve.
WORKER_DATA_DIR_ENV = "ROMAREACT_SERVE_DATA_DIR"


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


def run(datasette: Datasette, host: str, port: int) -> None:
    """Serve until interrupted, the way `datasette serve` does."""
    import uvicorn

    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def run_workers(data_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve with several worker processes on one port, each its own Datasette.

    One Datasette renders pages in one Python process, so it uses one core however many the
    machine has. Workers share nothing in memory: sessions and CSRF tokens are signed with one
    secret (ROMAREACT_SECRET, or one drawn here for this run), SQLite serialises their writes,
    and cached public pages go through a shared file, emptied at each start.
    """
    import uvicorn

    data_dir = Path(data_dir).resolve()
    shared_cache = data_dir / "response-cache.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{shared_cache}{suffix}").unlink(missing_ok=True)
    os.environ[WORKER_DATA_DIR_ENV] = str(data_dir)
    os.environ[SHARED_STORE_ENV] = str(shared_cache)
    if not os.environ.get(SECRET_ENV):
        os.environ[SECRET_ENV] = secrets.token_hex(32)
    uvicorn.run(
        "romareact.serve:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
    )


def worker_app():
    """The application of one worker started by `run_workers` (a uvicorn factory). Its
    start-up hooks run when uvicorn starts the worker, before the first request."""
    return make_datasette(Path(os.environ[WORKER_DATA_DIR_ENV])).app()
