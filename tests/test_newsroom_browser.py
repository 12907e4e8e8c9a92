"""Editors and readers in a real browser (Debian's chromium via Playwright), against
`romareact serve`: sign in, bulk-approve, relocate to the right namesake, merge two items
into one event, and the public map shows exactly that; a reader's report travels from the
public form to the queue to the map."""

from __future__ import annotations

import pytest
import sqlite_utils
from browser_support import chromium, offline_context, require_browser, require_map_assets
from local_servers import romareact_serve
from test_open_dataset import add_story

from romareact.publish import export_public, refresh_events
from romareact.users import add_user
from romareact.workspace import open_workspace

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

PASSWORD = "a long editor password"


def _place(newsroom, name, province):
    return next(
        newsroom.query(
            "select id, lat, lon from places where kind = 'settlement' and name = ? "
            "and province = ?",
            [name, province],
        )
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_map_assets()
    data_dir = tmp_path_factory.mktemp("newsroom")
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    add_user(newsroom, "maria", PASSWORD, "editor", actor="test")
    wrong = _place(newsroom, "Дунавци", "Стара Загора")
    add_story(newsroom, 1, "Наводнени къщи в Дунавци край Видин", wrong["id"], "2026-11-10",
              "Дунав преля край Видин.", source="bta")  # fmt: skip
    add_story(newsroom, 2, "Мобилна клиника в Ямбол", _place(newsroom, "Ямбол", "Ямбол")["id"],
              "2026-11-11", "Прегледи.", source="bnr")  # fmt: skip
    sliven = _place(newsroom, "Сливен", "Сливен")["id"]
    add_story(newsroom, 3, "Протест за водата в Сливен", sliven, "2026-11-12", "Вода.",
              source="sega")  # fmt: skip
    add_story(newsroom, 4, "Без вода в Сливен: жителите протестират", sliven, "2026-11-12",
              "Вода.", source="dnevnik")  # fmt: skip
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    workspace.close()
    with romareact_serve(data_dir, env={"ROMAREACT_SECRET": "browser-test-secret"}) as base:
        yield {"base": base, "data_dir": data_dir, "vidin_dunavtsi": _vidin(data_dir)}


def _vidin(data_dir):
    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    try:
        return _place(newsroom, "Дунавци", "Видин")
    finally:
        newsroom.close()


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as browser:
        yield browser


def _context(browser):
    return offline_context(browser)[0]


def _public(server) -> dict[str, dict]:
    public = sqlite_utils.Database(server["data_dir"] / "public.db")
    try:
        return {row["id"]: row for row in public["events"].rows}
    finally:
        public.close()


def _map_count(page, server) -> int:
    page.goto(server["base"] + "/map")
    page.wait_for_selector("html[data-ready='1']", timeout=20_000)
    return int(page.get_attribute("#rr-count", "data-visible"))


def test_editor_workflow_reaches_the_public_map(browser, server):
    base = server["base"]
    context = _context(browser)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    assert _map_count(page, server) == 0  # nothing is public before an editor acts

    page.goto(base + "/-/login")
    page.fill("#username", "maria")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/newsroom/-/queue")
    assert page.text_content("[data-count=new]") == "4"

    # Bulk approval: i1 with the mouse, i2 and the approval with the keyboard (j, x, a).
    page.check("input[name=item][value=i1]")
    row = page.evaluate(
        "[...document.querySelectorAll('tr[data-item]')].findIndex(r => r.dataset.item == 'i2')"
    )
    page.locator("h1").click()  # focus leaves the checkbox
    for _ in range(row):
        page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.is_checked("input[name=item][value=i2]")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert set(_public(server)) == {"i1", "i2"}

    # Relocate i1 to the Дунавци in Видин province.
    page.goto(base + "/newsroom/-/item/i1")
    assert page.locator("mark.rr-place").count() >= 1
    page.click(f"button[data-place='{server['vidin_dunavtsi']['id']}']")
    page.wait_for_url("**/newsroom/-/item/i1")
    assert "Видин" in page.text_content("#rr-chosen-place")

    # Approve the two reports of the Сливен protest, then merge them into one event.
    page.goto(base + "/newsroom/-/queue")
    page.check("input[name=item][value=i3]")
    page.check("input[name=item][value=i4]")
    with page.expect_navigation():
        page.click("#rr-approve")
    page.goto(base + "/newsroom/-/item/i3")
    page.fill("#rr-merge-items", "i4")
    page.click("#rr-merge-form button[type=submit]")
    # The two stories side by side; the editor keeps this story's title, place and category.
    page.wait_for_selector("#rr-merge-confirm")
    page.click("#rr-merge-submit")
    page.wait_for_url("**/newsroom/-/item/i3*")
    assert page.locator("text=Без вода в Сливен").count() == 1  # listed in the story

    events = _public(server)
    assert set(events) == {"i1", "i2", "i3"}
    vidin = server["vidin_dunavtsi"]
    assert (events["i1"]["lat"], events["i1"]["lon"]) == (vidin["lat"], vidin["lon"])
    assert events["i1"]["province"] == "Видин"

    # The public map, as a reader sees it: three events, the merged one with both outlets.
    reader = _context(browser).new_page()
    assert _map_count(reader, server) == 3
    points = reader.evaluate(
        "window[ROMAREACT_CONFIG.cluster].getLayers()"
        ".map(m => [m.getLatLng().lat, m.getLatLng().lng])"
    )
    assert [round(vidin["lat"], 4), round(vidin["lon"], 4)] in points
    sliven = events["i3"]
    # A new page: on the open map, a hash-only goto is a same-document navigation, and the
    # ready mark of the first load would let the click land before the view has moved.
    reader = reader.context.new_page()
    reader.goto(base + f"/map#map=15/{sliven['lat']}/{sliven['lon']}")
    reader.wait_for_selector("html[data-ready='1']")
    reader.locator(".leaflet-marker-icon.rr-point").first.click()
    popup = reader.locator(".leaflet-popup-content .romareact-popup")
    popup.wait_for(timeout=10_000)
    links = [
        popup.locator("a").nth(i).get_attribute("href") for i in range(popup.locator("a").count())
    ]
    assert sorted(links) == ["https://news.example/3", "https://news.example/4"]
    assert errors == []
    context.close()


def test_a_report_travels_from_the_form_to_the_map(browser, server):
    base = server["base"]
    reader = _context(browser).new_page()
    reader.goto(base + "/submit?lang=en")
    reader.fill("input[name=title]", "Families evicted in Ямбол")
    reader.fill("input[name=place]", "Ямбол")
    reader.fill("input[name=date]", "2026-11-20")
    reader.fill("textarea[name=description]", "Three houses were demolished this morning.")
    reader.fill("input[name=contact]", "reader@example.org")
    reader.click("form.rr-form button[type=submit]")
    reader.wait_for_selector("#rr-sent")
    before = _map_count(reader, server)

    editor = _context(browser).new_page()
    editor.goto(base + "/-/login")
    editor.fill("#username", "maria")
    editor.fill("#password", PASSWORD)
    editor.click("button[type=submit]")
    editor.wait_for_url("**/newsroom/-/queue")
    row = editor.locator("tr", has=editor.locator("text=сигнал"))
    assert row.count() == 1
    row.locator("a").click()
    assert "reader@example.org" in editor.text_content("body")
    with editor.expect_navigation():
        editor.click("#rr-item-approve")

    assert _map_count(reader, server) == before + 1
    public_text = "\n".join(sqlite_utils.Database(server["data_dir"] / "public.db").iterdump())
    assert "reader@example.org" not in public_text
