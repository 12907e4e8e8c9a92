"""The map in a real browser (Debian's chromium via Playwright): filters, counts, popups,
shared URLs, embed mode, language, proportional symbols; served statically and by Datasette;
and the column menu of the events table in Datasette."""

from __future__ import annotations

import json
from datetime import date

import pytest
from browser_support import (
    chromium,
    offline_context,
    require_browser,
    require_map_assets,
    route_offline,
)
from local_servers import romareact_serve, serve_folder
from test_map import public_event

from mapping.build import write_map
from romareact import db

pytest.importorskip("playwright.sync_api", reason="Playwright is a test extra")
require_browser()

HOSTILE = '<img src=x onerror="window.hacked=1">Ромски медиатори в Добрич'
PROVINCES = [("Сливен", 42.68, 26.32), ("Ямбол", 42.48, 26.5), ("Бургас", 42.5, 27.47)]
CATEGORIES = ["education", "health", "housing", None]


def _events():
    events = []
    for n in range(40):
        province, lat, lon = PROVINCES[n % 3]
        year, month = (2025, 1 + n % 12) if n < 20 else (2026, 1 + n % 11)
        events.append(
            public_event(
                n,
                category=CATEGORIES[n % 4],
                date=f"{year}-{month:02d}-15",
                year=year,
                place=province,
                province=province,
                lat=lat + (n % 5) * 0.01,
                lon=lon + (n % 7) * 0.01,
            )
        )
    # Alone in the north-east, so it is a single marker at the first zoom.
    events.append(
        public_event(100, title=HOSTILE, category="education", date="2026-06-01", year=2026,
                     place="Добрич", province="Добрич", municipality="Добрич",
                     lat=43.57, lon=27.83)
    )  # fmt: skip
    # Only the province is known: drawn as an area, not a point.
    events.append(
        public_event(101, category="education", date="2026-07-01", year=2026, place="Видин",
                     province="Видин", precision="province", lat=43.99, lon=22.87)
    )  # fmt: skip
    return events


def _expected(events, category=None, since=None):
    return [
        e
        for e in events
        if (category is None or e["category"] == category) and (since is None or e["date"] >= since)
    ]


@pytest.fixture(scope="module")
def assets():
    require_map_assets()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    public = db.open_public(data_dir / "public.db")
    public["events"].insert_all(_events())
    # Where the map zooms for a province and draws its symbol (publish fills these for real).
    centres = {**{name: (lat, lon) for name, lat, lon in PROVINCES}, "Добрич": (43.57, 27.83),
               "Видин": (43.99, 22.87)}  # fmt: skip
    public["areas"].insert_all(
        {"id": f"province:{name}", "level": "province", "name": name, "province": name,
         "lat": lat, "lon": lon}
        for name, (lat, lon) in centres.items()
    )  # fmt: skip
    public.close()
    out = tmp_path_factory.mktemp("site")
    write_map(data_dir / "public.db", out)
    with serve_folder(out) as base:
        yield {"url": f"{base}/index.html", "data_dir": data_dir}


@pytest.fixture(scope="module")
def browser(assets):
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context, refused = offline_context(browser)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == []
    assert refused == [], "the page asked the internet for something unexpected"
    assert page.evaluate("window.hacked") is None
    context.close()


def _open(page, url):
    page.goto(url)
    page.wait_for_selector("html[data-ready='1']", timeout=20_000)


def _visible(page) -> int:
    return int(page.get_attribute("#rr-count", "data-visible"))


def _points_in_cluster(page) -> int:
    return page.evaluate("window[ROMAREACT_CONFIG.cluster].getLayers().length")


def _set_from(page, iso):
    day = (date.fromisoformat(iso) - date(1970, 1, 1)).days
    page.evaluate(
        """day => { const input = document.getElementById('rr-from');
                    input.value = String(day);
                    input.dispatchEvent(new Event('input', {bubbles: true})); }""",
        day,
    )


def test_filter_count_popup_and_shared_url(page, site):
    events = _events()
    _open(page, site["url"])
    assert _visible(page) == len(events)
    assert _points_in_cluster(page) == len(events) - 1  # the province-level one is an area
    assert page.locator("path.rr-area").count() == 1

    page.check(".rr-cats input[value='education']")
    expected = _expected(events, "education")
    page.wait_for_function(
        f"document.getElementById('rr-count').dataset.visible == '{len(expected)}'"
    )
    _set_from(page, "2026-01-01")
    expected = _expected(events, "education", "2026-01-01")
    page.wait_for_function(
        f"document.getElementById('rr-count').dataset.visible == '{len(expected)}'"
    )
    assert _visible(page) == len(expected)
    points = [e for e in expected if e["precision"] != "province"]
    assert _points_in_cluster(page) == len(points)
    assert "Показани" in page.text_content("#rr-count")

    # The lone marker in Добрич: its popup shows the hostile title as text.
    page.locator(".leaflet-marker-icon.rr-point").first.click()
    popup = page.locator(".leaflet-popup-content .romareact-popup")
    popup.wait_for(timeout=10_000)
    assert popup.locator(".rr-title").text_content() == HOSTILE
    assert popup.locator("img").count() == 0
    assert popup.locator("a").get_attribute("href") == "https://news.example/100"
    assert "Образование" in popup.text_content()
    # Laid out again once the details arrive, not left as narrow as "Зареждане…".
    assert page.locator(".leaflet-popup-content").bounding_box()["width"] > 200

    shared = page.input_value("#rr-link")
    assert "cat=education" in shared and "from=2026-01-01" in shared
    page.goto("about:blank")
    _open(page, shared)
    assert _visible(page) == len(expected)
    assert page.is_checked(".rr-cats input[value='education']")
    assert page.is_checked(".rr-cats input[value='health']") is False
    assert page.text_content(".rr-time-label").endswith("2026-01-01")


