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

import json
import os
import shutil
import time
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
