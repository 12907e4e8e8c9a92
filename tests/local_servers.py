"""Local servers for tests, benchmarks and screenshots: a folder over HTTP, and
`romareact serve` in its own process, as a user runs it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve_folder(
    folder: Path,
    handler: type[http.server.BaseHTTPRequestHandler] = QuietHandler,
    address: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Serve a folder (on a free port unless one is given); yields its base URL."""
    server = http.server.ThreadingHTTPServer(
        (address, port), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{address}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def romareact_serve(
    data_dir: Path, env: dict | None = None, timeout: float = 120, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """`romareact serve [args]` on a free port until the block ends; yields its base URL.

    -P: the installed romareact, never a folder of that name in the current directory.
    """
    port = free_port()
    log_path = Path(data_dir) / f"serve-{port}.log"
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "romareact", "serve", "--data-dir", str(data_dir),
             "--port", str(port), *args],
            stdout=log, stderr=log, env={**os.environ, **(env or {})},
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(base + "/-/versions.json", timeout=5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"romareact serve did not answer: {log_path.read_text()}"
                        ) from None
                    time.sleep(0.3)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def server_processes(port: int) -> dict[int, tuple[str, int]]:
    """`romareact serve --port PORT` and its child processes, read from Linux /proc:
    process id -> (command line, CPU time used so far in clock ticks)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue  # ended meanwhile
        # fields: state, parent, ..., utime (11), stime (12)
        processes[int(entry.name)] = (command, int(fields[1]), int(fields[11]) + int(fields[12]))
    # Arguments end with a NUL each: "--port 80" never matches "--port 8001".
    servers = {pid for pid, (command, _, _) in processes.items() if f"--port\0{port}\0" in command}
    return {
        pid: (command.replace("\0", " "), ticks)
        for pid, (command, parent, ticks) in processes.items()
        if pid in servers or parent in servers
    }
