"""The map of a large dataset in a real browser: served by Datasette, loaded a view at a
time (mapping/tiles.py). The thresholds are lowered so that the 42 events of
test_map_browser's site count as large: above 10 events the map is tiled, and more than 20
events in view are sent as counts per cell."""

from __future__ import annotations

import json

import pytest
from browser_support import chromium, offline_context, require_browser, require_map_assets
from local_servers import romareact_serve
from test_map_browser import HOSTILE, _events, _expected, _open, _points_in_cluster, _visible

from romareact import db

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

TILED = {"ROMAREACT_MAP_TILED_ABOVE": "10", "ROMAREACT_MAP_POINT_LIMIT": "20"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_map_assets()
    data_dir = tmp_path_factory.mktemp("tiled")
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(_events())
    public["areas"].insert_all(
        {"id": f"province:{name}", "level": "province", "name": name, "province": name,
         "lat": lat, "lon": lon}
        for name, lat, lon in [("Сливен", 42.68, 26.32), ("Ямбол", 42.48, 26.5),
                               ("Бургас", 42.5, 27.47), ("Добрич", 43.57, 27.83),
                               ("Видин", 43.99, 22.87)]
    )  # fmt: skip
    public.close()
    with romareact_serve(data_dir, env=TILED) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context, refused = offline_context(browser)
    page = context.new_page()
    errors, data_requests = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda r: data_requests.append(r.url) if "/map/data/" in r.url else None)
    page.data_requests = data_requests
    yield page
    assert errors == []
    assert refused == [], "the page asked the internet for something unexpected"
    assert page.evaluate("window.hacked") is None
    context.close()


def _cell_counts(page) -> list[int]:
    return [int(n) for n in page.locator(".leaflet-marker-icon.rr-cell span").all_text_contents()]


def test_first_view_is_counts_per_cell_and_zooming_in_shows_the_events(page, server, tmp_path):
    events = _events()
    _open(page, f"{server}/map")
    assert page.get_attribute("html", "data-view") == "cells"
    assert _visible(page) == len(events)
    assert sum(_cell_counts(page)) == len(events)
    assert _points_in_cluster(page) == 0
    # Never the whole index, never the popup files of the small mode.
    assert not any("/details/" in url for url in page.data_requests)
    page.screenshot(path=tmp_path / "tiled-cells.png")

    # Around Добрич only its one event is in view: drawn as a marker, its popup on demand.
    page.evaluate("window[ROMAREACT_CONFIG.map].setView([43.57, 27.83], 11)")
    page.wait_for_function("document.documentElement.dataset.view === 'points'")
    page.wait_for_function(f"{_points_js()} === 1")
    page.locator(".leaflet-marker-icon.rr-point").first.click()
    popup = page.locator(".leaflet-popup-content .romareact-popup")
    popup.wait_for(timeout=10_000)
    assert popup.locator(".rr-title").text_content() == HOSTILE
    assert popup.locator("img").count() == 0
    assert popup.locator("a").get_attribute("href") == "https://news.example/100"
    assert any("/map/data/event/" in url for url in page.data_requests)
    page.screenshot(path=tmp_path / "tiled-points.png")


def _points_js() -> str:
    return "window[ROMAREACT_CONFIG.cluster].getLayers().length"


def test_filters_count_on_the_server_and_few_events_come_as_markers(page, server):
    events = _events()
    _open(page, f"{server}/map")
    page.check(".rr-cats input[value='education']")
    education = _expected(events, "education")
    page.wait_for_function(
        f"document.getElementById('rr-count').dataset.visible == '{len(education)}'"
    )
    # 12 events now: few enough to come one by one, the province-level one as an area.
    page.wait_for_function("document.documentElement.dataset.view === 'points'")
    points = [e for e in education if e["precision"] != "province"]
    page.wait_for_function(f"{_points_js()} === {len(points)}")
    assert page.locator("path.rr-area").count() == 1

    page.evaluate(
        """() => { const input = document.getElementById('rr-from');
                   input.value = String(Math.round(Date.parse('2026-01-01') / 86400000));
                   input.dispatchEvent(new Event('input', {bubbles: true})); }"""
    )
    since = _expected(events, "education", "2026-01-01")
    page.wait_for_function(f"document.getElementById('rr-count').dataset.visible == '{len(since)}'")
    shared = page.input_value("#rr-link")
    assert "cat=education" in shared and "from=2026-01-01" in shared
    page.goto("about:blank")
    _open(page, shared)
    page.wait_for_function(f"document.getElementById('rr-count').dataset.visible == '{len(since)}'")
    assert page.is_checked(".rr-cats input[value='education']")


def test_timeline_language_search_symbols_and_embed(page, server):
    events = _events()
    _open(page, f"{server}/map")
    page.wait_for_function("document.getElementById('rr-timeline').dataset.counts")
    months = [f"{2025 + m // 12}-{1 + m % 12:02d}" for m in range(23)]
    counts = json.loads(page.get_attribute("#rr-timeline", "data-counts"))
    assert counts == [sum(e["date"].startswith(month) for e in events) for month in months]

    page.click("#rr-lang")
    page.wait_for_function("document.getElementById('rr-count').textContent.startsWith('Showing')")

    page.fill("#rr-search", "sliven")
    page.dispatch_event("#rr-search", "change")
    page.wait_for_function(
        "(c => Math.abs(c.lat - 42.70) < 0.05 && Math.abs(c.lng - 26.35) < 0.05)"
        "(window[ROMAREACT_CONFIG.map].getCenter())",
        timeout=5_000,
    )
    page.fill("#rr-search", "Несъществуващо")
    page.dispatch_event("#rr-search", "change")
    assert page.text_content("#rr-search-note").startswith("No place with events")

    page.click("#rr-view-areas")
    provinces = {e["province"] for e in events}
    page.wait_for_function(
        f"document.querySelectorAll('path.rr-symbol').length === {len(provinces)}"
    )
    assert page.locator(".leaflet-marker-icon").count() == 0

    page.goto("about:blank")
    _open(page, f"{server}/map#embed=1&cat=health")
    health = len(_expected(events, "health"))
    page.wait_for_function(f"document.getElementById('rr-count').dataset.visible == '{health}'")
    assert page.is_hidden("#rr-panel")
    assert f"{health} от {len(events)}" in page.text_content("#rr-embed-bar")
