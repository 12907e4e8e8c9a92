"""Public events as GeoJSON."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from mapping.escape import safe_url

PROPERTIES = (
    "id", "title", "excerpt", "date", "place", "neighbourhood", "municipality", "province",
    "precision", "category", "sources", "review_status", "source", "source_url",
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


def story_sources(event: dict) -> list[dict]:
    """Every outlet that told the story, from the JSON column (older rows: the one source)."""
    try:
        sources = json.loads(event.get("sources") or "[]")
    except ValueError:
        sources = []
    if not sources and event.get("source_url"):
        sources = [{"name": event.get("source"), "url": event.get("source_url")}]
    # Only web links leave the database, whatever a row holds.
    return [{"name": s.get("name"), "url": safe_url(s.get("url"))} for s in sources]


def to_geojson(events: list[dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": event["id"],
                "geometry": {"type": "Point", "coordinates": [event["lon"], event["lat"]]},
                "properties": {
                    **{key: event.get(key) for key in PROPERTIES},
                    "sources": story_sources(event),
                },
            }
            for event in events
        ],
    }
