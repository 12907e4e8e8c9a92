"""Benchmark: feed ingestion on 200 real captured feeds, served by local HTTP servers.

    python -m benchmarks.ingest [--feeds ../shared/data/feeds/real-feeds-200.tar.xz]

Measures, in the same run:
- bare feedparser: `feedparser.parse(bytes)` with its default sanitising, on the same bytes,
  in this process;
- romareact's full path: `romareact crawl` in feed-only mode (download from the local servers,
  parse, sanitise, dedup, language, places, relevance, store, publish), wall-clock for the whole
  command, start-up included.
The feeds are spread over 8 "sites" (loopback addresses 127.0.0.1-8), as real feeds come from
many hosts: `--processes` keeps each host in one process. It checks that no entry is lost:
every entry feedparser sees is stored, found by its link or its GUID (entries sharing a link
are one story, stored once). Each path runs --repeat times, interleaved; medians, best runs
and CPU time are printed, as this machine's speed varies from minute to minute.

The data directory is made beforehand (databases created, embedded gazetteer imported), as it
is for every crawl but a workspace's very first; that one-off import is timed on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import sqlite_utils

from romareact.urls import canonical_url
from romareact.workspace import open_workspace
from tests.local_servers import QuietHandler, serve_folder

HERE = Path(__file__).resolve().parent
DEFAULT_FEEDS = HERE.parent.parent / "shared" / "data" / "feeds" / "real-feeds-200.tar.xz"


def unpack(archive: Path, into: Path) -> list[Path]:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return sorted(p for p in into.rglob("*") if p.is_file())


SITES = 8  # the feeds come from this many "sites": 127.0.0.1 ... 127.0.0.8, one server each


class FeedHandler(QuietHandler):
    def guess_type(self, path):
        return "application/xml"  # the captured feeds have no file extensions


@contextlib.contextmanager
def serve_sites(folder: Path) -> Iterator[int]:
    """The folder served on SITES loopback addresses, one port: feeds from different hosts,
    as real feeds are (a crawler keeps each host's politeness limits). Yields the port."""
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(serve_folder(folder, FeedHandler))
        port = urlsplit(first).port
        for n in range(2, SITES + 1):
            stack.enter_context(serve_folder(folder, FeedHandler, f"127.0.0.{n}", port))
        yield port


def feed_url(n: int, path: Path, folder: Path, port: int) -> str:
    return f"http://127.0.0.{n % SITES + 1}:{port}/{path.relative_to(folder).as_posix()}"


def bare_feedparser(files: list[Path]) -> tuple[float, float, list]:
    """Parse every file; return the wall and CPU seconds and the parsed feeds."""
    start, cpu = time.perf_counter(), time.process_time()
    parsed = [feedparser.parse(path.read_bytes()) for path in files]
    return time.perf_counter() - start, time.process_time() - cpu, parsed


def entry_keys(files: list[Path], parsed: list, folder: Path, port: int) -> list[tuple]:
    """(canonical link, GUID) of every entry feedparser sees, links made absolute."""
    keys = []
    for n, (path, feed) in enumerate(zip(files, parsed, strict=True)):
        address = feed_url(n, path, folder, port)
        for entry in feed.entries:
            link = entry.get("link")
            keys.append((canonical_url(urljoin(address, link)) if link else None, entry.get("id")))
    return keys


def crawl(command: list[str], data_dir: Path) -> tuple[float, float]:
    """Run `romareact crawl` into a prepared data directory; wall and CPU seconds."""
    open_workspace(data_dir).close()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([*command, "--data-dir", str(data_dir)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(result.stderr[-3000:])
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=Path, default=DEFAULT_FEEDS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path (default 3)")
    parser.add_argument(
        "--processes", default="1,2", help="crawler process counts to run (default 1,2)"
    )
    args = parser.parse_args(argv)
    if not args.feeds.exists():
        sys.exit(f"no feeds at {args.feeds}: give --feeds PATH (a .tar.xz of feed files)")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        files = unpack(args.feeds, tmp / "feeds")
        port = stack.enter_context(serve_sites(tmp / "feeds"))
        toml = "".join(
            f'[[source]]\nid = "f{n:03d}"\nname = "feed {n}"\nkind = "feed"\n'
            f'url = "{feed_url(n, path, tmp / "feeds", port)}"\n\n'
            for n, path in enumerate(files)
        )
        (tmp / "sources.toml").write_text(toml, encoding="utf-8")
        command = [
            sys.executable, "-P", "-m", "romareact", "crawl",
            "--sources", str(tmp / "sources.toml"), "--all", "--silent",
            "-s", "ROMAREACT_FOLLOW_ARTICLES=false", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            "-s", "LOGSTATS_INTERVAL=0",
        ]  # fmt: skip
        start = time.perf_counter()
        open_workspace(tmp / "setup").close()
        setup_seconds = time.perf_counter() - start
        counts = [int(n) for n in args.processes.split(",")]
        bare_runs, full_runs = [], {n: [] for n in counts}
        stores = {}
        for run in range(args.repeat):  # interleaved: a slow spell of the machine hits all
            seconds, cpu, parsed = bare_feedparser(files)
            bare_runs.append((seconds, cpu))
            for n in counts:
                stores[n] = tmp / f"data{run}-{n}"
                full_runs[n].append(crawl([*command, "--processes", str(n)], stores[n]))
        stack.close()
        keys = entry_keys(files, parsed, tmp / "feeds", port)
        stored = {n: _stored(path) for n, path in stores.items()}
    entries = len(keys)
    distinct = len({k[0] or k[1] for k in keys})
    bare = _summary(bare_runs)
    print(f"{len(files)} feeds, {entries} entries, {distinct} distinct by link (else GUID);"
          f" {args.repeat} runs of each path, interleaved")  # fmt: skip
    print(f"{'path':<46}{'median s':>9}{'best s':>8}{'CPU s':>7}{'items/s':>9}{'speed-up':>10}")
    print(f"{'bare feedparser.parse (default sanitising)':<46}{bare[0]:>9.2f}{bare[1]:>8.2f}"
          f"{bare[2]:>7.2f}{entries / bare[0]:>9.0f}{'1.00x':>10}")  # fmt: skip
    for n in counts:
        full = _summary(full_runs[n])
        label = f"romareact crawl, feed-only, {n} process{'es' if n > 1 else ''}"
        print(f"{label:<46}{full[0]:>9.2f}{full[1]:>8.2f}{full[2]:>7.2f}"
              f"{stored[n][0] / full[0]:>9.0f}{bare[0] / full[0]:>9.2f}x")  # fmt: skip
    print("speed-up: median against median; CPU s: all processes of the command together")
    print("(the crawl times are the whole command: start-up, fetching from the local server,")
    print(" parsing, sanitising, dedup, language, places, relevance, storing, search index)")
    print(f"(once per workspace, not timed above: creating it took {setup_seconds:.2f} s)")
    for n in counts:
        count, links, guids = stored[n]
        # Lost: an entry found in the store neither by its link nor by its GUID.
        lost = [k for k in keys if k[0] not in links and k[1] not in guids]
        print(f"{n} process(es): stored {count} items; entries feedparser saw and the store"
              f" lacks: {len(lost)}")  # fmt: skip
        for link, guid in lost[:10]:
            print(f"  lost: {link or guid}")


def _stored(data_dir: Path) -> tuple[int, set[str], set[str]]:
    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    rows = list(newsroom["items"].rows)
    return len(rows), {r["canonical_url"] for r in rows}, {r["guid"] for r in rows}


def _summary(runs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Median wall time, best wall time, median CPU time."""
    return (
        statistics.median(r[0] for r in runs),
        min(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
    )


if __name__ == "__main__":
    main()
