"""Editors' corrections: "in this context, this word is that place" (or no place at all).

A correction names a surface form (as it appears in text), an optional province that must
be cued in the text for it to apply, and the right place, or none for "not a place here".
Later analyses follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from romareact.db import audit, utcnow, write_transaction


@dataclass(frozen=True)
class Correction:
    surface: str
    province_code: str | None
    place_id: str | None  # None: not a place in this context


class CorrectionError(ValueError):
    """The correction names a place or province that does not exist."""


def add_correction(
    db: sqlite_utils.Database,
    surface: str,
    place_id: str | None,
    province_code: str | None = None,
    actor: str = "editor",
    note: str | None = None,
) -> int:
    """Store a correction (and audit it); returns its id."""
    from geocode.gazetteer import normalise_name  # the gazetteer imports this module

    if place_id is not None and not db["places"].count_where("id = ?", [place_id]):
        raise CorrectionError(f"no place with id {place_id!r}; search with `romareact places`")
    row = {
        "surface": normalise_name(surface),
        "province_code": province_code,
        "place_id": place_id,
        "actor": actor,
        "note": note,
        "created_at": utcnow(),
    }
    with write_transaction(db):
        new_id = db["place_corrections"].insert(row).last_pk
        audit(db, "place.corrected", "place_corrections", str(new_id), None, row, actor=actor)
    return new_id


def load_corrections(db: sqlite_utils.Database) -> list[Correction]:
    if "place_corrections" not in db.table_names():
        return []
    return [
        Correction(row["surface"], row["province_code"], row["place_id"])
        for row in db.query("select * from place_corrections order by id")
    ]


def applicable(corrections: list[Correction], provinces: set[str]) -> Correction | None:
    """The correction that fits the text: one for a province it cues, else a general one.

    Among several, the latest wins: an editor can correct a correction.
    """
    specific = [c for c in corrections if c.province_code and c.province_code in provinces]
    general = [c for c in corrections if not c.province_code]
    chosen = specific or general
    return chosen[-1] if chosen else None


def edit_place(
    db: sqlite_utils.Database,
    place_id: str,
    lat: float | None = None,
    lon: float | None = None,
    add_names: tuple[str, ...] = (),
    actor: str = "editor",
) -> dict:
    """Move a place or give it other names (a quarter's local name, say); audited."""
    import json

    if not db["places"].count_where("id = ?", [place_id]):
        raise CorrectionError(f"no place with id {place_id!r}; search with `romareact places`")
    before = db["places"].get(place_id)
    changes = {}
    if lat is not None or lon is not None:
        new_lat = before["lat"] if lat is None else lat
        new_lon = before["lon"] if lon is None else lon
        if not (41.0 <= new_lat <= 44.5 and 22.0 <= new_lon <= 29.0):
            raise CorrectionError(
                f"({new_lat}, {new_lon}) is outside Bulgaria; expected latitude 41-44.5, "
                "longitude 22-29"
            )
        changes.update(lat=new_lat, lon=new_lon)
    if add_names:
        names = json.loads(before["alt_names"] or "[]")
        changes["alt_names"] = json.dumps(
            names + [n for n in add_names if n not in names], ensure_ascii=False
        )
    with write_transaction(db):
        db["places"].update(place_id, changes)
        after = db["places"].get(place_id)
        audit(db, "place.edited", "places", place_id, before, after, actor=actor)
    return after
