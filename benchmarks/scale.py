"""Benchmark: the newsroom's costs as it grows, from 10,000 to a million items.

    python -m benchmarks.scale [--sizes 10k,100k] [--code /path/to/old/checkout]
                               [--timeout 120] [--cache /tmp/scale-cache] [--only NAME,...]

Builds one newsroom per size (cached in --cache; built once): items written through
write_item in StorePipeline's batches of 100, 20% Roma-related, every tenth a retelling
of an earlier story (clustered), 200 sources, 5,000 items a day; editors approve half and
reject a tenth of the older Roma-related ones (curation.decide), then a first publish.
A million items is the 100,000 copied ten times in SQL into the same schema, so its
indexes and triggers are the real ones. Then, on a fresh copy per size, each measurement
of benchmarks/scale_measure.py runs in its own process: storing an item, a crawl of 2,000
items and the publish after it, one approval (HTTP POST to the queue through Datasette),
refresh_events, the queue page with 1 and 10 editors, the source health page and every
newsroom page's status, `romareact sources check`.

With --code, the same measurements also run with that source tree first on PYTHONPATH
("before"), on a copy without the schema objects that tree does not create; a measurement
that takes longer than --timeout prints "> N s". Prints one table, sizes side by side, with
the growth from the smallest to the largest size. If benchmarks/scale_public.py exists, its
public_rows(sizes) table follows.

Targets at 1M items: storing an item <= 1.5x its 10k cost; publishing after a crawl of
2,000 items, and one approval, < 1 s; queue p95 <= 300 ms with 10 editors; source health
page <= 1 s; no page answers an error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MEASURE = HERE / "scale_measure.py"
COPY_FROM = 100_000  # sizes above this are copies of the 100k newsroom


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- building the newsrooms ----


def build(size: int, cache: Path) -> Path:
    """The cached data directory of a newsroom of `size` items, built if missing."""
    directory = cache / f"newsroom-{label(size)}"
    if (directory / "built").exists():
        return directory
    if directory.exists():
        shutil.rmtree(directory)
    if size > COPY_FROM:
        _copy_scaled(build(COPY_FROM, cache), directory, size)
    else:
        _build_written(directory, size)
    (directory / "built").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return directory


def _build_written(directory: Path, size: int) -> None:
    from benchmarks import scale_measure
    from romareact import curation
    from romareact.db import index_pending_items, write_transaction
    from romareact.publish import export_public, refresh_events
    from romareact.users import add_user
    from romareact.workspace import open_workspace

    workspace = open_workspace(directory)
    newsroom = workspace.newsroom
    with write_transaction(newsroom):
        newsroom["sources"].upsert_all(
            [{"id": f"src{n:03d}", "name": f"Медия {n}", "kind": "feed",
              "url": f"https://src{n:03d}.example/feed", "enabled": 1, "country": "BG"}
             for n in range(scale_measure.SOURCES)],
            pk="id",
        )  # fmt: skip
    add_user(newsroom, scale_measure.EDITOR, scale_measure.PASSWORD, "admin", actor="bench")
    started = time.perf_counter()
    for start in range(1, size + 1, 10_000):
        scale_measure.store(newsroom, range(start, min(size, start + 9_999) + 1), size)
        _progress(f"{label(size)}: {min(size, start + 9_999)} items stored")
    index_pending_items(newsroom)
    # Editors have gone through the older 90% of the Roma-related items.
    older = [
        row[0]
        for row in newsroom.execute(
            "select id from items where status = 'new' and rowid <= ? order by rowid",
            [int(size * 0.9)],
        )
    ]
    approve = [item for n, item in enumerate(older) if n % 2 == 0]
    reject = [item for n, item in enumerate(older) if n % 10 == 1]
    for items, decision in ((approve, "approved"), (reject, "rejected")):
        for start in range(0, len(items), 500):
            curation.decide(newsroom, items[start : start + 500], decision, "bench")
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    _progress(f"{label(size)} built in {time.perf_counter() - started:.0f} s")
    workspace.close()


def _copy_scaled(source: Path, directory: Path, size: int) -> None:
    """`size` items as copies of the source newsroom's, inserted in SQL (triggers fire)."""
    from romareact.db import index_pending_items
    from romareact.publish import export_public, refresh_events
    from romareact.workspace import open_workspace

    started = time.perf_counter()
    shutil.copytree(source, directory)
    (directory / "built").unlink()
    workspace = open_workspace(directory)
    newsroom = workspace.newsroom
    columns = [c for c in newsroom["items"].columns_dict if c != "search_pending"]
    changed = {
        "id": "id || '-{k}'",
        "cluster_id": "cluster_id || '-{k}'",
        "url": "url || '#{k}'",
        "canonical_url": "canonical_url || '#{k}'",
        "guid": "guid || '#{k}'",
        # The copies are older: the source's whole period earlier per copy.
        "fetched": "strftime('%Y-%m-%dT%H:%M:%S+00:00', fetched, '-{days} days')",
        "published": "strftime('%Y-%m-%dT%H:%M:%S+00:00', published, '-{days} days')",
    }
    days = COPY_FROM // 5000
    for k in range(1, size // COPY_FROM):
        chosen = ", ".join(changed.get(c, c).format(k=k, days=days * k) for c in columns)
        with newsroom.conn:
            newsroom.execute(
                f"insert into items ({', '.join(columns)}, search_pending) "
                f"select {chosen}, 1 from items where rowid <= ? order by rowid",
                [COPY_FROM],
            )
            newsroom.execute(
                'insert into mentions (item_id, place_id, start, "end", surface, confidence, '
                "is_primary) select item_id || '-' || ?, place_id, start, \"end\", surface, "
                "confidence, is_primary from mentions where item_id not like '%-%'",
                [k],
            )
            newsroom.execute(
                "insert into item_minima (hash, item_id) select hash, item_id || '-' || ? "
                "from item_minima where item_id not like '%-%'",
                [k],
            )
        _progress(f"{label(size)}: copy {k} written ({time.perf_counter() - started:.0f} s)")
    index_pending_items(newsroom)
    _progress(f"{label(size)}: search index ({time.perf_counter() - started:.0f} s)")
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    _progress(f"{label(size)} built in {time.perf_counter() - started:.0f} s")
    workspace.close()


# ---- running the measurements ----


def _schema(tree: Path) -> dict[str, set[str]]:
    """Names of the schema objects a tree's migrations create in empty databases."""
    script = """
import json, sys, tempfile, pathlib
from romareact.db import open_newsroom, open_public
folder = pathlib.Path(tempfile.mkdtemp())
out = {}
for name, opener in (("newsroom", open_newsroom), ("public", open_public)):
    db = opener(folder / f"{name}.db")
    out[name] = dict(db.execute("select name, sql from sqlite_master").fetchall())
    out[name + "_migrations"] = [r[0] for r in db.execute("select id from _migrations")]
print(json.dumps(out))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], env=_env(tree), capture_output=True, text=True,
        check=True, cwd="/tmp",
    )  # fmt: skip
    return {k: v if isinstance(v, dict) else set(v) for k, v in json.loads(result.stdout).items()}


def _strip_to(directory: Path, old: dict, new: dict) -> None:
    """Drop from a copy the schema objects only the newer tree creates, put back the
    indexes, triggers and views it dropped, and forget its migrations, so the older tree
    meets the schema it made itself."""
    for name in ("newsroom", "public"):
        conn = sqlite3.connect(directory / f"{name}.db")
        extra = {n for n in new[name].keys() - old[name].keys() if not n.startswith("sqlite_")}
        for kind, obj in conn.execute("select type, name from sqlite_master").fetchall():
            if obj in extra and kind in ("trigger", "index", "view"):
                conn.execute(f'drop {kind} if exists "{obj}"')
        for kind, obj in conn.execute("select type, name from sqlite_master").fetchall():
            if obj in extra and kind == "table":
                conn.execute(f'drop table if exists "{obj}"')
        present = {row[0] for row in conn.execute("select name from sqlite_master")}
        for obj, sql in old[name].items():
            if obj not in present and sql and not sql.lower().startswith("create table"):
                conn.execute(sql)
        for number in new[f"{name}_migrations"] - old[f"{name}_migrations"]:
            conn.execute("delete from _migrations where id = ?", [number])
        conn.commit()
        conn.close()


def _migrate(directory: Path, tree: Path) -> None:
    """Apply a tree's migrations to a copied data directory (in a process of its own)."""
    script = (
        "import sys; from romareact.workspace import open_workspace; "
        "open_workspace(sys.argv[1]).close()"
    )
    subprocess.run([sys.executable, "-c", script, str(directory)], env=_env(tree), check=True,
                   cwd="/tmp")  # fmt: skip


def _env(tree: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(":")
    return env


def run_measurements(directory: Path, tree: Path, names: list[str], timeout: float) -> dict:
    results = {}
    for name in names:
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, str(MEASURE), name, str(directory)],
                env=_env(tree), capture_output=True, text=True, timeout=timeout, cwd="/tmp",
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            results[name] = f"> {timeout:.0f} s"
            _progress(f"  {name}: > {timeout:.0f} s")
            continue
        if done.returncode != 0:
            results[name] = "failed"
            _progress(f"  {name} failed:\n{done.stderr[-2000:]}")
            continue
        results.update(json.loads(done.stdout.strip().splitlines()[-1]))
        _progress(f"  {name}: {time.perf_counter() - started:.1f} s")
    return results


# ---- the table ----

ROWS = [
    ("storing a new item", "store_new_ms", "ms", "store"),
    ("re-crawling a stored item", "store_recrawl_ms", "ms", "store"),
    ("crawl of 2,000 items: refresh_events", "crawl_refresh_s", "s", "crawl_publish"),
    ("crawl of 2,000 items: export_public", "crawl_export_s", "s", "crawl_publish"),
    ("publish after a crawl of 2,000 items", "crawl_publish_s", "s", "crawl_publish"),
    ("one approval in the queue (HTTP POST)", "approval_s", "s", "approval"),
    ("refresh_events after re-crawling 100 items", "refresh_s", "s", "refresh"),
    ("queue page p50, 1 editor", "queue1_p50_s", "ms", "queue1"),
    ("queue page p95, 1 editor", "queue1_p95_s", "ms", "queue1"),
    ("queue page errors, 1 editor", "queue1_errors", "", "queue1"),
    ("queue page p50, 10 editors", "queue10_p50_s", "ms", "queue10"),
    ("queue page p95, 10 editors", "queue10_p95_s", "ms", "queue10"),
    ("queue page errors, 10 editors", "queue10_errors", "", "queue10"),
    ("/newsroom/-/sources", "sources_page_s", "s", "pages"),
    ("/newsroom/-/sources status", "sources_page_status", "", "pages"),
    ("queue / item / users / audit status", "_statuses", "", "pages"),
    ("sources check", "sources_check_s", "s", "sources_check"),
]


def _figure(result: dict, key: str, unit: str, measurement: str):
    """(text, number or None) of one cell."""
    if key == "_statuses":
        codes = [result.get(f"{p}_page_status") for p in ("queue", "item", "users", "audit")]
        if None in codes:
            return str(result.get(measurement, "—")), None
        return "/".join(str(c) for c in codes), None
    if key not in result:
        return str(result.get(measurement, "—")), None
    value = result[key]
    if unit == "ms" and key.endswith("_s"):
        return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms", value
    if unit == "ms":
        return f"{value:.2f} ms", value
    if unit == "s":
        return (f"{value:.2f} s" if value < 10 else f"{value:.0f} s"), value
    return str(value), None


def table(sizes: list[int], results: dict[str, dict[int, dict]]) -> str:
    versions = list(results)
    header = ["newsroom items"]
    for size in sizes:
        header += [f"{label(size)} {v}" for v in versions]
    if len(sizes) > 1:
        header += [f"growth {v} {label(sizes[-1])}/{label(sizes[0])}" for v in versions]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for title, key, unit, measurement in ROWS:
        cells, numbers = [title], {v: [] for v in versions}
        for size in sizes:
            for version in versions:
                text, number = _figure(results[version].get(size, {}), key, unit, measurement)
                cells.append(text)
                numbers[version].append(number)
        if len(sizes) > 1:
            for version in versions:
                first, last = numbers[version][0], numbers[version][-1]
                cells.append(f"{last / first:.1f}x" if first and last is not None else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def public_table(sizes: list[int], code: Path | None = None) -> str | None:
    """The public side's table, from benchmarks/scale_public.py where it exists (given the
    older tree as its baseline when it takes one)."""
    if importlib.util.find_spec("benchmarks.scale_public") is None:
        return None
    import inspect

    from benchmarks.scale_public import public_rows

    if code is not None and "baseline" in inspect.signature(public_rows).parameters:
        rows = public_rows(sizes, baseline=code)
    else:
        rows = public_rows(sizes)
    header = ["public events", *(label(s) for s in sizes)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for title, figures in rows:
        # Figures keyed by size or by its label ("100k").
        cells = [str(figures.get(s, figures.get(label(s), "—"))) for s in sizes]
        lines.append("| " + " | ".join([title, *cells]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="e.g. 10k,100k,1m")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/scale-cache"))
    parser.add_argument("--code", type=Path, help="another source tree to measure: 'before'")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per measurement")
    parser.add_argument(
        "--only", help="measurements to run, e.g. store,queue10 (public: the public table)"
    )
    args = parser.parse_args(argv)
    sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    names = list(_measurement_names())
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    trees = {"after": ROOT}
    if args.code:
        trees = {"before": args.code.resolve(), "after": ROOT}
    schemas = {version: _schema(tree) for version, tree in trees.items()}
    results: dict[str, dict[int, dict]] = {version: {} for version in trees}
    for size in sizes:
        built = build(size, args.cache)
        for version, tree in trees.items():
            work = args.cache / f"work-{version}-{label(size)}"
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(built, work)
            # A cache built by an older tree: first the schema this tree makes.
            _migrate(work, ROOT)
            if version != "after":
                _strip_to(work, schemas[version], schemas["after"])
            _progress(f"{label(size)}, {version} ({tree}):")
            results[version][size] = run_measurements(work, tree, names, args.timeout)
            shutil.rmtree(work)
    print(table(sizes, results))
    # The public side's table too, unless --only chose newsroom measurements alone.
    public = public_table(sizes, args.code) if not args.only or "public" in args.only else None
    if public:
        print()
        print(public)


def _measurement_names() -> list[str]:
    from benchmarks import scale_measure

    return list(scale_measure.MEASUREMENTS)


if __name__ == "__main__":
    main()
