"""Benchmark: a mixed crawl of healthy, slow, huge and broken sources on a local server.

    python -m benchmarks.hostile_crawl [--items 10000] [--baseline /path/to/other/checkout]

One local server (tests/hostile_server.py) serves two healthy feeds, a feed of --items
entries on the same host, stalling, truncated, lying-encoding and broken feeds. Each checkout
crawls it with `romareact crawl` (politeness delays off, two pages at a time per host) on a
fresh data directory; printed: when the healthy feeds' article pages had all been asked for
(seconds after the crawl started), the whole crawl's time, its peak memory, items per source.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))

from hostile_server import HostileHandler, HostileServer, rss  # noqa: E402

SOURCES = ["good", "good2", "huge", "stall", "cut", "cp1251bare", "cp1251lie", "html", "drop"]
HEALTHY_PAGES = {"/a/1", "/a/2", "/a/b1", "/a/b2"}


class BenchHandler(HostileHandler):
    def _handle(self) -> None:
        peek = self.rfile.peek(200)[:200].decode("latin-1")
        path = peek.split(" ")[1] if " " in peek else "/"
        base, xml = self.server.base, {"Content-Type": "application/rss+xml; charset=utf-8"}
        if path == "/huge.xml":
            self._skip_request()
            count = self.server.huge_items
            items = [(f"Новина номер {n}", f"{base}/a/h{n}", f"h{n}") for n in range(count)]
            self.send("200 OK", rss(items).encode(), xml)
        elif path == "/good2.xml":
            self._skip_request()
            items = [
                ("Ромите в Лом", f"{base}/a/b1", "b1"),
                ("Ромите в Видин", f"{base}/a/b2", "b2"),
            ]
            self.send("200 OK", rss(items).encode(), xml)
        else:
            super()._handle()

    def _skip_request(self) -> None:
        line = self.rfile.readline().decode("latin-1")
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        path = line.split(" ")[1]
        self.server.hits.append(path)
        self.server.times.append((path, time.monotonic()))


def crawl(checkout: Path, items: int) -> dict:
    server = HostileServer(stall_seconds=20)
    server.RequestHandlerClass = BenchHandler
    server.huge_items = items
    with tempfile.TemporaryDirectory() as data_dir:
        sources = Path(data_dir) / "sources.toml"
        sources.write_text(
            "".join(
                f'[[source]]\nid = "{name}"\nname = "{name}"\nkind = "feed"\n'
                f'url = "{server.base}/{name}.xml"\n\n'
                for name in SOURCES
            ),
            encoding="utf-8",
        )
        command = ["/usr/bin/time", "-f", "peak-kb %M", sys.executable, "-P", "-m", "romareact",
                   "crawl", "--data-dir", data_dir, "--sources", str(sources), "--silent",
                   "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                   "-s", "DOWNLOAD_TIMEOUT=10"]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=checkout,
            env={**os.environ, "PYTHONPATH": str(checkout)},
        )  # fmt: skip
        elapsed = time.monotonic() - started
        server.stop()
        peak = next(line for line in result.stderr.splitlines() if line.startswith("peak-kb"))
        newsroom = sqlite_utils.Database(Path(data_dir) / "newsroom.db")
        per_source = dict(
            newsroom.execute("select source_id, count(*) from items group by source_id").fetchall()
        )
    healthy = [moment for path, moment in server.times if path in HEALTHY_PAGES]
    return {
        "healthy_pages_by": max(healthy) - started if len(healthy) >= 4 else None,
        "crawl": elapsed,
        "peak_mb": int(peak.split()[1]) / 1024,
        "items": per_source,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="entries of the huge feed")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    arguments = parser.parse_args()
    runs = [("this checkout", HERE)]
    if arguments.baseline:
        runs.append((f"baseline {arguments.baseline}", arguments.baseline.resolve()))
    for label, checkout in runs:
        figures = crawl(checkout, arguments.items)
        by = figures["healthy_pages_by"]
        print(
            f"{label}: healthy article pages all asked for by "
            f"{'never' if by is None else f'{by:.1f} s'}, whole crawl {figures['crawl']:.1f} s, "
            f"peak {figures['peak_mb']:.0f} MB; items per source {figures['items']}"
        )


if __name__ == "__main__":
    main()
