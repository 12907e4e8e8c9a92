"""Synthetic public events for the map and Datasette benchmarks.

Realistic in the ways that cost: Bulgarian titles of headline length, 300-character
excerpts, one to three sources each, real settlement coordinates from the embedded gazetteer,
a mix of precisions, categories and dates over five years. Deterministic for a given N.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from geocode.importers import embedded_places
from romareact import db
from romareact.categories import CATEGORIES

_SUBJECTS = [
    "Общината", "Училището", "Здравният медиатор", "Кметството", "Читалището",
    "Областната управа", "Неправителствена организация", "Жителите на квартала",
    "Районната прокуратура", "Бюрото по труда",
]  # fmt: skip
_ACTIONS = [
    "обяви нова програма за", "започна ремонт на", "организира среща за", "получи средства за",
    "отложи решението за", "предупреди за проблеми с", "представи резултатите от",
    "събра подписи срещу", "откри кабинет за", "подкрепи кампанията за",
]  # fmt: skip
_TOPICS = [
    "детската градина", "водопровода в махалата", "социалните жилища", "профилактичните прегледи",
    "обучението на младежи", "уличното осветление", "стипендиите за ученици",
    "правото на адресна регистрация", "сезонната заетост", "културния фестивал",
]  # fmt: skip
_OUTLETS = [
    ("БТА", "https://www.bta.bg/bg/news/"), ("Дневник", "https://www.dnevnik.bg/"),
    ("Сега", "https://www.segabg.com/"), ("Марица", "https://www.marica.bg/"),
    ("Дарик", "https://darik.bg/"), ("Медиапул", "https://www.mediapool.bg/"),
]  # fmt: skip


def synthetic_events(count: int, seed: int = 7, settlements: list | None = None) -> list[dict]:
    """`count` events; at `settlements` (gazetteer places) if given, else the embedded ones."""
    rng = random.Random(seed)
    if settlements is None:
        settlements = [p for p in embedded_places() if p.kind == "settlement"]
    provinces = {p.province: p for p in embedded_places() if p.kind == "province"}
    categories = list(CATEGORIES)
    start = date(2021, 1, 1)
    events = []
    for n in range(count):
        place = rng.choice(settlements)
        roll = rng.random()
        precision, lat, lon, name = "settlement", place.lat, place.lon, place.name
        if roll < 0.05 and place.province in provinces:
            province = provinces[place.province]
            precision, lat, lon, name = "province", province.lat, province.lon, province.name
        elif roll < 0.10:
            precision = "municipality"
        elif roll < 0.20:
            precision = "neighbourhood"
            lat += rng.uniform(-0.01, 0.01)
            lon += rng.uniform(-0.01, 0.01)
        day = start + timedelta(days=rng.randrange(5 * 365))
        subject, action, topic = rng.choice(_SUBJECTS), rng.choice(_ACTIONS), rng.choice(_TOPICS)
        title = f"{subject} в {name} {action} {topic}"
        excerpt = (
            f"{subject} {action} {topic}. Според местни жители промяната засяга стотици "
            f"семейства в {name} и околните села. Представители на общността настояват за "
            f"ясни срокове и за среща с институциите, преди да бъдат взети окончателни решения "
            f"за {topic}."
        )[:300]
        outlets = rng.sample(_OUTLETS, rng.randint(1, 3))
        sources = [{"name": o, "url": f"{base}{n}-{i}"} for i, (o, base) in enumerate(outlets)]
        events.append(
            {
                "id": f"s{n:07d}",
                "title": title,
                "excerpt": excerpt,
                "date": day.isoformat(),
                "year": day.year,
                "place": name,
                "neighbourhood": "Изток" if precision == "neighbourhood" else None,
                "municipality": (place.municipality or name) if precision != "province" else None,
                "province": place.province,
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "precision": precision,
                "sensitive": int(rng.random() < 0.02),
                "category": rng.choice([*categories, None]),
                "review_status": rng.choice(["approved", "unreviewed"]),
                "source": sources[0]["name"],
                "source_url": sources[0]["url"],
                "sources": json.dumps(sources, ensure_ascii=False),
                "published_at": f"{day.isoformat()}T12:00:00+00:00",
            }
        )
    return events


def fill_public_database(path: Path, count: int) -> sqlite_utils.Database:
    """A public database holding `count` synthetic events (and nothing else)."""
    public = db.open_public(path)
    with db.write_transaction(public):
        public["events"].insert_all(synthetic_events(count), batch_size=2000)
    return public
