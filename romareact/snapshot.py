"""Dated, versioned copies of the public database for citation, with what changed since the
previous one."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import sqlite_utils

from romareact.db import utcnow, write_transaction


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_snapshot(public: sqlite_utils.Database, out_dir: Path) -> dict:
    """Copy the public database to out_dir as version N and write its changelog CSV.

    VACUUM INTO copies one consistent state while crawls keep publishing; the copy's own
    changelog then says exactly which changes it holds, so the CSV and the copy agree.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = next(public.query("select * from snapshots order by version desc limit 1"), None)
    version = previous["version"] + 1 if previous else 1
    created_at = utcnow()
    stem = f"romareact-public-v{version}-{created_at[:10]}"
    copy_path = out_dir / f"{stem}.db"
    if copy_path.exists():
        raise FileExistsError(f"{copy_path} already exists")
    public.execute("vacuum into ?", [str(copy_path)])
    copy = sqlite_utils.Database(copy_path)
    try:
        last_change = copy.execute("select coalesce(max(id), 0) from changelog").fetchone()[0]
        events = copy["events"].count
    finally:
        copy.close()
    since = (previous["last_change"] or 0) if previous else 0
    changes = list(
        public.query(
            "select id, at, event_id, change, title from changelog "
            "where id > ? and id <= ? order by id",
            [since, last_change],
        )
    )
    changes_path = out_dir / f"{stem}.changes.csv"
    with open(changes_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["id", "at", "event_id", "change", "title"])
        writer.writeheader()
        writer.writerows(changes)
    row = {
        "version": version,
        "created_at": created_at,
        "file": copy_path.name,
        "events": events,
        "last_change": last_change,
        "sha256": _sha256(copy_path),
    }
    with write_transaction(public):
        public["snapshots"].insert(row)
    counts = {kind: sum(1 for c in changes if c["change"] == kind)
              for kind in ("added", "updated", "removed")}  # fmt: skip
    return {**row, "path": copy_path, "changes_path": changes_path, "changes": counts}
