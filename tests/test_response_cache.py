"""The public response cache: what it keeps, for whom, until when; and the store that
`romareact serve --workers N` shares between its workers."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import sqlite3

import pytest

from romareact import response_cache
from romareact.response_cache import PublicResponseCache, SharedResponseStore

_PAGES_MADE = itertools.count(1)


class CountingSite:
    """An ASGI site that answers every path with a body never made before, and counts.

    `padding` lines of text make the body worth compressing; `chunks` sends it in pieces."""

    def __init__(self, padding: int = 0, chunks: int = 1):
        self.made: list[str] = []
        self.status = 200
        self.content_type = b"text/plain"
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self.padding, self.chunks = padding, chunks

    async def __call__(self, scope, receive, send):
        self.made.append(scope["path"])
        body = f"page {scope['path']} #{next(_PAGES_MADE)}\n".encode()
        body += b"".join(f"line {n} of the page\n".encode() for n in range(self.padding))
        headers = [(b"content-type", self.content_type), (b"vary", b"Cookie"),
                   *self.extra_headers]  # fmt: skip
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        step = -(-len(body) // self.chunks)
        for start in range(0, len(body), step):
            more = start + step < len(body)
            await send(
                {
                    "type": "http.response.body",
                    "body": body[start : start + step],
                    "more_body": more,
                }
            )


def fetch(app, path: str, cookie: bytes | None = None, encoding: bytes | None = None):
    """(status, headers, body as sent) of one GET."""
    headers = [(b"host", b"example.org")] + ([(b"cookie", cookie)] if cookie else [])
    if encoding is not None:
        headers.append((b"accept-encoding", encoding))
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": headers}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1 and sent[0] is starts[0]
    return sent[0]["status"], dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent)


def get(app, path: str, cookie: bytes | None = None) -> tuple[int, bytes]:
    status, _, body = fetch(app, path, cookie)
    return status, body


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
    """A cache key as PublicResponseCache makes it: path, query, host, encoding, version."""
    return (path, b"", b"example.org", b"", version)


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


@pytest.mark.parametrize("padding", [200, 15_000])  # 15,000 lines: compressed in a thread
def test_text_goes_compressed_to_readers_who_accept_gzip_and_is_compressed_once(public_db, padding):
    site = CountingSite(padding=padding)
    cache = PublicResponseCache(site, public_db, ("rr_session",))
    status, headers, body = fetch(cache, "/map/data/markers.js", encoding=b"gzip, deflate, br")
    assert status == 200 and headers[b"content-encoding"] == b"gzip"
    assert headers[b"vary"] == b"Cookie, Accept-Encoding"
    page = gzip.decompress(body)
    assert page.startswith(b"page /map/data/markers.js") and len(body) < len(page) / 4
    # Both variants are kept: neither reader has the page made again.
    assert fetch(cache, "/map/data/markers.js", encoding=b"gzip")[2] == body
    status, headers, plain = fetch(cache, "/map/data/markers.js")
    assert plain == page and b"content-encoding" not in headers
    assert headers[b"vary"] == b"Cookie, Accept-Encoding"
    assert site.made == ["/map/data/markers.js"]
    # A page first made for a reader without gzip is compressed from the kept copy.
    assert fetch(cache, "/public/events")[2].startswith(b"page /public/events")
    assert gzip.decompress(fetch(cache, "/public/events", encoding=b"gzip")[2]).startswith(
        b"page /public/events"
    )
    assert site.made == ["/map/data/markers.js", "/public/events"]


@pytest.mark.parametrize(
    "encoding, compressed",
    [(b"gzip;q=0, deflate", False), (b"*", True), (b"br, gzip;q=0.5", True), (b"identity", False)],
)
def test_accept_encoding_is_read_with_its_qualities(public_db, encoding, compressed):
    cache = PublicResponseCache(CountingSite(padding=200), public_db, ("rr_session",))
    _, headers, _ = fetch(cache, "/public/events", encoding=encoding)
    assert (headers.get(b"content-encoding") == b"gzip") is compressed


def test_small_pages_images_errors_and_editors_pages_go_as_they_are(public_db):
    site = CountingSite(padding=200)
    cache = PublicResponseCache(site, public_db, ("rr_session",))
    tiny = PublicResponseCache(CountingSite(), public_db, ("rr_session",))
    assert b"content-encoding" not in fetch(tiny, "/public/x", encoding=b"gzip")[1]
    for setup, path, cookie in [
        (lambda: setattr(site, "content_type", b"image/png"), "/map/icon.png", None),
        (lambda: setattr(site, "status", 404), "/public/missing", None),
        (lambda: None, "/public/events", b"rr_session=signed"),
    ]:
        site.content_type, site.status = b"text/html", 200
        setup()
        _, headers, body = fetch(cache, path, cookie=cookie, encoding=b"gzip")
        assert b"content-encoding" not in headers, path
        assert body.startswith(f"page {path}".encode())
    # An image is still kept, as it is: asked again, it is not made again.
    site.content_type = b"image/png"
    assert fetch(cache, "/map/icon.png", encoding=b"gzip")[2].startswith(b"page /map/icon.png")
    assert site.made.count("/map/icon.png") == 1


def test_a_response_too_big_to_keep_streams_through_uncompressed(public_db, monkeypatch):
    monkeypatch.setattr(response_cache, "MAX_RESPONSE_BYTES", 2000)
    site = CountingSite(padding=400, chunks=8)  # about 9 KB in 8 pieces
    cache = PublicResponseCache(site, public_db, ("rr_session",))
    for _ in range(2):
        status, headers, body = fetch(cache, "/public/events.csv", encoding=b"gzip")
        assert status == 200 and b"content-encoding" not in headers
        assert body.endswith(b"line 399 of the page\n") and body.count(b"line") == 400
    assert site.made == ["/public/events.csv"] * 2  # never kept


def test_readers_asking_at_once_for_a_new_page_wait_for_one_making(public_db):
    site = CountingSite(padding=200)

    async def slow_site(scope, receive, send):
        await asyncio.sleep(0.05)  # long enough for every reader to arrive
        await site(scope, receive, send)

    cache = PublicResponseCache(slow_site, public_db, ("rr_session",))

    async def reader(encoding):
        headers = [(b"host", b"example.org")] + (
            [(b"accept-encoding", encoding)] if encoding else []
        )
        scope = {"type": "http", "method": "GET", "path": "/map/data/markers.js",
                 "query_string": b"", "headers": headers}  # fmt: skip
        sent = []

        async def send(message):
            sent.append(message)

        await cache(scope, None, send)
        body = b"".join(m.get("body", b"") for m in sent)
        return gzip.decompress(body) if dict(sent[0]["headers"]).get(b"content-encoding") else body

    async def twenty_readers():
        return await asyncio.gather(*(reader(b"gzip" if n % 2 else None) for n in range(20)))

    pages = asyncio.run(twenty_readers())
    assert len(set(pages)) == 1 and pages[0].startswith(b"page /map/data/markers.js")
    assert site.made == ["/map/data/markers.js"]


def test_a_reader_on_a_slow_connection_does_not_hold_up_the_others(public_db):
    site = CountingSite(padding=200)
    cache = PublicResponseCache(site, public_db, ("rr_session",))
    slow_reader_may_finish = None

    async def readers():
        nonlocal slow_reader_may_finish
        slow_reader_may_finish = asyncio.Event()
        scope = {"type": "http", "method": "GET", "path": "/map/data/markers.js",
                 "query_string": b"", "headers": [(b"accept-encoding", b"gzip")]}  # fmt: skip

        async def slow_send(message):
            if message["type"] == "http.response.body":
                await slow_reader_may_finish.wait()  # the connection cannot take more yet

        received = []

        async def quick_send(message):
            received.append(message)

        slow = asyncio.create_task(cache(scope, None, slow_send))
        await asyncio.sleep(0.01)  # the slow reader's page is made and is being sent
        await asyncio.wait_for(cache(scope, None, quick_send), timeout=2)
        slow_reader_may_finish.set()
        await slow
        return received

    received = asyncio.run(readers())
    assert gzip.decompress(received[1]["body"]).startswith(b"page /map/data/markers.js")
    assert site.made == ["/map/data/markers.js"]
