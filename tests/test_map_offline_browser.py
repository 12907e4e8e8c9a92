"""The map with the network off (every request not to this machine refused, tiles too):
Leaflet and the base layer come from the package, for /map and for the static export."""

from __future__ import annotations

import pytest
from browser_support import chromium, require_browser, route_no_network, route_offline
from local_servers import romareact_serve, serve_folder
from test_map import public_event

from mapping.build import write_map
from romareact.workspace import open_workspace

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

# Far apart, so that each is its own marker at the first zoom.
TOWNS = [("Видин", 43.99, 22.87), ("Варна", 43.21, 27.91), ("Кърджали", 41.64, 25.37)]
BULGARIA = {"south": 41.24, "west": 22.36, "north": 44.21, "east": 28.6}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offline")
    workspace = open_workspace(folder)
    workspace.public["events"].insert_all(
        public_event(n, place=name, province=name, lat=lat, lon=lon)
        for n, (name, lat, lon) in enumerate(TOWNS)
    )
    workspace.public["areas"].insert_all(
        {"id": f"province:{name}", "level": "province", "name": name, "province": name,
         "lat": lat, "lon": lon}
        for name, lat, lon in TOWNS
    )  # fmt: skip
    workspace.close()
    return folder


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _check_offline_map(browser, url, screenshot, viewport=(1280, 900)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    refused = route_no_network(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("html[data-ready='1']", timeout=20_000)
    page.wait_for_function("document.querySelectorAll('.leaflet-marker-icon').length >= 3")
    assert page.locator(".leaflet-marker-icon.rr-point").count() == len(TOWNS)
    # The 28 provinces and the border, in the pane under the tiles.
    assert page.locator(".leaflet-rr-basemap-pane path").count() == 29
    assert "Natural Earth" in page.text_content(".leaflet-control-attribution")
    page.screenshot(path=screenshot)
    assert errors == []
    # Only tiles were asked of the internet (and refused): Leaflet came from this machine.
    assert refused and all("tile.openstreetmap.org" in url for url in refused), refused
    context.close()


def test_static_export_draws_markers_and_base_layer_offline(browser, data_dir, tmp_path):
    out = tmp_path / "site"
    write_map(data_dir / "public.db", out)
    with serve_folder(out) as base:
        _check_offline_map(browser, f"{base}/index.html", str(tmp_path / "static.png"))


def test_served_map_draws_markers_and_base_layer_offline(browser, data_dir, tmp_path):
    with romareact_serve(data_dir) as base:
        _check_offline_map(browser, f"{base}/map", "/tmp/rr19b-map-offline.png")
        _check_offline_map(
            browser, f"{base}/map", "/tmp/rr19b-map-offline-phone.png", viewport=(390, 844)
        )


def _shows_bulgaria(page) -> dict:
    """The map's bounds and zoom, and whether all of Bulgaria is in view."""
    return page.evaluate(
        """box => { const map = window[ROMAREACT_CONFIG.map], b = map.getBounds();
                   return {zoom: map.getZoom(), whole: b.getSouth() <= box.south &&
                     b.getNorth() >= box.north && b.getWest() <= box.west &&
                     b.getEast() >= box.east}; }""",
        BULGARIA,
    )


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)])
def test_first_view_fits_bulgaria_and_whole_country_zooms_back(browser, data_dir, tmp_path,
                                                               viewport):  # fmt: skip
    out = tmp_path / "site"
    write_map(data_dir / "public.db", out)
    with serve_folder(out) as base:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        route_no_network(context)
        page = context.new_page()
        page.goto(f"{base}/index.html")
        page.wait_for_selector("html[data-ready='1']", timeout=20_000)
        first = _shows_bulgaria(page)
        # Not the whole continent: the zoom a phone 390 px wide needs for Bulgaria is 6.
        assert first["whole"] and first["zoom"] >= 6, first
        page.wait_for_timeout(400)  # the zoom animation, for the picture only
        page.screenshot(path=f"/tmp/rr19b-first-{viewport[0]}.png")
        if viewport[0] < 700:
            page.click(".rr-head button:not(#rr-lang)")  # open the collapsed filters
        page.select_option("#rr-prov", "Варна")
        page.wait_for_function("window[ROMAREACT_CONFIG.map].getZoom() === 9")
        page.select_option("#rr-prov", "")
        page.wait_for_function(f"window[ROMAREACT_CONFIG.map].getZoom() === {first['zoom']}")
        assert _shows_bulgaria(page)["whole"]
        context.close()


def test_concentration_view_has_a_legend_of_symbol_sizes(browser, tmp_path):
    workspace = open_workspace(tmp_path / "data")
    # Пловдив 8 events, Видин 1.
    workspace.public["events"].insert_all(
        [public_event(n, place="Пловдив", province="Пловдив", lat=42.15, lon=24.75)
         for n in range(8)]
        + [public_event(9, place="Видин", province="Видин", lat=43.99, lon=22.87)]
    )  # fmt: skip
    workspace.close()
    write_map(tmp_path / "data" / "public.db", tmp_path / "site")
    with serve_folder(tmp_path / "site") as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        route_no_network(context)
        page = context.new_page()
        page.goto(f"{base}/index.html#view=areas")
        page.wait_for_selector("html[data-ready='1']", timeout=20_000)
        page.wait_for_selector(".rr-size-row")
        labels = page.locator(".rr-size-value").all_text_contents()
        assert labels == ["8 събития", "2 събития", "1 събития"]  # 8, 8/4 and 8/16 rounded
        largest = page.locator(".rr-size-circle").first.bounding_box()["width"]
        symbols = page.locator("path.rr-symbol")
        assert symbols.count() == 2
        widest = max(symbols.nth(k).bounding_box()["width"] for k in range(2))
        # The same formula: the largest sample is as wide as the largest symbol (stroke aside).
        assert abs(largest - widest) <= 2, (largest, widest)
        page.screenshot(path="/tmp/rr19b-areas.png")
        page.click("#rr-lang")
        assert page.locator(".rr-size-value").first.text_content() == "8 events"
        context.close()


def test_cdn_mode_loads_leaflet_whose_integrity_matches(browser, data_dir, tmp_path):
    """The browser checks the SRI hashes: a wrong one leaves the page without Leaflet."""
    out = tmp_path / "site"
    write_map(data_dir / "public.db", out, cdn=True)
    with serve_folder(out) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        refused = route_offline(context)  # answers jsDelivr from the shipped files
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        cdn = []
        page.on("request", lambda r: cdn.append(r.url) if "jsdelivr" in r.url else None)
        page.goto(f"{base}/index.html")
        page.wait_for_selector("html[data-ready='1']", timeout=20_000)
        assert page.locator(".leaflet-marker-icon.rr-point").count() == len(TOWNS)
        assert len(cdn) == 5 and errors == [] and refused == []
        context.close()
