"""Searching public events and newsroom items in Bulgarian finds the forms of each word."""

import asyncio
import re

import pytest
from test_newsroom import PASSWORD, Browser
from test_open_dataset import add_story, place_id, publish

from romareact.bulgarian_search import exact_expression, search_expression, search_key
from romareact.publish import set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.users import add_user
from romareact.workspace import open_workspace

# Our own sentences; each id says which form it holds.
STORIES = {
    "roma": "Роми от квартала събраха подписи",
    "romite": "Ромите поискаха среща с кмета",
    "romski": "Ромски деца посещават нова детска градина",
    "romskata": "Ромската общност отбеляза празника",
    "mahalata": "В махалата пуснаха нов автобус",
    "roman": "Роман за морето беше представен в библиотеката",
    "school": "Училището обяви прием",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("search")
    workspace = open_workspace(data_dir)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    add_user(workspace.newsroom, "maria", PASSWORD, "editor", actor="test")
    town = place_id(workspace.newsroom, "Сливен")
    for number, (key, title) in enumerate(STORIES.items()):
        add_story(workspace.newsroom, number, title, town, f"2026-0{1 + number % 9}-01",
                  source=key)  # fmt: skip
    publish(workspace)
    workspace.close()
    return make_datasette(data_dir)


def found(datasette, query: str, **extra) -> list[str]:
    response = asyncio.run(
        datasette.client.get(
            "/public/events.json", params={"_search": query, "_shape": "objects", **extra}
        )
    )
    assert response.status_code == 200, response.text
    titles = {title: key for key, title in STORIES.items()}
    return sorted(titles[row["title"]] for row in response.json()["rows"])


def test_roma_finds_every_form_and_not_a_novel(site):
    expected = sorted(["roma", "romite", "romski", "romskata"])
    for query in ("роми", "ромите", "Ромски", "ромската"):
        assert found(site, query) == expected, query


def test_a_neighbourhood_is_found_with_its_article(site):
    assert found(site, "махала") == ["mahalata"]
    assert found(site, "училище") == ["school"]


def test_a_prefix_works_without_raw_mode(site):
    assert found(site, "ром*") == sorted(["roma", "roman", "romite", "romski", "romskata"])


def test_phrases_and_raw_mode_stay_as_written(site):
    assert found(site, '"ромската общност"') == ["romskata"]
    assert found(site, '"ромите общност"') == []
    assert found(site, "ромите", _searchmode="raw") == ["romite"]


def test_the_search_query_ranks_exact_forms_first(site):
    response = asyncio.run(
        site.client.get("/public/search_events.json", params={"q": "ромите", "_shape": "objects"})
    )
    titles = [row["title"] for row in response.json()["rows"]]
    assert titles[0] == STORIES["romite"]
    assert sorted(titles[1:]) == sorted(STORIES[k] for k in ("roma", "romski", "romskata"))


def test_the_newsroom_queue_finds_forms_exact_first(site):
    editor = Browser(site)
    assert editor.login("maria").status_code == 302
    page = editor.get("/newsroom/-/queue", params={"q": "ромската", "status": "all"}).text
    shown = re.findall(r'<a href="/newsroom/-/item/[^"]+">([^<]+)</a>', page)
    assert shown[0] == STORIES["romskata"]
    assert sorted(shown) == sorted(STORIES[k] for k in ("roma", "romite", "romski", "romskata"))


@pytest.mark.parametrize(
    ("forms", "same"),
    [
        (["роми", "ромите", "ром", "ромът", "ромски", "ромската", "ромските"], True),
        (["махала", "махалата", "махали"], True),
        (["училище", "училището", "училища"], True),
        (["роми", "роман"], False),
    ],
)
def test_search_keys(forms, same):
    assert (len({search_key(form) for form in forms}) == 1) is same


def test_the_query_is_built_from_the_index_vocabulary():
    vocabulary = ["ром", "рома", "роман", "ромите", "ромски", "ромче"]

    def read(prefix):
        return [term for term in vocabulary if term.startswith(prefix)]

    expression = search_expression("роми", read)
    assert expression == '("роми" OR "ром" OR "рома" OR "ромите" OR "ромски")'
    assert search_expression("роми", None) == '"роми"'
    assert search_expression('ром* "две думи" a"b', read) == '"ром"* AND "две думи" AND "a" AND "b"'
    assert search_expression("!!!", read) == '""'
    assert exact_expression('роми "ромска общност"') == '"роми" "ромска общност"'
