"""How much one anonymous SQL query can make the public site build: status, body size,
seconds and the server process's peak memory, for values and results that grow without
bound, on a baseline checkout and on this one, in the same run.

Each attack runs in a fresh process (peak memory only grows), in-process Datasette (no port).

    python benchmarks/query_limits.py --baseline /work/base-17 [--size 50000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

ATTACKS = {
    "zeroblob": "select zeroblob({n}) as b",
    "randomblob": "select length(randomblob({n})) as n",
    "printf": "select length(printf('%.*c', {n}, 'x')) as n",
    "group_concat": (
        "with recursive r(i) as (select 1 union all select i + 1 from r limit {rows})"
        " select length(group_concat(printf('%.1000c', 'x'))) as n from r"
    ),
    "many_rows": (
        "with recursive r(i) as (select 1 union all select i + 1 from r limit 1000)"
        " select zeroblob({n} / 1000) as b from r"
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
async def main():
    await datasette.invoke_startup()
    start = time.perf_counter()
    response = await datasette.client.get("/public.json", params={"sql": sys.argv[2]})
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": response.status_code, "bytes": len(response.content),
                      "seconds": round(seconds, 2), "extra_mb": round((peak - before) / 1024)}))
asyncio.run(main())
"""


def measure(root: Path, sql: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), sql],
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
    args = parser.parse_args()
    print(f"attack size {args.size:,} bytes; extra_mb = peak memory above start-up")
    for name, template in ATTACKS.items():
        sql = template.format(n=args.size, rows=args.size // 1000)
        for label, root in (("baseline", args.baseline), ("this", HERE)):
            print(f"{name:13} {label:9} {json.dumps(measure(root, sql))}", flush=True)


if __name__ == "__main__":
    main()