def test_language_switch_embed_and_symbols(page, site):
    events = _events()
    _open(page, site["url"] + "#prov=Сливен")
    in_sliven = [e for e in events if e["province"] == "Сливен"]
    assert _visible(page) == len(in_sliven)
    page.click("#rr-lang")
    assert page.text_content("#rr-count").startswith("Showing")
    assert "lang=en" in page.input_value("#rr-link")
    embed_code = page.input_value("#rr-embed-code")
    assert embed_code.startswith("<iframe src=") and "embed=1" in embed_code

    # A shared link to another province, pasted into the open map, moves the map there.
    page.evaluate("location.hash = 'prov=Ямбол'")
    page.wait_for_function("document.querySelector('#rr-count').dataset.visible === '13'")
    # Ямбол's centre is 42.48, 26.5.
    page.wait_for_function(
        "(c => Math.abs(c.lat - 42.48) < 0.01 && Math.abs(c.lng - 26.5) < 0.01)"
        "(window[ROMAREACT_CONFIG.map].getCenter())",
        timeout=5_000,
    )

    page.select_option("#rr-prov", "")
    page.click("#rr-view-areas")
    page.wait_for_selector("path.rr-symbol")
    provinces = {e["province"] for e in events}
    assert page.locator("path.rr-symbol").count() == len(provinces)
    assert page.locator(".leaflet-marker-icon").count() == 0

    embedded = site["url"] + "#embed=1&cat=health"
    page.goto("about:blank")
    _open(page, embedded)
    assert page.is_hidden("#rr-panel") and page.is_visible("#rr-embed-bar a")
    health = len(_expected(events, "health"))
    assert _visible(page) == health
    assert f"{health} от {len(events)}" in page.text_content("#rr-embed-bar")
    # The bar must not hide the zoom buttons, the scale or the attribution.
    _assert_apart(page, "#rr-embed-bar", ".leaflet-control")


def test_on_a_phone_nothing_hides_the_controls_or_a_popup(browser, site):
    context, refused = route_phone(browser)
    page = context.new_page()
    # Добрич's lone marker (43.57, 27.83) sits near the top edge, just below the panel.
    _open(page, site["url"] + "#map=10/43.37/27.83")
    assert page.locator("#rr-panel").get_attribute("class").count("rr-collapsed") == 1
    _assert_apart(page, "#rr-panel", ".leaflet-control")
    _assert_apart(page, ".leaflet-control-scale", ".leaflet-control-attribution")
    # Its popup would open off the top of the screen; the map pans it clear of the panel.
    page.locator(".leaflet-marker-icon.rr-point").first.click()
    page.locator(".leaflet-popup-content .romareact-popup").wait_for(timeout=10_000)
    page.wait_for_function("!location.hash.includes('43.3700')")  # the pan has ended
    _assert_apart(page, ".leaflet-popup-content-wrapper", "#rr-panel")
    popup = page.locator(".leaflet-popup-content-wrapper").bounding_box()
    assert popup["y"] >= 0 and popup["x"] >= 0 and popup["x"] + popup["width"] <= 390
    assert refused == []
    context.close()


def route_phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 700}, is_mobile=True)
    return context, route_offline(context)


def _assert_apart(page, selector, others):
    """No element matching `others` overlaps the element at `selector`."""
    box = page.locator(selector).bounding_box()
    boxes = page.locator(others)
    for n in range(boxes.count()):
        other = boxes.nth(n).bounding_box()
        apart = (
            box["x"] + box["width"] <= other["x"]
            or other["x"] + other["width"] <= box["x"]
            or box["y"] + box["height"] <= other["y"]
            or other["y"] + other["height"] <= box["y"]
        )
        assert apart, f"{selector} covers {boxes.nth(n).get_attribute('class')}"
    assert "OpenStreetMap" in page.text_content(".leaflet-control-attribution")
    assert "GeoNames" in page.text_content(".leaflet-control-attribution")


