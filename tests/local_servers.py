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
