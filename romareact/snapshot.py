"""Dated, versioned copies of the public database for citation, with what changed since the
previous one, and every event as CSV and GeoJSON: the files of the downloads page."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import sqlite_utils

from mapping.geojson import feature
from romareact.db import utcnow, write_transaction


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_events_csv(copy: sqlite_utils.Database, path: Path) -> None:
    """Every event of the copy, one row each, columns as in the events table; streamed."""
    columns = list(copy["events"].columns_dict)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in copy.execute(f"select {', '.join(f'[{c}]' for c in columns)} from events "
                                "order by date desc, id"):  # fmt: skip
            writer.writerow(row)


def _write_events_geojson(copy: sqlite_utils.Database, path: Path) -> None:
    """Every event of the copy as a GeoJSON feature (no geometry where it has no point);
    written feature by feature, never held whole in memory."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for number, row in enumerate(copy.query("select * from events order by date desc, id")):
            if row["lat"] is None or row["lon"] is None:
                point = {**feature({**row, "lat": 0, "lon": 0}, None), "geometry": None}
            else:
                point = feature(row, None)
            handle.write(",\n" * bool(number) + json.dumps(point, ensure_ascii=False))
        handle.write("\n]}\n")


def file_entry(path: Path, kind: str) -> dict:
    """How the downloads page lists a file: name, kind, size and SHA-256."""
    return {"file": path.name, "kind": kind, "bytes": path.stat().st_size, "sha256": _sha256(path)}


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
    csv_path = out_dir / f"{stem}.events.csv"
    geojson_path = out_dir / f"{stem}.events.geojson"
    try:
        last_change = copy.execute("select coalesce(max(id), 0) from changelog").fetchone()[0]
        events = copy["events"].count
        # From the copy: the exports hold exactly the events of the database file.
        _write_events_csv(copy, csv_path)
        _write_events_geojson(copy, geojson_path)
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
    files = [
        file_entry(copy_path, "sqlite"),
        file_entry(csv_path, "events-csv"),
        file_entry(geojson_path, "events-geojson"),
        file_entry(changes_path, "changes-csv"),
    ]
    row = {
        "version": version,
        "created_at": created_at,
        "file": copy_path.name,
        "events": events,
        "last_change": last_change,
        "sha256": files[0]["sha256"],
        "files": json.dumps(files),
    }
    with write_transaction(public):
        public["snapshots"].insert(row)
    counts = {kind: sum(1 for c in changes if c["change"] == kind)
              for kind in ("added", "updated", "removed")}  # fmt: skip
    return {**row, "path": copy_path, "changes_path": changes_path, "changes": counts,
            "csv_path": csv_path, "geojson_path": geojson_path}  # fmt: skip
