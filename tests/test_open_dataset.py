"""From newsroom to open dataset: sensitive locations, categories, changelog, areas, feed,
snapshots, and the public Datasette (metadata, canned queries, GeoJSON, map data)."""

import asyncio
import csv
import hashlib
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest
import sqlite_utils
from click.testing import CliRunner
from datasette.app import Datasette

from mapping.feed import atom_feed
from mapping.geojson import EventFilter, load_events
from romareact.cli import cli
from romareact.db import utcnow
from romareact.publish import export_public, refresh_events, set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.snapshot import make_snapshot
from romareact.workspace import open_workspace

ATOM = "{http://www.w3.org/2005/Atom}"
GEORSS = "{http://www.georss.org/georss}"
HOSTILE = '</script><img src=x onerror="alert(1)"> & <!--'


def place_id(newsroom, name, kind="settlement"):
    return next(newsroom.query("select id from places where name = ? and kind = ?", [name, kind]))[
        "id"
    ]


def add_story(newsroom, number, title, place, date="2026-11-20", text="", source="demo-a"):
    newsroom["sources"].upsert(
        {"id": source, "name": f"Вестник {source}", "kind": "feed", "url": "https://x.example/"},
        pk="id",
    )
    item_id = f"i{number}"
    newsroom["items"].insert(
        {
            "id": item_id,
            "source_id": source,
            "url": f"https://news.example/{number}",
            "canonical_url": f"https://news.example/{number}",
            "title": title,
            "full_text": text,
            "published": f"{date}T09:00:00+00:00",
            "fetched": utcnow(),
            "roma_related": 1,
            "relevance": 0.9,
            "status": "new",
        }
    )
    newsroom["mentions"].insert(
        {"item_id": item_id, "place_id": place, "start": 0, "end": 1, "is_primary": 1}
    )
    return item_id


def publish(workspace):
    refresh_events(workspace.newsroom)
    return export_public(workspace.newsroom, workspace.public)


@pytest.fixture
def workspace(data_dir):
    workspace = open_workspace(data_dir)
    # These tests are about publishing, not review: publish what the crawler found.
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    yield workspace
    workspace.close()


def test_a_sensitive_event_never_shows_its_neighbourhood(workspace):
    newsroom = workspace.newsroom
    quarter = place_id(newsroom, "Надежда", kind="neighbourhood")
    add_story(newsroom, 1, "Пожар в ромския квартал", quarter)
    publish(workspace)
    public_row = workspace.public["events"].get("i1")
    assert public_row["precision"] == "neighbourhood" and public_row["neighbourhood"] == "Надежда"
    newsroom["events"].update("i1", {"sensitive": 1})
    publish(workspace)
    row = workspace.public["events"].get("i1")
    sliven = newsroom["places"].get(place_id(newsroom, "Сливен"))
    assert (row["lat"], row["lon"]) == (sliven["lat"], sliven["lon"])
    assert row["precision"] == "settlement" and row["neighbourhood"] is None
    assert row["sensitive"] == 1 and row["place"] == "Сливен"
    # Nothing in the public database holds the quarter's point or name. (A headline that
    # names the quarter is the editor's to rewrite: the public title is editable.)
    quarter_row = newsroom["places"].get(quarter)
    dumped = "\n".join(workspace.public.iterdump())
    assert str(quarter_row["lat"]) not in dumped
    assert "Надежда" not in dumped


def test_categories_are_suggested_until_an_editor_chooses(workspace):
    newsroom = workspace.newsroom
    add_story(newsroom, 1, "Нова детска градина", place_id(newsroom, "Сливен"),
              text="Учениците и учителите от училището ...")  # fmt: skip
    publish(workspace)
    assert workspace.public["events"].get("i1")["category"] == "education"
    newsroom["events"].update("i1", {"category": "culture", "category_origin": "editor"})
    publish(workspace)
    assert workspace.public["events"].get("i1")["category"] == "culture"


def test_every_published_change_is_in_the_changelog(workspace):
    newsroom = workspace.newsroom
    sliven = place_id(newsroom, "Сливен")
    add_story(newsroom, 1, "Първа", sliven)
    add_story(newsroom, 2, "Втора", sliven)
    publish(workspace)
    publish(workspace)  # nothing changed: nothing logged
    newsroom["items"].update("i1", {"title": "Първа, поправена"})
    newsroom["items"].update("i2", {"status": "rejected"})
    publish(workspace)
    log = [(r["event_id"], r["change"], r["title"]) for r in workspace.public["changelog"].rows]
    # Every line shows the title as published now, none once removed (issue 17, item 8).
    assert log == [
        ("i1", "added", "Първа, поправена"),
        ("i2", "added", None),
        ("i1", "updated", "Първа, поправена"),
        ("i2", "removed", None),
    ]
    assert [r["id"] for r in workspace.public["events"].rows] == ["i1"]


