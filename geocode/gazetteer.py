"""The in-memory gazetteer: places loaded from the newsroom database, indexed by name."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlite_utils

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015]")


def normalise_name(name: str) -> str:
    """The lookup key of a name: lower case, ё as е, one kind of dash, single spaces."""
    name = _DASHES.sub("-", name.strip().lower()).replace("ё", "е")
    return _SPACES.sub(" ", name)


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str  # "settlement" or "province"
    lat: float
    lon: float
    province: str | None = None
    province_code: str | None = None
    municipality: str | None = None
    population: int | None = None
    name_latin: str | None = None
    alt_names: tuple[str, ...] = field(default=())

    @property
    def is_municipal_centre(self) -> bool:
        return bool(self.municipality) and normalise_name(self.municipality) == normalise_name(
            self.name
        )

    def prominence(self) -> float:
        """How well known a place is, 0..~2.5: population if known, else municipal centre."""
        if self.population:
            return math.log10(self.population + 1) / 2.5
        return 1.2 if self.is_municipal_centre else 0.4


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


class Gazetteer:
    """Places indexed by normalised name (Bulgarian and Latin forms)."""

    def __init__(self, places: list[Place]):
        self.places = {place.id: place for place in places}
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        self.provinces_by_code: dict[str, Place] = {}
        for place in places:
            if place.kind == "province":
                self.provinces_by_code[place.province_code] = place
                continue
            names = {place.name, *place.alt_names}
            if place.name_latin:
                names.add(place.name_latin)
            for name in names:
                self.by_name[normalise_name(name)].append(place)
        self.max_name_words = max((key.count(" ") + 1 for key in self.by_name), default=1)
        self.municipalities = {normalise_name(p.municipality) for p in places if p.municipality}

    def __len__(self) -> int:
        return sum(1 for p in self.places.values() if p.kind != "province")

    def candidates(self, name: str) -> list[Place]:
        return self.by_name.get(normalise_name(name), [])

    @classmethod
    def from_db(cls, db: sqlite_utils.Database) -> Gazetteer:
        places = [
            Place(
                id=row["id"],
                name=row["name"],
                kind=row["kind"],
                lat=row["lat"],
                lon=row["lon"],
                province=row["province"],
                province_code=row["province_code"],
                municipality=row["municipality"],
                population=row["population"],
                name_latin=row["name_latin"],
                alt_names=tuple(json.loads(row["alt_names"] or "[]")),
            )
            for row in db.query("select * from places")
        ]
        return cls(places)
