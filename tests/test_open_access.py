"""Other sites' browser tools may read the open data (CORS), and pollers get 304s."""

import asyncio
import time

import pytest
from root_session import root_cookies
from test_open_dataset import add_story, place_id, publish

from romareact.conditional_get import is_fresh, validators
from romareact.cors import is_public_read
from romareact.publish import set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.workspace import open_workspace

ORIGIN = {"origin": "https://researcher.example"}


@pytest.fixture
def site(data_dir):
    workspace = open_workspace(data_dir)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    add_story(workspace.newsroom, 1, "Училище", place_id(workspace.newsroom, "Сливен"))
    publish(workspace)
    yield make_datasette(data_dir), workspace
    workspace.close()


def request(datasette, method, path, **kwargs):
    return asyncio.run(datasette.client.request(method, path, **kwargs))


READS = [
    "/public/events.json",
    "/public/events.csv",
    "/public/events.geojson",
    "/public.json?sql=select+count(*)+from+events",
    "/map/events.geojson",
    "/map/data/markers.js",
    "/feed.atom",
    "/downloads.json",
]


@pytest.mark.parametrize("path", READS)
def test_public_reads_are_open_to_other_origins(site, path):
    datasette, _ = site
    response = request(datasette, "GET", path, headers=ORIGIN)
    assert response.status_code == 200, path
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "ETag" in response.headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    "path",
    ["/newsroom/items.json", "/newsroom", "/-/login", "/-/queue", "/submit", "/-/actor.json"],
)
def test_the_newsroom_and_sign_in_never_are(site, path):
    datasette, _ = site
    response = request(datasette, "GET", path, headers=ORIGIN)
    assert "access-control-allow-origin" not in response.headers, path
    preflight = request(datasette, "OPTIONS", path,
                        headers={**ORIGIN, "access-control-request-method": "GET"})  # fmt: skip
    assert "access-control-allow-origin" not in preflight.headers, path


def test_no_write_gets_cors_headers(site):
    datasette, _ = site
    for path in ("/submit", "/public/events_in_date_range", "/-/login"):
        response = request(datasette, "POST", path, headers=ORIGIN, data={"a": "b"})
        assert "access-control-allow-origin" not in response.headers, path


def test_preflight_allows_conditional_and_range_reads_only(site):
    datasette, _ = site
    response = request(datasette, "OPTIONS", "/public/events.json",
                       headers={**ORIGIN, "access-control-request-method": "GET",
                                "access-control-request-headers": "if-none-match"})  # fmt: skip
    assert response.status_code == 204
    assert response.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "If-None-Match" in response.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    "path",
    ["/feed.atom", "/feed.atom?province=Сливен", "/map/events.geojson", "/map/data/markers.js",
     "/map/data/details/0.js", "/public/events.geojson?_size=5"],
)  # fmt: skip
def test_pollers_get_304_until_the_data_changes(site, path):
    datasette, workspace = site
    first = request(datasette, "GET", path)
    assert first.status_code == 200, path
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = request(datasette, "GET", path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    since = request(datasette, "GET", path, headers={"if-modified-since": modified})
    assert since.status_code == 304
    other = request(datasette, "GET", path, headers={"if-none-match": 'W/"other"'})
    assert other.status_code == 200 and other.content == first.content
    time.sleep(0.01)  # a new modification time, whatever the file system's resolution
    add_story(workspace.newsroom, 2, "Клиника", place_id(workspace.newsroom, "Сливен"))
    publish(workspace)
    changed = request(datasette, "GET", path, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_validators_differ_per_url_host_and_data():
    base = validators("/feed.atom", b"", b"a.example", ((1, 2), None))
    assert base[0].startswith('W/"')
    assert validators("/feed.atom", b"province=x", b"a.example", ((1, 2), None)) != base
    assert validators("/feed.atom", b"", b"b.example", ((1, 2), None)) != base
    assert validators("/feed.atom", b"", b"a.example", ((1, 3), None))[0] != base[0]


def test_if_none_match_wins_over_if_modified_since():
    etag, modified = validators("/feed.atom", b"", b"", ((10**18, 1), None))
    stale = {b"if-none-match": b'"old"', b"if-modified-since": modified.encode()}
    assert not is_fresh(stale, etag, modified)
    assert is_fresh({b"if-none-match": b"*"}, etag, modified)
    assert not is_fresh({b"if-modified-since": b"garbage"}, etag, modified)


@pytest.mark.parametrize(
    ("path", "public"),
    [("/public", True), ("/public/events.json", True), ("/public.db", True),
     ("/publicity", False), ("/newsroom/items", False), ("/map", False),
     ("/map/data/markers.js", True), ("/downloads/x.db", True), ("/-/login", False)],
)  # fmt: skip
def test_which_paths_are_public_reads(path, public):
    assert is_public_read(path) is public


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=garbage", "YYYY-MM-DD for 'from'"),
        ("to=2026-02-30", "YYYY-MM-DD for 'to'"),
        ("from=20260101", "YYYY-MM-DD for 'from'"),
        ("from=2026-03-01&to=2026-01-01", "is after"),
        ("category=nonsense", "Unknown category 'nonsense'"),
    ],
)
def test_map_geojson_says_which_argument_is_wrong(site, query, message):
    datasette, _ = site
    response = request(datasette, "GET", f"/map/events.geojson?{query}")
    assert response.status_code == 400
    assert message in response.json()["error"]
    fine = request(datasette, "GET", "/map/events.geojson?from=2026-01-01&category=education")
    assert fine.status_code == 200


def test_databases_json_shows_no_server_paths_to_visitors(site, data_dir):
    datasette, _ = site
    for path in ("/-/databases.json", "/-/databases"):
        response = request(datasette, "GET", path)
        assert str(data_dir) not in response.text, path
        assert "public.db" not in response.text, path
    names = [d["name"] for d in request(datasette, "GET", "/-/databases.json").json()]
    assert "public" in names


def test_root_still_sees_where_the_databases_are(site, data_dir):
    datasette, _ = site
    cookies = root_cookies(datasette)
    listing = request(datasette, "GET", "/-/databases.json", cookies=cookies).json()
    assert any(d["path"].endswith("public.db") for d in listing)
