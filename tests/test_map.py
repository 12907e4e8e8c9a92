"""The map page and the GeoJSON: content, and hostile strings rendered inert."""

import json
import re

import pytest
from click.testing import CliRunner

from mapping.build import build_map, write_map
from mapping.escape import safe_url, script_json
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


def _event(n, **changes):
    event = {
        "id": f"e{n}",
        "title": f"Събитие {n}",
        "excerpt": "Кратко описание.",
        "date": "2026-11-20",
        "place": "Сливен",
        "municipality": None,
        "province": "Сливен",
        "lat": 42.68,
        "lon": 26.32,
        "precision": "settlement",
        "category": None,
        "review_status": "unreviewed",
        "source": "Демо вестник",
        "source_url": f"https://news.example/{n}",
        "published_at": "2026-11-20T10:00:00+00:00",
    }
    event.update(changes)
    return event


@pytest.fixture
def public_db(data_dir):
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(
        [_event(n, title=title) for n, title in enumerate(HOSTILE_TITLES)]
        + [_event(99, source_url="javascript:alert(7)", place="Ямбол", lat=42.48, lon=26.5)]
    )
    return data_dir / "public.db"


def _script_blocks(html):
    return re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S)


def test_hostile_titles_stay_inside_json_data(public_db, tmp_path):
    result = write_map(public_db, tmp_path / "site")
    html = result["html"].read_text(encoding="utf-8")
    # No title can close the script element or open a new one.
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "javascript:" not in html
    data = next(block for block in _script_blocks(html) if "var events" in block)
    payload = json.loads(re.search(r"var events = (\[.*?\]);\n", data, flags=re.S).group(1))
    assert [e["title"] for e in payload[: len(HOSTILE_TITLES)]] == HOSTILE_TITLES
    assert payload[-1]["sources"] == [{"name": "Демо вестник", "url": ""}]
    # Popups are built with text nodes, never by parsing strings as HTML.
    assert "textContent" in data and "innerHTML" not in data


def test_map_has_clusters_attribution_and_count(public_db, tmp_path):
    html = write_map(public_db, tmp_path / "site")["html"].read_text(encoding="utf-8")
    assert "L.markerClusterGroup" in html
    assert "OpenStreetMap" in html and "GeoNames" in html
    assert f'<span class="count">{len(HOSTILE_TITLES) + 1}</span>' in html
    assert "Източник / Source" in html


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
    public["events"].insert(_event(1, sources=json.dumps(sources, ensure_ascii=False)))
    result = write_map(data_dir / "public.db", tmp_path / "site")
    html = result["html"].read_text(encoding="utf-8")
    assert "https://bta.example/1" in html and "javascript:" not in html
    feature = json.loads(result["geojson"].read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["sources"] == [
        {"name": "БТА", "url": "https://bta.example/1"},
        {"name": "<b>Злонамерен</b>", "url": ""},
    ]


def test_map_command_writes_the_static_site(public_db, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["map", "--out", str(out), "--data-dir", str(public_db.parent)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists() and (out / "events.geojson").exists()
    assert f"{len(HOSTILE_TITLES) + 1} events" in result.output


def test_empty_map_renders():
    html = build_map([]).get_root().render()
    assert "var events = [];" in html


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