def test_areas_and_places_follow_the_gazetteer(workspace):
    newsroom = workspace.newsroom
    publish(workspace)
    areas = {row["id"]: row for row in workspace.public["areas"].rows}
    sliven = areas["province:BG-20"]
    assert sliven["name"] == "Сливен" and sliven["level"] == "province"
    expected = next(
        newsroom.query(
            "select sum(population) as p, count(population) as n from places "
            "where kind = 'settlement' and province_code = 'BG-20'"
        )
    )
    assert (sliven["population"], sliven["population_settlements"]) == (
        expected["p"],
        expected["n"],
    )
    assert sliven["population"] > 50_000
    assert workspace.public["places"].count == newsroom["places"].count_where("kind='settlement'")
    # A municipality sits at the mean of its settlements.
    newsroom["places"].insert_all(
        [
            {"id": "t:1", "name": "Горно", "kind": "settlement", "province": "Сливен",
             "province_code": "BG-20", "municipality": "Тестова", "lat": 42.0, "lon": 26.0},
            {"id": "t:2", "name": "Долно", "kind": "settlement", "province": "Сливен",
             "province_code": "BG-20", "municipality": "Тестова", "lat": 42.2, "lon": 26.4},
        ]
    )  # fmt: skip
    publish(workspace)
    test_area = workspace.public["areas"].get("municipality:BG-20:Тестова")
    assert (round(test_area["lat"], 6), round(test_area["lon"], 6)) == (42.1, 26.2)
    assert test_area["settlements"] == 2 and test_area["population"] is None


def test_event_filter_combines_category_province_and_dates(workspace):
    newsroom = workspace.newsroom
    add_story(newsroom, 1, "Училище", place_id(newsroom, "Сливен"), "2026-01-10", "ученици")
    add_story(newsroom, 2, "Училище", place_id(newsroom, "Ямбол"), "2026-02-10", "ученици")
    add_story(newsroom, 3, "Клиника", place_id(newsroom, "Сливен"), "2026-03-10", "клиника")
    add_story(newsroom, 4, "Училище", place_id(newsroom, "Сливен"), "2026-04-10", "ученици")
    publish(workspace)

    def ids(**kwargs):
        return sorted(e["id"] for e in load_events(workspace.public, EventFilter(**kwargs)))

    assert ids() == ["i1", "i2", "i3", "i4"]
    assert ids(categories=("education",)) == ["i1", "i2", "i4"]
    assert ids(categories=("education", "health"), province="Сливен") == ["i1", "i3", "i4"]
    assert ids(categories=("education",), date_from="2026-02-01", date_to="2026-04-10") == [
        "i2",
        "i4",
    ]


def test_atom_feed_with_georss_points(workspace):
    newsroom = workspace.newsroom
    add_story(newsroom, 1, HOSTILE, place_id(newsroom, "Сливен"), text="ученици")
    add_story(newsroom, 2, "Клиника в Ямбол", place_id(newsroom, "Ямбол"), text="клиника")
    publish(workspace)
    # A source link that is not a web link never reaches the feed.
    workspace.public["events"].update(
        "i1", {"sources": json.dumps([{"name": "x", "url": "javascript:alert(1)"}])}
    )
    map_url = "https://site.example/map"
    feed = ET.fromstring(atom_feed(workspace.public, "https://site.example/feed.atom",
                                   site_url=map_url))  # fmt: skip
    entries = feed.findall(f"{ATOM}entry")
    assert {e.find(f"{ATOM}title").text for e in entries} == {HOSTILE, "Клиника в Ямбол"}
    yambol = next(e for e in entries if e.find(f"{ATOM}title").text == "Клиника в Ямбол")
    lat, lon = map(float, yambol.find(f"{GEORSS}point").text.split())
    row = workspace.public["events"].get("i2")
    assert (lat, lon) == (row["lat"], row["lon"])
    assert yambol.find(f"{ATOM}category").get("term") == "health"

    def links(entry):
        return [(link.get("rel"), link.get("href")) for link in entry.findall(f"{ATOM}link")]

    # Atom: an entry without content has an alternate link; the story first, else the map.
    on_map = f"{map_url}#map=13/{row['lat']:.4f}/{row['lon']:.4f}"
    assert links(yambol) == [("alternate", "https://news.example/2"), ("related", on_map)]
    sliven = next(e for e in entries if e.find(f"{ATOM}title").text == HOSTILE)
    assert [rel for rel, _ in links(sliven)] == ["alternate"]
    assert links(sliven)[0][1].startswith(f"{map_url}#map=13/")
    only_sliven = ET.fromstring(atom_feed(workspace.public, "x", province="Сливен", site_url="m"))
    assert len(only_sliven.findall(f"{ATOM}entry")) == 1
    only_health = ET.fromstring(atom_feed(workspace.public, "x", category="health", site_url="m"))
    assert [e.find(f"{ATOM}title").text for e in only_health.findall(f"{ATOM}entry")] == [
        "Клиника в Ямбол"
    ]


