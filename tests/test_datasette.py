"""Datasette in-process: the public side, the closed newsroom, the map route."""

import asyncio

import pytest
from root_session import root_cookies

from romareact import db
from romareact.serve import make_datasette
from romareact.workspace import open_workspace


@pytest.fixture
def datasette(data_dir):
    workspace = open_workspace(data_dir)
    workspace.public["events"].insert(
        {
            "id": "e1",
            "title": "<script>alert(1)</script> Ромите в Сливен",
            "date": "2026-11-20",
            "place": "Сливен",
            "province": "Сливен",
            "lat": 42.68,
            "lon": 26.32,
            "precision": "settlement",
            "review_status": "unreviewed",
            "source_url": "https://news.example/1",
        }
    )
    db.audit(workspace.newsroom, "test", "items", "x")
    workspace.close()
    return make_datasette(data_dir)


def _get(datasette, path, **kwargs):
    async def fetch():
        return await datasette.client.get(path, **kwargs)

    return asyncio.run(fetch())


@pytest.mark.parametrize(
    "path",
    [
        "/newsroom",
        "/newsroom.json",
        "/newsroom/items",
        "/newsroom/items.json",
        "/newsroom/items.csv",
        "/newsroom/audit_log.json",
        "/newsroom/items/abc.json",
        "/newsroom.json?sql=select+*+from+items",
        "/newsroom.csv?sql=select+full_text+from+items",
    ],
)
def test_the_newsroom_is_closed_to_anonymous_visitors(datasette, path):
    assert _get(datasette, path).status_code == 403


def test_the_newsroom_is_not_listed(datasette):
    databases = _get(datasette, "/.json").json()
    assert "public" in databases and "newsroom" not in databases


def test_public_sql_cannot_reach_the_newsroom(datasette):
    response = _get(datasette, "/public.json", params={"sql": "attach database 'newsroom.db' as n"})
    assert response.status_code == 400


def test_root_can_open_the_newsroom(datasette):
    cookies = root_cookies(datasette)
    assert _get(datasette, "/newsroom/audit_log.json", cookies=cookies).status_code == 200


def test_public_events_with_metadata(datasette):
    response = _get(datasette, "/public/events.json", params={"_shape": "objects"})
    assert response.status_code == 200
    assert [row["place"] for row in response.json()["rows"]] == ["Сливен"]
    metadata = _get(datasette, "/-/metadata.json").json()
    assert metadata["license"].startswith("CC BY 4.0")
    columns = metadata["databases"]["public"]["tables"]["events"]["columns"]
    assert "review_status" in columns


def test_public_events_are_searchable(datasette):
    response = _get(datasette, "/public/events.json", params={"_search": "Ромите"})
    assert len(response.json()["rows"]) == 1


def test_map_route_serves_the_map_and_geojson(datasette):
    page = _get(datasette, "/map")
    assert page.status_code == 200
    assert "L.markerClusterGroup" in page.text
    markers = _get(datasette, "/map/data/markers.js").text
    assert '"count": 1' in markers
    details = _get(datasette, "/map/data/details/0.js").text
    assert "<script>alert(1)" not in page.text + markers + details
    assert "\\u003cscript\\u003ealert(1)" in details
    geojson = _get(datasette, "/map/events.geojson")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    assert geojson.json()["features"][0]["properties"]["place"] == "Сливен"


def test_html_pages_escape_hostile_titles(datasette):
    page = _get(datasette, "/public/events")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_every_page_carries_attribution(datasette):
    for path in ("/", "/public", "/public/events"):
        page = _get(datasette, path).text
        assert "GeoNames" in page and 'href="/map"' in page, path
