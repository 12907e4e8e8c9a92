"""The map with the network off (every request not to this machine refused, tiles too):
Leaflet and the base layer come from the package, for /map and for the static export."""

from __future__ import annotations

import pytest
from browser_support import chromium, require_browser, route_no_network
from local_servers import romareact_serve, serve_folder
from test_map import public_event

from mapping.build import write_map
from romareact.workspace import open_workspace

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

# Far apart, so that each is its own marker at the first zoom.
TOWNS = [("Видин", 43.99, 22.87), ("Варна", 43.21, 27.91), ("Кърджали", 41.64, 25.37)]
SCREENSHOTS = None


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offline")
    workspace = open_workspace(folder)
    workspace.public["events"].insert_all(
        public_event(n, place=name, province=name, lat=lat, lon=lon)
        for n, (name, lat, lon) in enumerate(TOWNS)
    )
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
