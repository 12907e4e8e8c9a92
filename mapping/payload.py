"""What the map page loads: a compact marker index up front, popup details on demand.

A naive Folium map writes every popup into the page; at 100,000 events that is hundreds of
megabytes. Here the page first loads only what drawing and filtering need (position, day,
category, province, precision) in columnar arrays, and the text of an event is fetched in
chunks of CHUNK events when someone opens its popup.

Both files are JavaScript calls (`romareactMarkers({...})`, `romareactDetails(n, [...])`) so a
static export works from any web server and from a folder opened in the browser (file:// does
not allow fetch()). Their JSON goes through script_json, so no scraped string can end the
script or become markup.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlite_utils

from mapping.escape import script_json
from mapping.geojson import as_database, story_sources
from romareact.categories import CATEGORIES

CHUNK = 100
PRECISIONS = ("neighbourhood", "settlement", "municipality", "province")
_EPOCH = date(1970, 1, 1)


def load_areas(public_db: str | Path | sqlite_utils.Database) -> list[dict]:
    db = as_database(public_db)
    if "areas" not in db.table_names():
        return []
    return list(db.query("select * from areas where lat is not null order by level, id"))


def _day(iso_date: str | None) -> int | None:
    try:
        return (date.fromisoformat((iso_date or "")[:10]) - _EPOCH).days
    except ValueError:
        return None


class _Codes:
    """Strings stored once, events refer to them by index (-1: none)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: str | None) -> int:
        if not value:
            return -1
        if value not in self._index:
            self._index[value] = len(self.values)
            self.values.append(value)
        return self._index[value]


def markers_payload(events: list[dict], areas: list[dict]) -> dict:
    """The marker index: one entry per event in each column, in the order of `events`."""
    provinces, municipalities, places = _Codes(), _Codes(), _Codes()
    categories = list(CATEGORIES)
    columns: dict[str, list] = {
        "lat": [], "lon": [], "day": [], "cat": [], "prov": [], "mun": [], "place": [],
        "prec": [], "sens": [],
    }  # fmt: skip
    for event in events:
        columns["lat"].append(round(event["lat"], 4))
        columns["lon"].append(round(event["lon"], 4))
        columns["day"].append(_day(event["date"]))
        category = event.get("category")
        columns["cat"].append(categories.index(category) if category in CATEGORIES else -1)
        columns["prov"].append(provinces(event.get("province")))
        # Municipality names repeat across provinces: the key carries the province.
        municipality = event.get("municipality")
        columns["mun"].append(
            municipalities(f"{event.get('province')}|{municipality}") if municipality else -1
        )
        columns["place"].append(places(event.get("place")))
        precision = event.get("precision")
        columns["prec"].append(PRECISIONS.index(precision) if precision in PRECISIONS else 1)
        columns["sens"].append(1 if event.get("sensitive") else 0)
    return {
        "count": len(events),
        "chunk": CHUNK,
        "categories": [[key, *labels] for key, labels in CATEGORIES.items()],
        "precisions": list(PRECISIONS),
        "provinces": provinces.values,
        "municipalities": municipalities.values,
        "places": places.values,
        "columns": columns,
        "areas": [
            {
                "level": a["level"],
                "key": a["name"] if a["level"] == "province" else f"{a['province']}|{a['name']}",
                "name": a["name"],
                "province": a["province"],
                "lat": round(a["lat"], 4),
                "lon": round(a["lon"], 4),
                "population": a["population"],
            }
            for a in areas
        ],
    }


def details_chunks(events: list[dict]) -> list[list[dict]]:
    """Popup text for every event, CHUNK events per file, in the marker order."""
    chunks = []
    for start in range(0, len(events), CHUNK):
        chunks.append(
            [
                {
                    "id": e["id"],
                    "title": e.get("title"),
                    "excerpt": e.get("excerpt"),
                    "date": e.get("date"),
                    "place": e.get("place"),
                    "neighbourhood": e.get("neighbourhood"),
                    "municipality": e.get("municipality"),
                    "province": e.get("province"),
                    "precision": e.get("precision"),
                    "sensitive": bool(e.get("sensitive")),
                    "category": e.get("category"),
                    "review_status": e.get("review_status"),
                    "sources": story_sources(e),
                }
                for e in events[start : start + CHUNK]
            ]
        )
    return chunks


def markers_script(payload: dict) -> str:
    return f"romareactMarkers({script_json(payload)});\n"


def details_script(number: int, chunk: list[dict]) -> str:
    return f"romareactDetails({int(number)}, {script_json(chunk)});\n"


def payload_size(payload: dict) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode())
