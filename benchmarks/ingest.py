"""Benchmark: feed ingestion on 200 real captured feeds, served from a local HTTP server.

    python -m benchmarks.ingest [--feeds ../shared/data/feeds/real-feeds-200.tar.xz]

Measures, in the same run:
- bare feedparser: `feedparser.parse(bytes)` with its default sanitising, on the same bytes;
- romareact's full path: `romareact crawl` in feed-only mode (download from the local server,
  parse, sanitise, dedup, relevance, places, store), wall-clock for the whole command and the
  crawl itself as Scrapy counts it.
and checks that no entry is lost: stored items = distinct entries feedparser sees.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import sqlite_utils

from romareact.urls import canonical_url

HERE = Path(__file__).resolve().parent
DEFAULT_FEEDS = HERE.parent.parent / "shared" / "data" / "feeds" / "real-feeds-200.tar.xz"


def unpack(archive: Path, into: Path) -> list[Path]:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return sorted(p for p in into.rglob("*") if p.is_file())


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def guess_type(self, path):
        return "application/xml"

    def log_message(self, format, *args):
        pass


def bare_feedparser(files: list[Path], folder: Path, base: str) -> tuple[float, int, set[str]]:
    """Parse every file; return the time, the entries and their links as absolute URLs."""
    start = time.perf_counter()
    parsed_files = [(path, feedparser.parse(path.read_bytes())) for path in files]
    seconds = time.perf_counter() - start
    entries, links = 0, set()
    for path, parsed in parsed_files:
        entries += len(parsed.entries)
        feed_url = f"{base}/{path.relative_to(folder).as_posix()}"
        links |= {canonical_url(urljoin(feed_url, e.link)) for e in parsed.entries if e.get("link")}
    return seconds, entries, links


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=Path, default=DEFAULT_FEEDS)
    args = parser.parse_args(argv)
    if not args.feeds.exists():
        sys.exit(f"no feeds at {args.feeds}: give --feeds PATH (a .tar.xz of feed files)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = unpack(args.feeds, tmp / "feeds")
        server = serve(tmp / "feeds")
        base = f"http://127.0.0.1:{server.server_address[1]}"
        toml = "".join(
            f'[[source]]\nid = "f{n:03d}"\nname = "feed {n}"\nkind = "feed"\n'
            f'url = "{base}/{path.relative_to(tmp / "feeds").as_posix()}"\n\n'
            for n, path in enumerate(files)
        )
        (tmp / "sources.toml").write_text(toml, encoding="utf-8")
        bare_seconds, bare_entries, bare_links = bare_feedparser(files, tmp / "feeds", base)
        command = [
            sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp / "data"),
            "--sources", str(tmp / "sources.toml"), "--all", "--silent",
            "-s", "ROMAREACT_FOLLOW_ARTICLES=false", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            "-s", "LOGSTATS_INTERVAL=0",
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        full_seconds = time.perf_counter() - start
        server.shutdown()
        if result.returncode != 0:
            sys.exit(result.stderr[-3000:])
        newsroom = sqlite_utils.Database(tmp / "data" / "newsroom.db")
        stored = newsroom["items"].count
        stored_links = {row["canonical_url"] for row in newsroom["items"].rows}
    lost = bare_links - stored_links
    print(f"{len(files)} feeds, {bare_entries} entries, {len(bare_links)} distinct links")
    print(f"{'path':<44}{'seconds':>9}{'items/s':>10}")
    print(f"{'bare feedparser.parse (default sanitising)':<44}{bare_seconds:>9.2f}"
          f"{bare_entries / bare_seconds:>10.0f}")  # fmt: skip
    print(f"{'romareact crawl, feed-only, whole command':<44}{full_seconds:>9.2f}"
          f"{stored / full_seconds:>10.0f}")  # fmt: skip
    print(f"speed-up over bare feedparser: {bare_seconds / full_seconds:.2f}x")
    print(f"stored {stored} items; links feedparser saw but not stored: {len(lost)}")
    for link in sorted(lost)[:10]:
        print(f"  lost: {link}")


if __name__ == "__main__":
    main()