def test_snapshots_are_versioned_with_their_changes(workspace, tmp_path):
    newsroom = workspace.newsroom
    add_story(newsroom, 1, "Първа", place_id(newsroom, "Сливен"))
    publish(workspace)
    first = make_snapshot(workspace.public, tmp_path / "snaps")
    assert first["version"] == 1 and first["events"] == 1
    assert re.fullmatch(r"romareact-public-v1-\d{4}-\d{2}-\d{2}\.db", first["file"])
    add_story(newsroom, 2, "Втора", place_id(newsroom, "Ямбол"))
    publish(workspace)
    second = make_snapshot(workspace.public, tmp_path / "snaps")
    assert second["version"] == 2 and second["changes"] == {"added": 1, "updated": 0, "removed": 0}
    with open(second["changes_path"], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["event_id"], r["change"]) for r in rows] == [("i2", "added")]
    assert hashlib.sha256(second["path"].read_bytes()).hexdigest() == second["sha256"]
    copy = sqlite_utils.Database(second["path"])
    assert copy["events"].count == 2
    assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"
    versions = [r["version"] for r in workspace.public["snapshots"].rows]
    assert versions == [1, 2]


def test_snapshot_command(data_dir, tmp_path):
    open_workspace(data_dir).close()
    result = CliRunner().invoke(cli, ["snapshot", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "snapshot v1" in result.output and "0 added" in result.output
    assert list((data_dir / "snapshots").glob("romareact-public-v1-*.changes.csv"))


# ---- the public Datasette ----


@pytest.fixture
def served(workspace, data_dir):
    newsroom = workspace.newsroom
    add_story(newsroom, 1, HOSTILE, place_id(newsroom, "Сливен"), "2026-01-10", "ученици")
    add_story(newsroom, 2, "Клиника", place_id(newsroom, "Ямбол"), "2026-02-10", "клиника")
    add_story(newsroom, 3, "Училище", place_id(newsroom, "Сливен"), "2026-03-10", "ученици")
    add_story(newsroom, 4, "Фестивал", place_id(newsroom, "Варна"), "2025-06-01", "фестивал")
    publish(workspace)
    return make_datasette(data_dir)


def get(datasette, path, **kwargs):
    async def fetch():
        return await datasette.client.get(path, **kwargs)

    return asyncio.run(fetch())


def test_live_map_data_matches_the_static_export(served, data_dir, tmp_path):
    from mapping.build import write_map

    write_map(data_dir / "public.db", tmp_path / "s")
    live = get(served, "/map/data/markers.js")
    assert live.headers["content-type"].startswith("application/javascript")
    assert live.text == (tmp_path / "s/data/markers.js").read_text(encoding="utf-8")
    chunk = get(served, "/map/data/details/0.js")
    assert chunk.text == (tmp_path / "s/data/details/0.js").read_text(encoding="utf-8")
    assert get(served, "/map/data/details/1.js").status_code == 404
    page = get(served, "/map").text
    assert '"dataBase": "/map/data/"' in page and '"live": true' in page
    assert 'type="application/atom+xml" title="romareact — събития / events" href="/feed.atom"' in (
        page
    )
    assert "<img src=x" not in live.text + chunk.text + page


def test_map_geojson_follows_the_filters(served):
    everything = get(served, "/map/events.geojson").json()
    assert len(everything["features"]) == 4
    filtered = get(
        served, "/map/events.geojson", params={"category": "education", "province": "Сливен"}
    ).json()
    assert sorted(f["id"] for f in filtered["features"]) == ["i1", "i3"]
    dated = get(served, "/map/events.geojson", params={"from": "2026-02-01", "to": "2026-12-31"})
    assert sorted(f["id"] for f in dated.json()["features"]) == ["i2", "i3"]


def test_any_filtered_table_view_exports_geojson(served):
    response = get(served, "/public/events.geojson", params={"province": "Сливен"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert sorted(f["id"] for f in features) == ["i1", "i3"]
    assert features[0]["geometry"]["type"] == "Point"
    assert isinstance(features[0]["properties"]["sources"], list)
    table_page = get(served, "/public/events?province=Сливен").text
    assert ".geojson?province=" in table_page


def test_feed_route(served):
    response = get(served, "/feed.atom", params={"province": "Ямбол"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["Клиника"]
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link.startswith("http") and "feed.atom" in self_link


def test_metadata_describes_every_public_column(served, workspace):
    metadata = get(served, "/-/metadata.json").json()
    tables = metadata["databases"]["public"]["tables"]
    for table in ("events", "areas", "places", "changelog", "snapshots"):
        described = set(tables[table]["columns"])
        actual = set(workspace.public[table].columns_dict)
        assert actual <= described, (table, actual - described)
    page = get(served, "/public/events").text
    for facet in ("province", "category", "year"):
        assert f'data-column="{facet}"' in page, facet


def test_full_text_search_and_facets(served):
    rows = get(
        served, "/public/events.json", params={"_search": "Клиника", "_shape": "objects"}
    ).json()["rows"]
    assert [r["id"] for r in rows] == ["i2"]
    facets = get(served, "/public/events.json", params={"_facet": "year"}).json()
    counts = {f["value"]: f["count"] for f in facets["facet_results"]["year"]["results"]}
    assert counts == {2026: 3, 2025: 1}
    more = get(served, "/public/events.json?_facet=municipality&_facet=source").json()
    sources = {f["value"]: f["count"] for f in more["facet_results"]["source"]["results"]}
    assert sources == {"Вестник demo-a": 4}
    assert "municipality" in more["facet_results"]


def _query(datasette, name, **params):
    response = get(datasette, f"/public/{name}.json", params={"_shape": "objects", **params})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_canned_queries(served):
    per_province = _query(served, "events_per_province_per_year")
    assert {"province": "Сливен", "year": 2026, "events": 2} in per_province
    per_category = _query(served, "events_per_category_per_month")
    assert {"month": "2026-01", "category": "education", "events": 1} in per_category
    sources = _query(served, "top_sources")
    assert sources == [{"source": "Вестник demo-a", "events": 4}]
    near = _query(served, "events_near_place", place="Сливен", km="50")
    # Ямбол is about 25 km from Сливен; Варна is far.
    assert sorted(r["id"] for r in near) == ["i1", "i2", "i3"]
    assert next(r for r in near if r["id"] == "i2")["km"] == pytest.approx(25, abs=5)
    in_range = _query(served, "events_in_date_range", **{"from": "2026-01-01", "to": "2026-02-28"})
    assert sorted(r["id"] for r in in_range) == ["i1", "i2"]


def test_cite_page_names_the_latest_snapshot(served, workspace, tmp_path):
    before = get(served, "/cite").text
    assert "romareact snapshot" in before
    make_snapshot(workspace.public, tmp_path / "snaps")
    page = get(served, "/cite").text
    assert "version 1" in page and "4 events" in page
    assert json.dumps(page)  # renders as text


def test_the_public_database_page_leads_to_citing_and_hides_bookkeeping(served):
    page = get(served, "/public").text
    assert '<a href="/cite">' in page
    assert 'href="/public/events"' in page
    assert "/public/_migrations" not in page  # still queryable, just not listed


def test_public_settings_stay_safe(served):
    # /-/settings.json answers administrators only (issue 17): read the live settings.
    assert get(served, "/-/settings.json").status_code == 403
    settings = served.settings_dict()
    assert settings["allow_csv_stream"] is False
    assert settings["sql_time_limit_ms"] <= 2000
    assert settings["max_returned_rows"] <= 1000


class _TableMarkup(HTMLParser):
    """Tags, attributes and text inside the page's table wrapper, whitespace aside."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if self.depth or ("class", "table-wrapper") in attrs:
            self.depth += 1
            self.parts.append((tag, sorted(attrs)))

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            self.parts.append(("/" + tag,))

    def handle_data(self, data):
        if self.depth and data.strip():
            self.parts.append(data.strip())


def _table_markup(page: str) -> list:
    parser = _TableMarkup()
    parser.feed(page)
    return parser.parts


def test_table_pages_keep_datasettes_table_markup(served, data_dir):
    # Our _table.html builds the table in Python for speed; Datasette's table.js (column menus,
    # sorting) relies on the markup of Datasette's own template, shown here without ours.
    plain = Datasette(
        [str(data_dir / "public.db")],
        metadata=json.loads(get(served, "/-/metadata.json").text),
        settings=served.settings_dict(),
    )
    for path in (
        "/public/events",
        "/public/events?_sort=title&province=Сливен",
        "/public/events?_sort_desc=place&_facet=source",
        "/public/events?_search=ученици&_sort=date",
        "/public/areas?_sort=name",
        "/public/changelog",
    ):
        ours = get(served, path)
        assert ours.status_code == 200, path
        expected = _table_markup(get(plain, path).text)
        assert expected, path
        assert _table_markup(ours.text) == expected, path
    page = get(served, "/public/events").text
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;/script&gt;&lt;img src=x" in page
    assert (
        '<p class="zero-results">0 records</p>' in get(served, "/public/events?place=Никъде").text
    )
