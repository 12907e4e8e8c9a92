"""The static map site: page, marker index, popup chunks, GeoJSON, feed; hostile strings inert."""

import json
import re
from importlib import resources

import pytest
from click.testing import CliRunner

from mapping.build import render_map_html, write_map
from mapping.escape import safe_url, script_json
from mapping.payload import CHUNK
from romareact import db
from romareact.cli import cli

HOSTILE_TITLES = [
    "</script><script>alert(1)</script>",
    "${alert(2)}",
    "`; alert(3); `",
    "\\`${alert(4)}",
    '<img src=x onerror="alert(5)">',
    "<!--",
    "\u2028alert(6)",
]


def public_event(n, **changes):
    event = {
        "id": f"e{n}",
        "title": f"Събитие {n}",
        "excerpt": "Кратко описание.",
        "date": "2026-11-20",
        "year": 2026,
        "place": "Сливен",
        "municipality": "Сливен",
        "province": "Сливен",
        "lat": 42.68,
        "lon": 26.32,
        "precision": "settlement",
        "sensitive": 0,
        "category": None,
        "review_status": "unreviewed",
        "source": "Демо вестник",
        "source_url": f"https://news.example/{n}",
        "published_at": f"2026-11-20T10:00:{n % 60:02d}+00:00",
    }
    event.update(changes)
    return event


@pytest.fixture
def public_db(data_dir):
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(
        [public_event(n, title=title) for n, title in enumerate(HOSTILE_TITLES)]
        + [public_event(99, source_url="javascript:alert(7)", place="Ямбол", lat=42.48, lon=26.5)]
    )
    return data_dir / "public.db"


def _call_argument(script: str, function: str):
    """The JSON argument of `function(...)` in a data file."""
    match = re.fullmatch(rf"{function}\((?:\d+, )?(.*)\);\n", script, flags=re.S)
    assert match, script[:200]
    return json.loads(match.group(1))


def read_site(site):
    markers = _call_argument((site / "data" / "markers.js").read_text("utf-8"), "romareactMarkers")
    details = []
    for number in range(len(list((site / "data" / "details").glob("*.js")))):
        script = (site / "data" / "details" / f"{number}.js").read_text("utf-8")
        details.extend(_call_argument(script, "romareactDetails"))
    return markers, details


def test_hostile_titles_stay_data(public_db, tmp_path):
    site = tmp_path / "site"
    write_map(public_db, site)
    for path in site.rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text(encoding="utf-8")
            # Nothing scraped can close a script element or open markup.
            assert "<script>alert(1)" not in text and "<img src=x" not in text, path
            assert "javascript:" not in text, path
    _, details = read_site(site)
    assert sorted(d["title"] for d in details) == sorted([*HOSTILE_TITLES, "Събитие 99"])
    yambol = next(d for d in details if d["id"] == "e99")
    assert yambol["sources"] == [{"name": "Демо вестник", "url": ""}]


