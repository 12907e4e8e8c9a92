"""Public events as GeoJSON."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

PROPERTIES = (
    "id", "title", "excerpt", "date", "place", "neighbourhood", "municipality", "province",
    "precision", "category", "review_status", "source", "source_url",
)  # fmt: skip


def load_events(public_db: str | Path) -> list[dict]:
    """Every event of the public database with coordinates, newest first."""
    db = sqlite_utils.Database(public_db)
    try:
        if "events" not in db.table_names():
            return []
        return list(
            db.query(
                "select * from events where lat is not null and lon is not null "
                "order by date desc, id"
            )
        )
    finally:
        db.close()


def to_geojson(events: list[dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": event["id"],
                "geometry": {"type": "Point", "coordinates": [event["lon"], event["lat"]]},
                "properties": {key: event.get(key) for key in PROPERTIES},
            }
            for event in events
        ],
    }
