"""Public events as GeoJSON, whole or filtered the way the map filters them."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from mapping.escape import safe_url
from romareact.categories import CATEGORIES

PROPERTIES = (
    "id", "title", "excerpt", "date", "place", "neighbourhood", "municipality", "province",
    "precision", "sensitive", "category", "sources", "review_status", "source", "source_url",
    "published_at",
)  # fmt: skip


def _date_argument(args, name: str) -> str | None:
    """The argument as a YYYY-MM-DD date, None when absent; ValueError when not a date."""
    value = args.get(name) or None
    if value is None:
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        parsed = None
    # fromisoformat also takes 20260101 and week dates; the map and the table ask for one form.
    if parsed is None and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        raise ValueError(f"No such date: {value!r}; expected a date as YYYY-MM-DD for {name!r}.")
    if parsed is None or value != parsed.isoformat():
        raise ValueError(f"Expected a date as YYYY-MM-DD for {name!r}, got {value!r}.")
    return value


@dataclass(frozen=True)
class EventFilter:
    """The map's filters: any of these categories, one province, a date range (inclusive)."""

    categories: tuple[str, ...] = ()
    province: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def from_query(cls, args) -> EventFilter:
        """From request arguments: category=a,b&province=X&from=YYYY-MM-DD&to=YYYY-MM-DD.
        Raises ValueError, saying which argument is wrong, for an unknown category or a date
        that is not one (an empty answer would pass for "no events")."""
        categories = tuple(c for c in (args.get("category") or "").split(",") if c)
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            raise ValueError(
                f"Unknown category {unknown[0]!r}; expected any of {', '.join(CATEGORIES)}."
            )
        date_from = _date_argument(args, "from")
        date_to = _date_argument(args, "to")
        if date_from and date_to and date_from > date_to:
            raise ValueError(f"'from' ({date_from}) is after 'to' ({date_to}).")
        return cls(
            categories=categories,
            province=args.get("province") or None,
            date_from=date_from,
            date_to=date_to,
        )

    def where(self) -> tuple[str, list]:
        """The filter on the events table, placed events only."""
        clauses, params = self.clauses()
        return " and ".join(["lat is not null", "lon is not null", *clauses]), params

    def clauses(self, table: str = "") -> tuple[list[str], list]:
        """Topic, province and date conditions on `table`'s columns (an alias such as the
        R*Tree's own copies, or none for the events table itself)."""
        column = f"{table}." if table else ""
        clauses, params = [], []
        if self.categories:
            marks = ",".join("?" for _ in self.categories)
            clauses.append(f"{column}category in ({marks})")
            params.extend(self.categories)
        if self.province:
            clauses.append(f"{column}province = ?")
            params.append(self.province)
        if self.date_from:
            clauses.append(f"{column}date >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append(f"{column}date <= ?")
            params.append(self.date_to)
        return clauses, params


def as_database(public_db: str | Path | sqlite_utils.Database) -> sqlite_utils.Database:
    if isinstance(public_db, sqlite_utils.Database):
        return public_db
    return sqlite_utils.Database(public_db)


def load_events(
    public_db: str | Path | sqlite_utils.Database,
    event_filter: EventFilter | None = None,
    order: str = "date desc, id",
    limit: int | None = None,
) -> list[dict]:
    """Public events with coordinates that pass the filter, newest first."""
    db = as_database(public_db)
    if "events" not in db.table_names():
        return []
    where, params = (event_filter or EventFilter()).where()
    sql = f"select * from events where {where} order by {order}"
    if limit:
        sql += f" limit {int(limit)}"
    return list(db.query(sql, params))


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


def feature(row: dict, keys: tuple[str, ...] | None = PROPERTIES) -> dict:
    """A point feature; its properties are `keys` of the row (None: every other column)."""
    if keys is None:
        keys = tuple(k for k in row if k not in ("lat", "lon"))
    properties = {key: row.get(key) for key in keys}
    if "sources" in properties:
        properties["sources"] = story_sources(row)
    return {
        "type": "Feature",
        "id": row.get("id"),
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


def to_geojson(rows: list[dict], keys: tuple[str, ...] | None = PROPERTIES) -> dict:
    """A FeatureCollection of the rows that have a point."""
    features = [
        feature(row, keys)
        for row in rows
        if row.get("lat") is not None and row.get("lon") is not None
    ]
    return {"type": "FeatureCollection", "features": features}