def test_the_page_script_never_parses_strings_as_html():
    code = resources.files("mapping").joinpath("static/map.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)  # comments may name what is avoided
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code
    assert "document.write" not in code and "eval(" not in code
    # Leaflet would parse a string popup or tooltip as HTML: ours are always elements.
    assert not re.search(r"bind(Popup|Tooltip)\(\s*['\"]", code)
    assert not re.search(r"setContent\(\s*['\"]", code)


def test_page_loads_only_leaflet_and_shows_attribution(public_db, tmp_path):
    html = render_map_html()
    assert '<script src="static/vendor/leaflet/leaflet.js">' in html
    assert "static/vendor/leaflet.markercluster/" in html and "L.markerClusterGroup" in html
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert "OpenStreetMap" in html and "GeoNames" in html
    assert "rr-news-attribution" in html
    assert '"dataBase": "data/"' in html
    # The page is the same whatever the data: its size does not grow with events.
    assert len(html) < 80_000


def test_marker_index_is_columnar_and_complete(data_dir, tmp_path):
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(
        [
            public_event(1, category="health", date="2025-03-01", year=2025),
            public_event(2, precision="neighbourhood", neighbourhood="Надежда"),
            public_event(3, precision="province", place="Бургас", province="Бургас"),
            public_event(4, sensitive=1, category="housing"),
        ]
    )
    result = write_map(data_dir / "public.db", tmp_path / "site")
    markers, details = read_site(tmp_path / "site")
    assert markers["count"] == result["events"] == 4
    columns = markers["columns"]
    assert all(len(values) == 4 for values in columns.values())
    # Newest first, the same order as the detail chunks.
    assert [d["id"] for d in details] == ["e2", "e3", "e4", "e1"]
    precisions = [markers["precisions"][p] for p in columns["prec"]]
    assert precisions == ["neighbourhood", "province", "settlement", "settlement"]
    categories = [markers["categories"][c][0] if c >= 0 else None for c in columns["cat"]]
    assert categories == [None, None, "housing", "health"]
    assert columns["sens"] == [0, 0, 1, 0]
    assert columns["day"][3] == 20148  # 2025-03-01 in days since 1970-01-01
    provinces = [markers["provinces"][p] for p in columns["prov"]]
    assert provinces == ["Сливен", "Бургас", "Сливен", "Сливен"]
    assert next(d for d in details if d["id"] == "e4")["sensitive"] is True
    # Bilingual category labels travel with the data.
    assert ["health", "Здраве", "Health"] in markers["categories"]


def test_details_come_in_chunks(data_dir, tmp_path):
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(public_event(n) for n in range(CHUNK + 3))
    write_map(data_dir / "public.db", tmp_path / "site")
    assert sorted(p.name for p in (tmp_path / "site/data/details").iterdir()) == ["0.js", "1.js"]
    markers, details = read_site(tmp_path / "site")
    assert len(details) == markers["count"] == CHUNK + 3
    # A smaller export afterwards leaves no stale chunk behind.
    public["events"].delete_where("id != 'e1'")
    write_map(data_dir / "public.db", tmp_path / "site")
    assert sorted(p.name for p in (tmp_path / "site/data/details").iterdir()) == ["0.js"]


def test_geojson_has_every_event_with_properties(public_db, tmp_path):
    result = write_map(public_db, tmp_path / "site")
    collection = json.loads(result["geojson"].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(HOSTILE_TITLES) + 1
    yambol = next(f for f in collection["features"] if f["id"] == "e99")
    assert yambol["geometry"] == {"type": "Point", "coordinates": [26.5, 42.48]}
    assert yambol["properties"]["place"] == "Ямбол"


def test_popups_list_every_outlet_of_a_story(data_dir, tmp_path):
    public = db.open_public(data_dir / "public.db")
    sources = [
        {"name": "БТА", "url": "https://bta.example/1"},
        {"name": "<b>Злонамерен</b>", "url": "javascript:alert(1)"},
    ]
    public["events"].insert(public_event(1, sources=json.dumps(sources, ensure_ascii=False)))
    result = write_map(data_dir / "public.db", tmp_path / "site")
    _, details = read_site(tmp_path / "site")
    assert details[0]["sources"] == [
        {"name": "БТА", "url": "https://bta.example/1"},
        {"name": "<b>Злонамерен</b>", "url": ""},
    ]
    feature = json.loads(result["geojson"].read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["sources"] == details[0]["sources"]


def test_map_command_writes_the_static_site(public_db, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["map", "--out", str(out), "--data-dir", str(public_db.parent)]
    )
    assert result.exit_code == 0, result.output
    for name in ("index.html", "events.geojson", "feed.atom", "data/markers.js"):
        assert (out / name).exists(), name
    assert f"{len(HOSTILE_TITLES) + 1} events" in result.output
    # Feed readers find the feed from the page; search engines and link previews describe it.
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="feed.atom"' in page and '<meta name="description"' in page


def test_empty_map_writes_an_empty_index(data_dir, tmp_path):
    db.open_public(data_dir / "public.db")
    result = write_map(data_dir / "public.db", tmp_path / "site")
    markers, details = read_site(tmp_path / "site")
    assert result["events"] == markers["count"] == 0 and details == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("http://a.example/x", "http://a.example/x"),
        ("javascript:alert(1)", ""),
        ("JAVASCRIPT:alert(1)", ""),
        ("data:text/html,x", ""),
        ("//evil.example/x", ""),
        (None, ""),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_script_json_cannot_close_a_script():
    encoded = script_json({"t": "</script><!-- & \u2028"})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"t": "</script><!-- & \u2028"}
