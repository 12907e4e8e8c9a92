"""Benchmark: peak memory of a first command on a new, empty data directory.

    python -m benchmarks.first_command_memory [--baseline /path/to/other/checkout]

Runs `romareact sources list` on a fresh data directory (which loads the embedded gazetteer)
with this checkout and, given --baseline, with another checkout's code in the same run, and
prints each one's peak resident memory (ru_maxrss of the child) and time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def measure(checkout: Path) -> tuple[float, float]:
    """Peak MB and seconds of a first `sources list` with the code of `checkout`."""
    with tempfile.TemporaryDirectory() as data_dir:
        script = (
            "import resource, sys; from romareact.cli import cli\n"
            "try:\n    cli(['sources', 'list', '--data-dir', sys.argv[1]])\n"
            "except SystemExit:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        )
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", script, data_dir],
            capture_output=True, text=True, check=True, cwd=checkout,
            env={**os.environ, "PYTHONPATH": str(checkout)},
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    return int(result.stdout.split()[-1]) / 1024, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    arguments = parser.parse_args()
    runs = [("this checkout", HERE)]
    if arguments.baseline:
        runs.append((f"baseline {arguments.baseline}", arguments.baseline.resolve()))
    for label, checkout in runs:
        peak, seconds = measure(checkout)
        print(f"{label}: first command peak {peak:.0f} MB, {seconds:.1f} s")


if __name__ == "__main__":
    main()