def test_the_timeline_counts_per_month_and_a_click_picks_one(page, site):
    events = _events()
    _open(page, site["url"])

    def counts():
        return json.loads(page.get_attribute("#rr-timeline", "data-counts"))

    # 2025-01 to 2026-11: 23 months; each bar counts the events of its month.
    months = [f"{2025 + m // 12}-{1 + m % 12:02d}" for m in range(23)]
    assert counts() == [sum(e["date"].startswith(month) for e in events) for month in months]
    assert page.get_attribute("#rr-timeline", "aria-label") == "Събития по месеци"
    page.check(".rr-cats input[value='education']")
    education = _expected(events, "education")
    assert sum(counts()) == len(education)

    box = page.locator("#rr-timeline").bounding_box()
    june_2026 = months.index("2026-06")
    page.mouse.click(box["x"] + (june_2026 + 0.5) * box["width"] / 23, box["y"] + box["height"] / 2)
    assert page.text_content(".rr-time-label >> nth=0").endswith("2026-06-01")
    assert page.text_content(".rr-time-label >> nth=1").endswith("2026-06-30")
    in_june = [e for e in education if e["date"].startswith("2026-06")]
    assert _visible(page) == len(in_june) > 0
    assert "from=2026-06-01" in page.input_value("#rr-link")
    # The same bar again: the whole time range.
    page.mouse.click(box["x"] + (june_2026 + 0.5) * box["width"] / 23, box["y"] + box["height"] / 2)
    assert _visible(page) == len(education)


def test_place_search_takes_either_script_and_says_when_nothing_is_there(page, site):
    _open(page, site["url"])

    def search(text):
        page.fill("#rr-search", text)
        page.dispatch_event("#rr-search", "change")

    def centred_near(lat, lon):
        page.wait_for_function(
            f"(c => Math.abs(c.lat - {lat}) < 0.05 && Math.abs(c.lng - {lon}) < 0.05)"
            "(window[ROMAREACT_CONFIG.map].getCenter())",
            timeout=5_000,
        )

    # The events "in Сливен" lie between 42.68 and 42.72, 26.32 and 26.38.
    search("sliven")
    centred_near(42.70, 26.35)
    assert page.evaluate("window[ROMAREACT_CONFIG.map].getZoom()") <= 12
    search("ЯМБОЛ")
    centred_near(42.50, 26.53)
    assert page.text_content("#rr-search-note") == ""
    search("Несъществуващо <b>")
    assert page.text_content("#rr-search-note") == (
        "Няма място със събития, наречено „Несъществуващо <b>“"
    )
    assert page.locator("#rr-search-note b").count() == 0


def test_every_control_has_a_name_a_screen_reader_can_announce(page, site):
    _open(page, site["url"])
    assert page.get_by_label("Търсене на място").get_attribute("id") == "rr-search"
    assert page.get_by_role("combobox", name="Област").get_attribute("id") == "rr-prov"
    assert page.get_by_role("group", name="Теми").get_by_role("checkbox").count() == 9
    assert page.get_by_role("checkbox", name="Здраве").get_attribute("value") == "health"
    start = page.get_by_role("slider", name="От: 2025-01-15")
    assert start.get_attribute("aria-valuetext") == "2025-01-15"
    assert page.get_by_role("radio", name="Концентрация").count() == 1
    assert page.get_attribute("#rr-count", "aria-live") == "polite"
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("combobox", name="Province").count() == 1
    assert page.get_by_role("combobox", name="Level", include_hidden=True).count() == 1
    assert page.get_by_role("button", name="Български").count() == 1


def test_datasette_serves_the_same_map(page, site):
    with romareact_serve(site["data_dir"]) as base:
        _open(page, f"{base}/map#cat=housing")
        assert _visible(page) == len(_expected(_events(), "housing"))
        links = page.locator(".rr-links a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert "/map/events.geojson?category=housing" in hrefs
        assert "/public/events?category__exact=housing" in hrefs


def test_the_events_table_folds_its_column_notes_and_its_column_menu_sorts(page, site):
    # Table pages build their table in Python (plugins/romareact_table_rows.py); Datasette's
    # table.js must still find its columns: a menu on each header that sorts the rows.
    with romareact_serve(site["data_dir"]) as base:
        page.goto(f"{base}/public/events?category=education")
        # The column descriptions are folded away, one click from sight.
        assert page.locator("details.romareact-column-descriptions dl").count() == 1
        assert page.is_hidden("dl.column-descriptions")
        page.click("details.romareact-column-descriptions summary")
        assert page.is_visible("dl.column-descriptions")
        page.locator('th[data-column="title"] svg').click()
        page.locator(".dropdown-menu a.dropdown-sort-asc").click()
        page.wait_for_url("**_sort=title**")
        titles = page.locator("td.col-title").all_text_contents()
        assert len(titles) == len(_expected(_events(), "education"))
        assert titles == sorted(titles)
        assert HOSTILE in titles  # shown as text, not markup (the fixture checks window.hacked)
