"""axe-core in Debian's chromium on every public and newsroom page: no critical or serious
violation (WCAG 2.x A/AA rules and axe's best practices, as axe reports them by default).

axe-core 4.14.1 is vendored as tests/fixtures/axe-core/axe.min.js (MPL-2.0, its LICENSE
beside it, unchanged from the npm release) and injected into each page by Playwright.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from browser_support import chromium, require_browser, route_no_network
from local_servers import romareact_serve
from test_open_dataset import add_story

from romareact.publish import export_public, refresh_events
from romareact.users import add_user
from romareact.workspace import open_workspace

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

AXE = Path(__file__).parent / "fixtures" / "axe-core" / "axe.min.js"
PASSWORD = "a long admin password"
PUBLIC_PAGES = ["/", "/public", "/public/events", "/public/events/i1", "/map", "/map#lang=en",
                "/map#view=areas", "/map#embed=1",
                "/submit", "/submit?lang=en", "/cite", "/downloads", "/-/login"]  # fmt: skip
NEWSROOM_PAGES = ["/newsroom/-/queue", "/newsroom/-/item/i1", "/newsroom/-/sources",
                  "/newsroom/-/users"]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("a11y")
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    add_user(newsroom, "ana", PASSWORD, "admin", actor="test")
    place = next(newsroom.query("select id from places where kind = 'settlement' and "
                                "name = 'Сливен' and province = 'Сливен'"))["id"]  # fmt: skip
    add_story(newsroom, 1, "Протест за водата в Сливен", place, "2026-11-12", "Вода.")
    add_story(newsroom, 2, "Нова детска градина в Сливен", place, "2026-11-13", "Градина.")
    newsroom["items"].update("i1", {"status": "approved"})
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    workspace.close()
    assert sqlite_utils.Database(data_dir / "public.db")["events"].count == 1
    with romareact_serve(data_dir, env={"ROMAREACT_SECRET": "a11y-test-secret"}) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as browser:
        yield browser


def _violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5],
         "summary": v["nodes"][0]["failureSummary"][:300]}
        for v in results["violations"]
        if v["impact"] in ("critical", "serious")
    ]  # fmt: skip


def _check(page, base, path):
    page.goto(base + path)
    if path.startswith("/map"):
        page.wait_for_selector("html[data-ready='1']", timeout=20_000)
    if path.startswith("/map") or path.startswith("/newsroom/-/item"):
        page.wait_for_selector(".leaflet-container")
    return _violations(page)


def test_public_pages_have_no_serious_violations(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    route_no_network(context)
    page = context.new_page()
    found = {path: _check(page, server, path) for path in PUBLIC_PAGES}
    context.close()
    assert {p: v for p, v in found.items() if v} == {}, json.dumps(found, ensure_ascii=False)


def test_newsroom_pages_have_no_serious_violations(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    route_no_network(context)
    page = context.new_page()
    page.goto(server + "/-/login")
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/newsroom/-/queue")
    found = {path: _check(page, server, path) for path in NEWSROOM_PAGES}
    context.close()
    assert {p: v for p, v in found.items() if v} == {}, json.dumps(found, ensure_ascii=False)


def test_map_on_a_phone_has_no_serious_violations(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    route_no_network(context)
    page = context.new_page()
    found = _check(page, server, "/map")
    # With an event's popup open: its text and links.
    page.locator(".leaflet-marker-icon.rr-point").first.click()
    page.locator(".leaflet-popup-content .romareact-popup .rr-title").wait_for(timeout=10_000)
    # Leaflet fades the popup in: measure its final colours, however loaded the machine.
    page.wait_for_function(
        "[...document.querySelectorAll('.leaflet-popup')].every("
        "p => getComputedStyle(p).opacity === '1')",
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    found += _violations(page)
    context.close()
    assert found == [], json.dumps(found, ensure_ascii=False)
