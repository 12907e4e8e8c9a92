"""Harvesting the open dataset the way other tools do: every page, every format."""

import asyncio
import html
import re
from urllib.parse import urlsplit

import pytest
from test_open_dataset import add_story, place_id, publish

from romareact.exact_paging import FirstPage, first_page_order, with_tie_breaker
from romareact.publish import set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.workspace import open_workspace

EVENTS = 45


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    """Many events sharing a few dates, titles and places: ties on every sort column."""
    data_dir = tmp_path_factory.mktemp("harvest")
    workspace = open_workspace(data_dir)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    towns = [place_id(workspace.newsroom, name) for name in ("Сливен", "Ямбол", "Варна")]
    for number in range(EVENTS):
        # "ученици" gives an education category; "" none: the category has NULLs to page past.
        text = "ученици" if number % 4 else ""
        date = f"2026-0{1 + number % 3}-1{number % 2}"
        add_story(workspace.newsroom, number, f"Заглавие {number % 5}", towns[number % 3], date,
                  text)  # fmt: skip
    assert publish(workspace) == EVENTS
    ids = {row["id"] for row in workspace.public["events"].rows}
    workspace.close()
    return make_datasette(data_dir), ids


def harvest(datasette, url: str) -> list[str]:
    """Follow the next links from url to the end; the ids of every row or feature seen."""

    async def run(url):
        seen = []
        for _ in range(100):  # bounded: a paging loop must not hang the test
            response = await datasette.client.get(url)
            assert response.status_code == 200, (url, response.text)
            page = response.json()
            if "features" in page:
                seen += [feature["id"] for feature in page["features"]]
                links = [link["href"] for link in page.get("links", []) if link["rel"] == "next"]
                next_url = links[0] if links else None
            else:
                seen += [row["id"] for row in page["rows"]]
                next_url = page["next_url"]
            if not next_url:
                return seen
            url = urlsplit(next_url)._replace(scheme="", netloc="").geturl()
        raise AssertionError(f"more than 100 pages from {url}")

    return asyncio.run(run(url))


SORTS = [
    "",  # the default: newest first
    "_sort_desc=date",
    "_sort=date",
    "_sort=title",
    "_sort_desc=title",
    "_sort=place",
    "_sort_desc=category",  # NULLs last
    "_sort=category",  # NULLs first
    "_sort=year",
    "_sort_desc=lat",
    "_sort=id",
    "_search=ученици&_sort=date",
]


@pytest.mark.parametrize("extension", ["json", "geojson"])
@pytest.mark.parametrize("sort", SORTS)
def test_every_page_of_every_sort_gives_every_event_once(harvested, extension, sort):
    datasette, ids = harvested
    query = "&".join(filter(None, [sort, "_size=7", "_shape=objects" * (extension == "json")]))
    seen = harvest(datasette, f"/public/events.{extension}?{query}")
    expected = ids
    if "_search" in sort:
        expected = {f"i{number}" for number in range(EVENTS) if number % 4}
    assert len(seen) == len(set(seen)), "an event came twice"
    assert set(seen) == expected


def test_the_demo_size_of_three_pages_exactly(harvested):
    datasette, ids = harvested
    seen = harvest(datasette, "/public/events.json?_shape=objects&_size=3")
    assert sorted(seen) == sorted(ids)


def test_geojson_pages_say_what_they_hold(harvested):
    datasette, _ = harvested
    page = asyncio.run(datasette.client.get("/public/events.geojson?_size=10"))
    collection = page.json()
    assert collection["numberReturned"] == 10 and collection["numberMatched"] == EVENTS
    assert page.headers["link"].endswith('rel="next"')
    assert collection["links"][0]["href"] in page.headers["link"]


def test_geojson_of_chosen_columns_still_places_every_feature(harvested):
    datasette, _ = harvested
    collection = asyncio.run(datasette.client.get("/public/events.geojson?_col=title")).json()
    assert len(collection["features"]) == EVENTS
    for feature in collection["features"]:
        assert feature["geometry"]["type"] == "Point"
        assert set(feature["properties"]) == {"id", "title"}


def test_geojson_of_a_view_without_points_is_a_clear_error(harvested):
    datasette, _ = harvested
    for path in ("/public/changelog.geojson", "/public.geojson?sql=select+1+as+n"):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == 400, path
        assert "lat and lon" in response.json()["error"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ("date", True)),
        ({"_sort": ["title"]}, ("title", False)),
        ({"_sort_desc": ["place"]}, ("place", True)),
        ({"_next": ["x,y"]}, None),
        ({"_sort": ["a"], "_sort_desc": ["b"]}, None),
    ],
)
def test_which_first_pages_need_a_tie_breaker(args, expected):
    assert first_page_order(args, None, "date") == expected


def test_only_the_table_pages_order_by_gets_the_tie_breaker():
    page = FirstPage("public", "events", "date desc", "id")
    sql = "select id, date from events where year = :p0 order by date desc limit 51"
    assert with_tie_breaker(sql, page) == (
        "select id, date from events where year = :p0 order by date desc, id limit 51"
    )
    facet = "select date as value, count(*) from (select * from events ) group by date limit 31"
    assert with_tie_breaker(facet, page) == facet
    other_table = "select id from places order by date desc limit 51"
    assert with_tie_breaker(other_table, page) == other_table


def test_the_html_pages_page_exactly_too(harvested):
    datasette, ids = harvested

    async def run():
        seen, url = [], "/public/events?_size=7"
        for _ in range(100):
            page = (await datasette.client.get(url)).text
            seen += re.findall(
                r'<td class="col-id type-[^"]*"><a href="/public/events/([^"]+)"', page
            )
            following = re.search(r'<a href="([^"]+)">Next page</a>', page)
            if not following:
                return seen
            url = (
                urlsplit(html.unescape(following.group(1)))._replace(scheme="", netloc="").geturl()
            )
        raise AssertionError("more than 100 pages")

    seen = asyncio.run(run())
    assert len(seen) == len(set(seen)) and set(seen) == ids
