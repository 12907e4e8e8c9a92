"""How much one anonymous SQL query can make the public site build: status, body size,
seconds and the server process's peak memory, for values and results that grow without
bound, on a baseline checkout and on this one, in the same run.

Each attack runs in a fresh process (peak memory only grows), in-process Datasette (no port).

    python benchmarks/query_limits.py --baseline /work/base-17 [--size 50000000] [--only NAME ...]
        [--at-once 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_ROWS = "with recursive r(i) as (select 1 union all select i + 1 from r limit {rows})"
# name: (page, SQL); {n} is the size asked, {rows} = n / 1000.
ATTACKS = {
    "zeroblob": ("/public.json", "select zeroblob({n}) as b"),
    "randomblob": ("/public.json", "select length(randomblob({n})) as n"),
    "printf": ("/public.json", "select length(printf('%.*c', {n}, 'x')) as n"),
    "group_concat": (
        "/public.json",
        _ROWS + " select length(group_concat(printf('%.1000c', 'x'))) as n from r",
    ),
    # n bytes of values in 1,000 rows: each value allowed, and JSON writes a NUL as \u0000.
    "many_rows": (
        "/public.json",
        _ROWS.replace("{rows}", "1000") + " select zeroblob({n} / 1000) as b from r",
    ),
    "many_rows_html": (
        "/public",
        _ROWS.replace("{rows}", "1000") + " select zeroblob({n} / 1000) as b from r",
    ),
    # Small values, two million cells: a page of HTML markup.
    "many_cells_html": (
        "/public",
        _ROWS.replace("{rows}", "1000") + " select " + ", ".join(["i"] * 1999) + " from r",
    ),
    # About the most cells the page budget lets through (100,000): how long they take.
    "cells_allowed_html": (
        "/public",
        _ROWS.replace("{rows}", "1000") + " select " + ", ".join(["i"] * 100) + " from r",
    ),
}

CHILD = r"""
import asyncio, json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import romareact
from romareact.serve import make_datasette
from romareact.workspace import open_workspace
folder = Path(tempfile.mkdtemp())
open_workspace(folder).close()
assert romareact.__file__.startswith(sys.argv[1]), romareact.__file__
datasette = make_datasette(folder)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
async def reader(done):
    # Another reader's small query, asked every 0.1 s while the attacks run: its worst wait.
    worst = 0.0
    while not done.is_set():
        due = time.perf_counter() + 0.1
        await asyncio.sleep(0.1)
        # From when it would ask: a busy event loop delays the asking too.
        await datasette.client.get("/public.json", params={"sql": "select 1"})
        worst = max(worst, time.perf_counter() - due)
    return worst
async def attacked(attacks, done):
    start = time.perf_counter()
    try:
        return await asyncio.gather(*attacks), time.perf_counter() - start
    finally:
        done.set()
async def main():
    await datasette.invoke_startup()
    at_once = int(sys.argv[4])
    attacks = [datasette.client.get(sys.argv[3], params={"sql": sys.argv[2]})
               for _ in range(at_once)]
    done = asyncio.Event()
    (responses, seconds), waited = await asyncio.gather(attacked(attacks, done), reader(done))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = responses[0]
    print(json.dumps({"status": response.status_code, "bytes": len(response.content),
                      "seconds": round(seconds, 2), "extra_mb": round((peak - before) / 1024),
                      "other_reader_s": round(waited, 2)}))
asyncio.run(main())
"""


def measure(root: Path, page: str, sql: str, at_once: int = 1) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), sql, page, str(at_once)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),  # not a checkout: its datasette/ folder would shadow Datasette
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"status": "crashed", "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--size", type=int, default=50_000_000, help="bytes each attack asks")
    parser.add_argument("--only", nargs="*", choices=sorted(ATTACKS), help="these attacks only")
    parser.add_argument("--at-once", type=int, default=1, help="the same attack N times at once")
    args = parser.parse_args()
    print(f"attack size {args.size:,} bytes, {args.at_once} at once; extra_mb = peak memory")
    print("above start-up; other_reader_s = longest wait of a small query asked every 0.1 s")
    for name, (page, template) in ATTACKS.items():
        if args.only and name not in args.only:
            continue
        sql = template.format(n=args.size, rows=args.size // 1000)
        for label, root in (("baseline", args.baseline), ("this", HERE)):
            print(
                f"{name:18} {label:9} {json.dumps(measure(root, page, sql, args.at_once))}",
                flush=True,
            )


if __name__ == "__main__":
    main()
