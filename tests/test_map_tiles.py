"""The map of a large dataset (mapping/tiles.py): counts kept by triggers (public migration
12) agree with counting the events themselves, whatever was inserted, changed or removed;
time ranges split into whole months and their ends; the endpoints answer bad arguments
with 400; and no query behind a view reads the whole events table."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
from datetime import date, timedelta

import pytest
from test_map import public_event

from mapping import tiles
from mapping.geojson import EventFilter
from romareact import db
from romareact.serve import make_datasette
from romareact.workspace import open_workspace

PLACES = [
    ("Сливен", "Сливен", 42.68, 26.32), ("Ямбол", "Ямбол", 42.48, 26.5),
    ("Бургас", "Бургас", 42.5, 27.47), ("Видин", "Видин", 43.99, 22.87),
    ("Самоков", "София", 42.34, 23.55), ("Добрич", "Добрич", 43.57, 27.83),
]  # fmt: skip
CATEGORIES = ["education", "health", "housing", None]


def _random_events(count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    events = []
    for n in range(count):
        place, province, lat, lon = rng.choice(PLACES)
        day = f"{rng.choice([2024, 2025])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        events.append(
            public_event(
                n, place=place, province=province, municipality=rng.choice([place, None]),
                lat=lat + rng.uniform(-0.2, 0.2), lon=lon + rng.uniform(-0.2, 0.2),
                category=rng.choice(CATEGORIES), date=rng.choice([day, day, day, None]),
                precision=rng.choice(["settlement", "settlement", "province"]),
            )
        )  # fmt: skip
    return events


@pytest.fixture
def public(tmp_path):
    database = db.open_public(tmp_path / "public.db")
    database["events"].insert_all(_random_events(400))
    # Published again with changes: moved, recategorised, redated, removed, unplaced.
    changed = _random_events(150, seed=2)
    database["events"].upsert_all(changed, pk="id")
    database["events"].delete_where("id in ('e3', 'e7', 'e11')")
    database.execute("update events set lat = null where id = 'e20'")
    database.conn.commit()
    yield database
    database.close()


def _passes(event, event_filter: EventFilter) -> bool:
    if event["lat"] is None or event["lon"] is None:
        return False
    if event_filter.categories and event["category"] not in event_filter.categories:
        return False
    if event_filter.province and event["province"] != event_filter.province:
        return False
    if event_filter.date_from and (event["date"] or "") < event_filter.date_from:
        return False
    return not (
        event_filter.date_to and (event["date"] is None or event["date"] > event_filter.date_to)
    )


FILTERS = [
    EventFilter(),
    EventFilter(categories=("health",)),
    EventFilter(categories=("education", "housing"), province="Сливен"),
    EventFilter(date_from="2024-03-15"),
    EventFilter(date_to="2025-02-10"),
    EventFilter(date_from="2024-02-01", date_to="2024-11-30"),
    EventFilter(date_from="2024-05-05", date_to="2024-05-20"),
    EventFilter(province="Видин", date_from="2024-12-31", date_to="2025-01-01"),
]


@pytest.mark.parametrize("event_filter", FILTERS, ids=str)
def test_counts_from_the_kept_tables_equal_counting_the_events(public, event_filter):
    events = list(public["events"].rows)
    expected = [e for e in events if _passes(e, event_filter)]
    conn = public.conn
    assert tiles.summary(conn, event_filter)["matching"] == len(expected)

    by_province = tiles.area_counts(conn, event_filter, "province")["counts"]
    assert by_province == {
        p: n
        for p in {e["province"] for e in expected}
        if (n := sum(e["province"] == p for e in expected))
    }
    municipalities = tiles.area_counts(conn, event_filter, "municipality")
    assert municipalities["without"] == sum(not e["municipality"] for e in expected)

    box = tiles.Box(42.3, 26.0, 42.9, 27.0)
    in_box = [e for e in expected if 42.3 <= e["lat"] <= 42.9 and 26.0 <= e["lon"] <= 27.0]
    points = tiles.view(conn, event_filter, 9, box, point_limit=10_000)
    assert sorted(points["ids"]) == sorted(e["id"] for e in in_box)
    # Counted per cell instead: every event of the box is in some cell touching it.
    for zoom in (5, 7, 9, 11, 13):
        cells = tiles.view(conn, event_filter, zoom, box, point_limit=0)
        if "cells" in cells:
            assert cells["inView"] >= len(in_box)
            assert sum(n for _, _, n in cells["cells"]) == cells["inView"]
    whole = tiles.view(conn, event_filter, 6, tiles.Box(40, 20, 45, 30), point_limit=0)
    assert whole.get("inView", 0) == len(expected)


def test_the_timeline_counts_per_month_for_topics_and_province(public):
    event_filter = EventFilter(categories=("health",), date_from="2025-01-01")
    events = [e for e in public["events"].rows if _passes(e, EventFilter(categories=("health",)))]
    counts = tiles.summary(public.conn, event_filter)["counts"]
    months = {e["date"][:7] for e in events if e["date"]}
    assert counts == {m: sum((e["date"] or "").startswith(m) for e in events) for m in months}
    # Per day: only for the last DAY_SPAN days of the data (map.js asks when that is all).
    last = date.fromisoformat(max(e["date"] for e in public["events"].rows if e["date"]))
    since = (last - timedelta(days=tiles.DAY_SPAN)).isoformat()
    days = tiles.summary(public.conn, event_filter, by_day=True)["counts"]
    recent = [e for e in events if e["date"] and e["date"] >= since]
    assert days == {d: sum(e["date"] == d for e in recent) for d in {e["date"] for e in recent}}
    assert 0 < len(recent) < len(events)


def test_migration_fills_the_map_tables_of_an_existing_database(tmp_path, public):
    older = db.connect(tmp_path / "older.db")
    db.migrate(older, [m for m in db.PUBLIC_MIGRATIONS if m[0] < 12])
    older["events"].insert_all(public["events"].rows)
    db.migrate(older, db.PUBLIC_MIGRATIONS)
    for table in ("map_cells", "map_areas", "map_places"):
        rows = sorted(public.execute(f"select * from {table}").fetchall())
        again = sorted(older.execute(f"select * from {table}").fetchall())
        assert [r[:-2] if table == "map_cells" else r for r in rows] == [
            r[:-2] if table == "map_cells" else r for r in again
        ]
    assert (
        older.execute("select count(*) from events_rtree").fetchone()[0]
        == (public.execute("select count(*) from events where lat is not null").fetchone()[0])
    )
    older.close()


@pytest.mark.parametrize(
    ("date_from", "date_to", "months", "partial"),
    [
        (None, None, ("", None), []),
        ("2024-03-01", None, ("2024-03", None), []),
        ("2024-03-15", None, ("2024-04", None), [("2024-03-15", "2024-03-31")]),
        (None, "2024-02-29", ("0000-00", "2024-02"), []),
        (None, "2024-02-10", ("0000-00", "2024-01"), [("2024-02-01", "2024-02-10")]),
        ("2024-05-05", "2024-05-20", None, [("2024-05-05", "2024-05-20")]),
        (
            "2024-12-31",
            "2025-01-01",
            None,
            [("2024-12-31", "2024-12-31"), ("2025-01-01", "2025-01-01")],
        ),
        ("2024-01-01", "2024-12-31", ("2024-01", "2024-12"), []),
    ],
)
def test_a_time_range_is_whole_months_and_its_ends(date_from, date_to, months, partial):
    assert tiles.split_period(date_from, date_to) == (months, partial)


def _traced(conn: sqlite3.Connection, run) -> list[str]:
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().lower().startswith("select")]


def test_no_query_behind_a_view_reads_the_whole_events_table(public):
    conn = public.conn
    box = tiles.Box(42.3, 26.0, 42.9, 27.0)

    def run():
        for event_filter in FILTERS:
            tiles.summary(conn, event_filter)
            tiles.area_counts(conn, event_filter, "municipality")
            for zoom in (6, 9, 12, 14):
                tiles.view(conn, event_filter, zoom, box)
        tiles.overview(conn, [])
        tiles.place_bounds(conn, ["Сливен"])
        tiles.event_details(conn, "e1")

    statements = _traced(conn, run)
    assert statements
    for sql in statements:
        plan = " | ".join(row[3] for row in conn.execute(f"explain query plan {sql}"))
        # A scan of events (alias e) without an index, or of its whole date index.
        assert not re.search(
            r"SCAN (events|e)\b(?! USING (COVERING )?INDEX idx_events_(date|place))", plan
        ), (sql, plan)
        assert "SCAN events USING INDEX idx_events_date" not in plan or "date >=" in sql, (
            sql,
            plan,
        )


@pytest.fixture
def datasette(data_dir, monkeypatch):
    monkeypatch.setenv("ROMAREACT_MAP_TILED_ABOVE", "10")
    workspace = open_workspace(data_dir)
    workspace.public["events"].insert_all(_random_events(60))
    workspace.close()
    return make_datasette(data_dir)


def _get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def test_markers_js_of_a_large_dataset_is_an_overview_without_events(datasette):
    response = _get(datasette, "/map/data/markers.js")
    assert response.status_code == 200
    payload = json.loads(re.match(r"romareactMarkers\((.*)\);\s*$", response.text, re.S)[1])
    assert payload["tiled"] is True and payload["count"] == 60
    assert "columns" not in payload
    assert set(payload["places"]) == {p[0] for p in PLACES}
    view = _get(datasette, "/map/data/view.json?z=8&bbox=41,22,44.5,29").json()
    assert len(view["ids"]) == 60
    first = view["ids"][0]
    event = _get(datasette, f"/map/data/event/{first}.json").json()
    assert event["id"] == first and event["title"]
    assert _get(datasette, "/map/data/event/nothing.json").status_code == 404
    bounds = _get(datasette, "/map/data/place.json?name=Видин").json()["bounds"]
    assert 43.7 < bounds[0][0] <= bounds[1][0] < 44.3


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/map/data/view.json?z=8&bbox=1,2,3", "Expected bbox=south,west,north,east"),
        ("/map/data/view.json?z=8&bbox=44,22,41,29", "out of range or inverted"),
        ("/map/data/view.json?z=x&bbox=41,22,44,29", "Expected z=zoom"),
        ("/map/data/view.json?z=40&bbox=41,22,44,29", "Expected a zoom from 0 to 22"),
        ("/map/data/summary.json?from=2024-1-1", "Expected a date as YYYY-MM-DD"),
        ("/map/data/summary.json?to=2024-02-30", "No such date"),
        ("/map/data/areas.json?level=village", "Expected level=province or municipality"),
        ("/map/data/summary.json?category=" + ",".join(["x"] * 31), "At most 30 categories"),
    ],
)
def test_bad_arguments_get_a_clear_400(datasette, path, message):
    response = _get(datasette, path)
    assert response.status_code == 400
    assert message in response.text


def test_geojson_of_a_large_dataset_is_streamed_whole_and_filtered(datasette, monkeypatch):
    from datasette.plugins import pm

    plugin = next(m for name, m in pm.list_name_plugin() if name.endswith("romareact_map.py"))
    monkeypatch.setattr(plugin, "GEOJSON_BATCH", 7)  # several batches, some without a match
    events = _random_events(60)
    response = _get(datasette, "/map/events.geojson?category=health")
    assert response.status_code == 200
    features = response.json()["features"]
    expected = [e for e in events if e["category"] == "health" and e["lat"] is not None]
    assert sorted(f["id"] for f in features) == sorted(e["id"] for e in expected)
    assert all(set(f["properties"]) >= {"title", "sources"} for f in features)


def test_the_map_index_tables_are_hidden_from_the_database_page(datasette):
    tables = {t["name"]: t["hidden"] for t in _get(datasette, "/public.json").json()["tables"]}
    assert tables["events"] is False
    index_tables = [name for name in tables if name.startswith(("map_", "events_rtree"))]
    assert len(index_tables) >= 5 and all(tables[name] for name in index_tables)
