"""The in-memory gazetteer: places loaded from the newsroom database, indexed by name."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import sqlite_utils

from geocode.corrections import Correction, load_corrections
from geocode.derived import derived_forms, russian_forms
from geocode.translit import fold_latin, latin_variants

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015]")
_CAPITALISED = re.compile(r"[A-Z][a-z]+")  # how Latin town names begin
# Towns this large have adjectives and inhabitant names worth recognising.
DERIVED_FORMS_MIN_POPULATION = 10_000


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """The lookup key of a name: lower case, ё as е, one kind of dash, single spaces."""
    name = _DASHES.sub("-", name.strip().lower()).replace("ё", "е")
    return _SPACES.sub(" ", name)


@dataclass(frozen=True, eq=False)
class Place:
    id: str
    name: str
    kind: str  # "settlement", "province" or "neighbourhood"
    lat: float
    lon: float
    province: str | None = None
    province_code: str | None = None
    municipality: str | None = None
    population: int | None = None
    name_latin: str | None = None
    alt_names: tuple[str, ...] = field(default=())
    parent_id: str | None = None  # a neighbourhood's settlement
    needs_context: bool = False  # a neighbourhood whose name is also a common word

    # A place is its id: cheap to hash, and two loads of one row compare equal.
    def __eq__(self, other) -> bool:
        return isinstance(other, Place) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @cached_property  # asked often; a frozen dataclass still keeps it in its __dict__
    def is_municipal_centre(self) -> bool:
        return bool(self.municipality) and normalise_name(self.municipality) == normalise_name(
            self.name
        )

    @property
    def is_town(self) -> bool:
        return (self.population or 0) >= DERIVED_FORMS_MIN_POPULATION

    def prominence(self) -> float:
        """How well known a place is, 0..~2.5: population if known, else municipal centre."""
        if self.population:
            return math.log10(self.population + 1) / 2.5
        return 1.2 if self.is_municipal_centre else 0.4


def distance_km(a: Place, b: Place) -> float:
    return point_distance_km(a.lat, a.lon, b.lat, b.lon)


def point_distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in kilometres (equirectangular: exact enough within a country, and fast)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


class Gazetteer:
    """Places indexed by normalised name (Bulgarian and Latin forms) and by derived words."""

    def __init__(self, places: list[Place], corrections: list[Correction] = ()):
        self.places = {place.id: place for place in places}
        self.by_name: dict[str, list[Place]] = defaultdict(list)
        self.quarters: dict[str, list[Place]] = defaultdict(list)
        self.provinces_by_code: dict[str, Place] = {}
        for place in places:
            names = {place.name, *place.alt_names}
            if place.name_latin:
                names.add(place.name_latin)
            if place.kind == "province":
                self.provinces_by_code[place.province_code] = place
            elif place.kind == "neighbourhood":
                for name in names:
                    self.quarters[normalise_name(name)].append(place)
            else:
                for name in names:
                    self.by_name[normalise_name(name)].append(place)
        self._places_list = places  # for the Latin index, built when first asked
        widths = [key.count(" ") + 1 for key in [*self.by_name, *self.quarters]]
        self.max_name_words = max(widths, default=1)
        self.municipalities = {normalise_name(p.municipality) for p in places if p.municipality}
        self.derived: dict[str, tuple[Place, str]] = {}
        # Russian cases and adjectives, asked only of Russian text ("Котела" is Bulgarian too).
        self.russian: dict[str, tuple[Place, str]] = {}
        # Smallest first, so that of two towns with one adjective the larger keeps it.
        for place in sorted(places, key=lambda p: p.population or 0):
            if place.kind == "settlement" and (place.is_town or place.is_municipal_centre):
                for form, kind in derived_forms(place.name).items():
                    self.derived[form] = (place, kind)
            if place.kind == "settlement" and place.is_town:
                for form, kind in russian_forms(place.name).items():
                    self.russian[form] = (place, kind)
        self.derived_by_place: dict[str, list[str]] = defaultdict(list)
        for form, (place, _) in self.derived.items():
            self.derived_by_place[place.id].append(form)
        # In foreign Latin-script text only towns can be places (toponyms.py): one regex
        # tells at C speed whether any of their Latin names occurs at all.
        latin_towns = sorted(
            {
                name
                for p in places
                if p.kind == "settlement" and p.is_town
                for name in (p.name_latin, *p.alt_names)
                if name and name.isascii()
            },
            key=len,
            reverse=True,
        )
        self.latin_towns = re.compile(
            r"\b(?:" + "|".join(map(re.escape, latin_towns)) + r")\b" if latin_towns else r"(?!)"
        )
        # The regex is slow on long texts (hundreds of alternatives at every position), so
        # first the cheap test: does the text hold the first word of any of those names?
        self._latin_first_words: set[str] = set()
        self._latin_unusual = False  # a name not starting "Xxxx": always ask the regex
        for name in latin_towns:
            first = _CAPITALISED.match(name)
            if first is None:
                self._latin_unusual = True
            else:
                self._latin_first_words.add(first.group())
        self.corrections: dict[str, list[Correction]] = defaultdict(list)
        for correction in corrections:
            self.corrections[correction.surface].append(correction)
            place = self.places.get(correction.place_id)
            # A correction can teach a name the gazetteer did not know ("Кумлука").
            index = self.quarters if place and place.kind == "neighbourhood" else self.by_name
            if place and place not in index[correction.surface]:
                index[correction.surface].append(place)

    @cached_property
    def _latin_index(self) -> tuple[dict, dict, dict, dict]:
        """Every Latin spelling of every settlement ("Plowdiw", "Pazardjik", "Katuniţa") and
        quarter, folded to plain lower-case letters, and the towns' spellings by initial for
        close spellings ("Veliko Turnov"; villages are too many and too alike for a near
        match to mean anything). Built on the first Latin-script name asked about (about a
        third of a second): Bulgarian text never pays for it."""
        latin: dict[str, list[Place]] = defaultdict(list)
        quarters: dict[str, list[Place]] = defaultdict(list)
        for place in self._places_list:
            folded = {fold_latin(n) for n in (place.name_latin, *place.alt_names) if n}
            if place.kind == "neighbourhood":
                # Its name in every spelling system too: people type "Nadejda" or "Nadezhda".
                for spelling in folded | latin_variants(place.name):
                    quarters[spelling].append(place)
            elif place.kind == "settlement":
                for spelling in folded | latin_variants(place.name):
                    latin[spelling].append(place)
        by_initial: dict[str, dict[str, list[Place]]] = defaultdict(dict)
        for spelling, matches in latin.items():
            towns = [p for p in matches if p.is_town]
            if towns:
                by_initial[spelling[:1]][spelling] = towns
        spellings = {initial: list(towns) for initial, towns in by_initial.items()}
        return dict(latin), dict(quarters), dict(by_initial), spellings

    @property
    def latin(self) -> dict[str, list[Place]]:
        return self._latin_index[0]

    @property
    def latin_quarters(self) -> dict[str, list[Place]]:
        return self._latin_index[1]

    @property
    def latin_towns_by_initial(self) -> dict[str, dict[str, list[Place]]]:
        return self._latin_index[2]

    @property
    def latin_town_spellings(self) -> dict[str, list[str]]:
        return self._latin_index[3]

    def names_latin_town(self, text: str) -> bool:
        """Whether a Latin-script name of a Bulgarian town occurs in the text."""
        if not self._latin_unusual and self._latin_first_words.isdisjoint(
            _CAPITALISED.findall(text)
        ):
            return False
        return self.latin_towns.search(text) is not None

    def __len__(self) -> int:
        return sum(1 for p in self.places.values() if p.kind == "settlement")

    def candidates(self, name: str) -> list[Place]:
        return self.by_name.get(normalise_name(name), [])

    def parent(self, place: Place) -> Place:
        """The settlement a neighbourhood belongs to (a settlement is its own)."""
        return self.places.get(place.parent_id, place) if place.parent_id else place

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
                parent_id=row.get("parent_id"),
                needs_context=bool(row.get("needs_context")),
            )
            for row in db.query("select * from places")
        ]
        return cls(places, load_corrections(db))
