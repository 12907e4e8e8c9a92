"""The public response cache: what it keeps, for whom, until when; and the store that
`romareact serve --workers N` shares between its workers."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3

import pytest

from romareact.response_cache import PublicResponseCache, SharedResponseStore

_PAGES_MADE = itertools.count(1)


class CountingSite:
    """An ASGI site that answers every path with a body never made before, and counts."""

    def __init__(self):
        self.made: list[str] = []
        self.status = 200
        self.extra_headers: list[tuple[bytes, bytes]] = []

    async def __call__(self, scope, receive, send):
        self.made.append(scope["path"])
        body = f"page {scope['path']} #{next(_PAGES_MADE)}".encode()
        headers = [(b"content-type", b"text/plain"), *self.extra_headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def get(app, path: str, cookie: bytes | None = None) -> tuple[int, bytes]:
    headers = [(b"host", b"example.org")] + ([(b"cookie", cookie)] if cookie else [])
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": headers}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def public_db(tmp_path):
    path = tmp_path / "public.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table events (id)")
    return path


def publish(public_db) -> None:
    with sqlite3.connect(public_db) as conn:
        conn.execute("insert into events values (1)")


def test_public_pages_are_kept_until_the_data_changes(public_db):
    site = CountingSite()
    cache = PublicResponseCache(site, public_db, cookie_names=("rr_session",))
    first = get(cache, "/public/events")
    assert get(cache, "/public/events") == first
    assert site.made == ["/public/events"]
    publish(public_db)
    assert get(cache, "/public/events") != first
    assert site.made == ["/public/events"] * 2


def test_editors_errors_cookies_and_the_newsroom_are_never_kept(public_db):
    site = CountingSite()
    cache = PublicResponseCache(site, public_db, cookie_names=("rr_session",))
    for _ in range(2):
        get(cache, "/public/events", cookie=b"rr_session=signed")
        get(cache, "/newsroom/items")
    assert site.made == ["/public/events", "/newsroom/items"] * 2
    site.status = 404
    get(cache, "/public/missing")
    get(cache, "/public/missing")
    site.status, site.extra_headers = 200, [(b"set-cookie", b"ds_csrftoken=x")]
    get(cache, "/public/form")
    get(cache, "/public/form")
    assert site.made[-4:] == ["/public/missing"] * 2 + ["/public/form"] * 2


def test_a_page_made_by_one_worker_is_served_by_the_others(public_db, tmp_path):
    store_path = tmp_path / "response-cache.db"
    sites = [CountingSite(), CountingSite()]
    workers = [
        PublicResponseCache(site, public_db, ("rr_session",), SharedResponseStore(store_path))
        for site in sites
    ]
    made_by_first = get(workers[0], "/public/events")
    assert get(workers[1], "/public/events") == made_by_first
    assert (sites[0].made, sites[1].made) == (["/public/events"], [])
    # New data: the second worker makes the page again instead of serving the shared one.
    publish(public_db)
    assert get(workers[1], "/public/events") != made_by_first
    assert sites[1].made == ["/public/events"]
    # And the entries of the old data are gone from the file.
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("select count(*) from responses").fetchone() == (1,)


def key(path: str, version: tuple) -> tuple:
    """A cache key as PublicResponseCache makes it: path, query, host, data version."""
    return (path, b"", b"example.org", version)


def test_the_shared_store_keeps_the_newest_pages_within_its_size(tmp_path):
    store = SharedResponseStore(tmp_path / "store.db", max_bytes=2500)
    page = (200, [(b"content-type", b"text/plain")], b"x" * 1000)
    for number in range(5):
        store.put(key(f"/page/{number}", (1,)), page)
    assert store.get(key("/page/0", (1,))) is None and store.get(key("/page/2", (1,))) is None
    assert store.get(key("/page/4", (1,))) == page
    assert store.get(key("/page/3", (1,))) is not None
    assert store.get(key("/page/4", (2,))) is None  # another version of the data
    # Storing a page of new data clears out the pages of the old.
    store.put(key("/page/5", (2,)), page)
    assert store.conn.execute("select count(*) from responses").fetchone() == (1,)


def test_a_busy_shared_store_is_skipped_not_waited_for(tmp_path):
    path = tmp_path / "store.db"
    store = SharedResponseStore(path)
    store.put(key("/page", (1,)), (200, [], b"kept"))
    other_worker = sqlite3.connect(path, isolation_level=None)
    other_worker.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        store.put(key("/new-page", (1,)), (200, [], b"not shared"))  # returns at once
        assert store.get(key("/page", (1,))) == (200, [], b"kept")  # readers still read
    finally:
        other_worker.execute("ROLLBACK")
    assert store.get(key("/new-page", (1,))) is None


def test_a_damaged_shared_store_never_breaks_the_site(public_db, tmp_path):
    store_path = tmp_path / "response-cache.db"
    store_path.write_bytes(b"not a database " * 500)
    site = CountingSite()
    cache = PublicResponseCache(site, public_db, ("rr_session",), SharedResponseStore(store_path))
    assert get(cache, "/public/events")[0] == 200
    assert get(cache, "/public/events")[0] == 200
    assert site.made == ["/public/events"]  # the worker's own memory still caches
