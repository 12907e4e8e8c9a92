"""Benchmark: the public side at 10,000, 100,000 and 1,000,000 events, before and after.

    python -m benchmarks.scale_public [--sizes 10000,100000,1000000] [--cache DIR]
                                      [--baseline DIR] [--baseline-timeout 120]

Builds public databases of synthetic events (benchmarks/synthetic.py) placed over the
national gazetteer (../shared/data/geonames-postal-BG.txt; the embedded places without it):
up to 100,000 through sqlite-utils, larger sizes by copying those in SQL, so the real schema,
migrations, indexes and triggers do the work. Databases are kept in --cache and reused.

For each size it starts `romareact serve` (one worker) and prints:
- serve memory per worker (resident set after start-up and the map's first view),
- the map's first-view bytes (page, map data, and what the first view asks for),
- marker endpoint latency (cold, then warm),
- first answer after start (time from starting the server to the map data answering).
The "before" figures come from the same run against the code of a baseline checkout
(--baseline, e.g. `git worktree add /work/base-15b e8f7db5`), each with a timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.synthetic import synthetic_events
from geocode.importers import embedded_places, read_postal
from romareact import db
from romareact.workspace import open_workspace

HERE = Path(__file__).resolve().parent
GAZETTEER = Path(
    os.environ.get("ROMAREACT_GAZETTEER", HERE.parent.parent / "shared/data/geonames-postal-BG.txt")
)
DEFAULT_CACHE = Path("/tmp/scale-public-cache")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# Generated in Python at most this many; larger databases copy them in SQL.
GENERATED = 100_000
# Bump when the synthetic data or the build changes, so that cached databases are rebuilt.
BUILD_VERSION = 3


def settlements() -> list:
    """Where the events happen: every settlement of the national gazetteer when present."""
    if GAZETTEER.exists():
        with GAZETTEER.open(encoding="utf-8") as lines:
            return list(read_postal(lines))
    return [p for p in embedded_places() if p.kind == "settlement"]


def _build_stamp() -> str:
    migrations = [number for number, _, _ in db.PUBLIC_MIGRATIONS]
    return json.dumps(
        {"build": BUILD_VERSION, "migrations": migrations, "gazetteer": GAZETTEER.exists()}
    )


def _shifted(column: str, days: int) -> str:
    """A column of a copied event, its dates `days` later."""
    if column == "date":
        return f"date(date, '+{days} days')"
    if column == "year":
        return f"cast(substr(date(date, '+{days} days'), 1, 4) as integer)"
    if column == "published_at":
        return f"replace(published_at, substr(published_at, 1, 10), date(date, '+{days} days'))"
    return column


def public_data_dir(size: int, cache: Path = DEFAULT_CACHE) -> Path:
    """A data directory whose public database holds `size` events, built once and reused."""
    data_dir = cache / f"public-{size}"
    stamp = data_dir / "build.json"
    if stamp.exists() and stamp.read_text() == _build_stamp():
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    open_workspace(data_dir).close()
    started = time.perf_counter()
    public = db.open_public(data_dir / "public.db")
    generated = synthetic_events(min(size, GENERATED), settlements=settlements())
    with db.write_transaction(public):
        public["events"].insert_all(generated, batch_size=2000)
    copy = 1
    columns = [c for c in public["events"].columns_dict if c != "id"]
    names = ", ".join(columns)
    while public["events"].count < size:
        missing = size - public["events"].count
        with db.write_transaction(public):
            # Copies of the generated events, a week later each time, under new ids.
            public.execute(
                f"insert into events (id, {names}) select 'c{copy}-' || id, "
                + ", ".join(_shifted(c, 7 * copy) for c in columns)
                + f" from events where id not like 'c%' limit {int(missing)}"
            )
        copy += 1
    public.execute("analyze")
    public.close()
    print(f"built {size} events in {time.perf_counter() - started:.0f} s", flush=True)
    stamp.write_text(_build_stamp())
    return data_dir


# The first view of a 1280x900 desktop browser: Bulgaria at zoom 7 (what map.js asks for).
FIRST_VIEW = (
    "/map/data/summary.json?v=1",
    "/map/data/view.json?z=7&bbox=36.5625,16.875,47.8125,33.75",
)
START_TIMEOUT = 180.0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(data_dir: Path, code: Path | None, timeout: float) -> Iterator[dict]:
    """`romareact serve` (one worker) of the code in `code` (None: this checkout) over
    data_dir; yields {'port', 'pid', 'first_answer' (seconds, None after `timeout`)}."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROMAREACT_")}
    if code is not None:
        env["PYTHONPATH"] = str(code)  # ahead of this checkout's editable install
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "romareact", "serve", "--data-dir", str(data_dir),
             "--port", str(port)],
            stdout=log, stderr=log, env=env, cwd=tempfile.gettempdir(),
        )  # fmt: skip
        first_answer = None
        try:
            while time.perf_counter() - started < timeout and process.poll() is None:
                try:
                    if _get(port, "/-/versions.json", timeout=5)[0] == 200:
                        first_answer = time.perf_counter() - started
                        break
                except OSError:
                    time.sleep(0.2)
            yield {"port": port, "pid": process.pid, "first_answer": first_answer}
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _get(port: int, path: str, timeout: float = 120, gzip_ok: bool = True) -> tuple:
    """(status, bytes on the wire, plain bytes, seconds) of one GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
        response = connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        plain = gzip.decompress(body) if response.getheader("Content-Encoding") == "gzip" else body
        return response.status, len(body), plain, seconds
    finally:
        connection.close()


def peak_memory_mb(pid: int) -> float | None:
    """The peak resident set of a process (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _view_paths(count: int, seed: int = 5) -> list[str]:
    """Views a visitor pans and zooms to: around gazetteer places, zoom 7 to 14."""
    rng = random.Random(seed)
    places = settlements()
    paths = []
    for _ in range(count):
        place = rng.choice(places)
        zoom = rng.randint(7, 14)
        # The box a 1280x900 screen shows, rounded out to tiles as map.js does.
        tile = 360 / 2**zoom
        half_w, half_h = 640 * tile / 256, 450 * tile / 256 * 0.75
        box = [place.lat - half_h, place.lon - half_w, place.lat + half_h, place.lon + half_w]
        box = [int(v // tile) * tile if k < 2 else (int(v // tile) + 1) * tile
               for k, v in enumerate(box)]  # fmt: skip
        bbox = ",".join(f"{v:.5f}" for v in box)
        paths.append(f"/map/data/view.json?z={zoom}&bbox={bbox}")
    return paths


def measure(data_dir: Path, code: Path | None, timeout: float) -> dict:
    """Every figure of one server (this code, or the baseline's in `code`)."""
    figures: dict = {}
    with serving(data_dir, code, timeout) as server:
        port, first = server["port"], server["first_answer"]
        figures["first_answer"] = first
        if first is None:
            return figures
        errors = []

        def get(path):
            status, sent, body, seconds = _get(port, path, timeout)
            if status != 200:
                errors.append(f"{status} {path}")
            return sent, body, seconds

        try:
            wire = plain = 0
            for path in ("/map", "/map/data/markers.js"):
                sent, body, seconds = get(path)
                wire, plain = wire + sent, plain + len(body)
            figures["markers_first"] = seconds
            tiled = re.search(rb'"tiled":\s*true', body) is not None
            for path in FIRST_VIEW if tiled else ():
                sent, body, _ = get(path)
                wire, plain = wire + sent, plain + len(body)
            figures["first_view"] = (wire, plain)
            if tiled:
                paths = _view_paths(20)
                figures["marker_cold"] = [get(path)[2] for path in paths]
                figures["marker_warm"] = [get(path)[2] for path in paths]
            else:
                figures["marker_cold"] = [seconds]
                figures["marker_warm"] = [get("/map/data/markers.js")[2] for _ in range(5)]
        except (OSError, http.client.HTTPException) as error:
            errors.append(str(error))
        figures["errors"] = errors
        figures["memory"] = peak_memory_mb(server["pid"])
    return figures


def _ms(values: list[float] | None) -> str:
    if not values:
        return "-"
    p50 = statistics.median(values) * 1000
    p95 = max(values) * 1000 if len(values) < 20 else statistics.quantiles(values, n=20)[18] * 1000
    return f"{p50:.0f}/{p95:.0f} ms"


def _figures(figures: dict) -> dict[str, str]:
    first = figures.get("first_answer")
    if first is None:
        timed_out = "no answer (timeout)"
        return {key: timed_out for key in _LABELS}
    view = figures.get("first_view")
    return {
        "memory": f"{figures['memory']:.0f} MB" if figures.get("memory") else "-",
        "first_view": f"{view[0] / 1e6:.2f} MB ({view[1] / 1e6:.2f} plain)" if view else "-",
        "marker_cold": _ms(figures.get("marker_cold")),
        "marker_warm": _ms(figures.get("marker_warm")),
        "first_answer": f"{first:.1f} s",
        "errors": str(len(figures.get("errors", []))),
    }


_LABELS = {
    "memory": "serve memory per worker (peak RSS)",
    "first_view": "map first view: page + data, gzip (plain)",
    "marker_cold": "marker endpoint p50/p95, first ask",
    "marker_warm": "marker endpoint p50/p95, again",
    "first_answer": "first answer after start",
    "errors": "answers other than 200",
}


def size_label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def public_rows(
    sizes=DEFAULT_SIZES,
    cache: Path = DEFAULT_CACHE,
    baseline: Path | None = None,
    baseline_timeout: float = START_TIMEOUT,
) -> list[tuple[str, dict[str, str]]]:
    """(label, {size label: 'before -> after'}) for every public figure; without a baseline
    checkout, only the figures of this code."""
    before: dict[int, dict[str, str]] = {}
    after: dict[int, dict[str, str]] = {}
    for size in sizes:
        data_dir = public_data_dir(size, cache)
        after[size] = _figures(measure(data_dir, None, START_TIMEOUT))
        if baseline is not None:
            before[size] = _figures(measure(data_dir, baseline, baseline_timeout))
    rows = []
    for key, label in _LABELS.items():
        row = {}
        for size in sizes:
            now = after[size][key]
            row[size_label(size)] = f"{before[size][key]} -> {now}" if size in before else now
        rows.append((label, row))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--baseline-timeout", type=float, default=START_TIMEOUT)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = public_rows(sizes, args.cache, args.baseline, args.baseline_timeout)
    header = ["public events", *(size_label(size) for size in sizes)]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for label, row in rows:
        print(" | ".join([label, *(row[size_label(size)] for size in sizes)]))


if __name__ == "__main__":
    main()
