"""Issue 17: what probing the public site and the newsroom as an attacker found, one test per
item (the item's number is in the test's name)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
import sqlite_utils
import test_newsroom
from datasette.utils import PrefixedUrlString
from scrapy.http import XmlResponse
from scrapy.utils.test import get_crawler
from test_newsroom import PASSWORD, Browser
from test_open_dataset import add_story, place_id, publish

from crawlers.health import HealthRecorder
from crawlers.spiders.feed import FeedSpider
from romareact import curation, users
from romareact.publish import export_public
from romareact.response_cache import PublicResponseCache, SharedResponseStore
from romareact.serve import make_datasette, proxy_options
from romareact.snapshot import make_snapshot
from romareact.workspace import open_workspace

newsroom_site = test_newsroom.newsroom_site  # the fixture: two accounts, four stories


def run(coroutine):
    return asyncio.run(coroutine)


def https(path: str) -> PrefixedUrlString:
    """An in-process request as if served over HTTPS."""
    return PrefixedUrlString(f"https://localhost{path}")


def empty_site(data_dir):
    open_workspace(data_dir).close()
    return make_datasette(data_dir)


def test_item1_huge_values_and_results_are_a_quick_400(data_dir):
    datasette = empty_site(data_dir)
    rows = "with recursive r(i) as (select 1 union all select i + 1 from r limit {}) "
    attacks = [
        "select zeroblob(100000000) as b",
        "select length(randomblob(999999999))",
        rows.format(200000) + "select group_concat(printf('%.1000c', 'x')) from r",
        # Each value allowed, but together far more than one page may hold.
        rows.format(1000) + "select zeroblob(3000000) from r",
        # 50 MB of values, under the values budget, but a 300 MB JSON body (\u0000 each).
        rows.format(1000) + "select zeroblob(50000) as b from r",
        # Small values in many cells: two million cells of HTML.
        rows.format(1000) + "select " + ", ".join(["i"] * 1999) + " from r",
    ]
    for sql in attacks:
        for page in ("/public.json", "/public"):
            response = run(datasette.client.get(page, params={"sql": sql}))
            assert response.status_code == 400, (page, sql[-60:])
            assert "too big" in response.text
            # The HTML error page shows the query again (in its form): nothing more.
            assert len(response.content) < 20_000 + 4 * len(sql)
    fine = run(datasette.client.get("/public.json", params={"sql": "select 'ok' as a"}))
    assert fine.status_code == 200 and fine.json()["rows"] == [["ok"]]


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example/x", "/\t/evil.example/x", "//evil.example/x", "/\n/evil.example",
     "https://evil.example/", "javascript:alert(1)", "/%09/evil.example"],
)  # fmt: skip
def test_item4_sign_in_never_redirects_off_site(newsroom_site, target):
    browser = Browser(newsroom_site["datasette"])
    token = browser.token()
    response = browser.post(
        "/-/login",
        {"username": "maria", "password": PASSWORD, "next": target, "csrftoken": token},
        with_token=False,
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location == "/newsroom/-/queue" or (location == target and target.startswith("/%"))
    assert urlsplit(location).netloc == "" and "\\" not in location


def test_item4_sign_in_keeps_a_path_on_this_site(newsroom_site):
    browser = Browser(newsroom_site["datasette"])
    response = browser.post(
        "/-/login", {"username": "maria", "password": PASSWORD, "next": "/newsroom/-/item/i1"}
    )
    assert response.headers["location"] == "/newsroom/-/item/i1"


def test_item7_merging_a_new_community_report_does_not_publish_its_link(data_dir):
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    sliven = place_id(newsroom, "Сливен")
    story = add_story(newsroom, 1, "Училище в Сливен", sliven, "2026-11-01", "ученици")
    curation.decide(newsroom, [story], "approved", actor="test")
    publish(workspace)  # published first: the merge then goes through the incremental path
    report = curation.submit_report(
        newsroom, title="Сигнал", description="Видях нещо", place_id=sliven, event_date=None,
        link="https://private.example/my-family", contact=None, language="bg",
        address="192.0.2.1",
    )  # fmt: skip
    curation.merge(newsroom, story, [report], actor="test")
    publish(workspace)
    sources = json.loads(workspace.public["events"].get(story)["sources"])
    assert "https://news.example/1" in [s["url"] for s in sources]
    assert all("private.example" not in s["url"] for s in sources)
    # Approved, the report is a source like any other.
    curation.decide(newsroom, [report], "approved", actor="test")
    publish(workspace)
    sources = json.loads(workspace.public["events"].get(story)["sources"])
    workspace.close()
    assert "https://private.example/my-family" in [s["url"] for s in sources]


def test_item2_cached_keys_count_and_absurd_urls_are_refused(data_dir, tmp_path):
    datasette = empty_site(data_dir)
    long_query = "_search=" + "x" * 20_000
    refused = run(datasette.client.get(f"/public/events?{long_query}"))
    assert refused.status_code == 414
    assert run(datasette.client.get("/public/events?_search=x")).status_code == 200
    # Below the URL limit, what is kept is counted in full: key, headers and body.
    (tmp_path / "public.db").touch()
    cache = PublicResponseCache(None, tmp_path / "public.db", ("rr_session",))
    store = SharedResponseStore(tmp_path / "store.db", max_bytes=100_000)
    page = (200, [(b"content-type", b"text/plain")], b"tiny")
    for number in range(100):
        key = ("/public/events", f"q={number}&".encode() + b"y" * 15_000, b"h", b"", (1,))
        cache._store(key, page)
        store.put(key, page)
    assert cache.size >= 15_000 * len(cache.entries)
    (kept_size,) = store.conn.execute("select sum(size) from responses").fetchone()
    assert kept_size <= 100_000
    (file_bytes,) = store.conn.execute(
        "select sum(length(key) + length(headers) + length(body)) from responses"
    ).fetchone()
    assert file_bytes <= 100_000


def test_item1_the_page_bound_is_the_publics_editors_read_long_texts(newsroom_site):
    # 1,000 texts of 6,000 letters: within the values budget, past the public page bound.
    sql = (
        "with recursive r(i) as (select 1 union all select i + 1 from r limit 1000)"
        " select printf('%.6000c', 'x') as text from r"
    )
    datasette = newsroom_site["datasette"]
    assert run(datasette.client.get("/public.json", params={"sql": sql})).status_code == 400
    editor = Browser(datasette)
    editor.login("maria")
    assert editor.get("/public.json", params={"sql": sql}).status_code == 400
    answer = editor.get("/newsroom.json", params={"sql": sql, "_shape": "array"})
    assert answer.status_code == 200 and len(answer.json()) == 1000


def test_item3_no_editor_query_reads_credentials(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    assert Browser(newsroom_site["datasette"]).login("maria", "wrong password").status_code == 403
    assert editor.login("admin").status_code == 302  # the store still signs in
    rows = editor.get("/newsroom/users.json?_shape=array").json()
    assert {row["username"] for row in rows} == {"maria", "admin"}
    assert all(row["password_hash"] is None and row["session_version"] is None for row in rows)
    for sql in [
        "select password_hash from users",
        "select group_concat(password_hash) from users",
        "select username, address from login_failures",
        "select key_hash, username from sessions",
    ]:
        response = editor.get("/newsroom.json", params={"sql": sql, "_shape": "array"})
        assert response.status_code == 200, sql
        assert all(value is None for row in response.json() for value in row.values()), sql
    assert "scrypt$" not in editor.get("/newsroom/users").text


def test_item5_root_link_session_expires_is_httponly_and_dies_with_the_server(
    data_dir, monkeypatch
):
    monkeypatch.setenv("ROMAREACT_SECRET", "the same secret before and after the restart")
    datasette = empty_site(data_dir)
    datasette._root_token = "one-time"
    response = run(datasette.client.get(https("/-/auth-token?token=one-time")))
    assert response.status_code == 302
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "max-age=43200" in header and "secure" in header
    cookies = dict(response.cookies)
    users_page = "/newsroom/-/users"
    assert run(datasette.client.get(users_page, cookies=cookies)).status_code == 200
    again = run(datasette.client.get("/-/auth-token?token=one-time"))
    assert again.status_code == 403  # one time only
    restarted = make_datasette(data_dir)  # without --root: no token
    assert run(restarted.client.get(users_page, cookies=cookies)).status_code == 403
    # Datasette's own root cookie, signed with the same secret, opens nothing either.
    forged = {"ds_actor": restarted.sign({"a": {"id": "root"}}, "actor")}
    assert run(restarted.client.get(users_page, cookies=forged)).status_code == 403


def test_item6_sessions_are_kept_rotated_and_ended_on_the_server(newsroom_site):
    datasette, data_dir = newsroom_site["datasette"], newsroom_site["data_dir"]
    first, second = Browser(datasette), Browser(datasette)
    first.login("maria")
    second.login("maria")
    assert first.cookies["rr_session"] != second.cookies["rr_session"]  # new at every sign-in
    assert first.get("/newsroom/-/queue").status_code == 200
    # Expiry is on the server, whatever the browser keeps.
    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    newsroom.execute("update sessions set expires_at = '2000-01-01T00:00:00+00:00'")
    newsroom.conn.commit()
    assert first.get("/newsroom/-/queue").status_code == 403
    first.login("maria")
    kept = dict(first.cookies)
    admin = Browser(datasette)
    admin.login("admin")
    # Disabling the account ends its sessions; enabling it again does not revive them.
    admin.post("/newsroom/-/users", {"username": "maria", "active": "0"})
    admin.post("/newsroom/-/users", {"username": "maria", "active": "1"})
    assert run(datasette.client.get("/newsroom/-/queue", cookies=kept)).status_code == 403
    first.login("maria")
    kept = dict(first.cookies)
    admin.post("/newsroom/-/users", {"username": "maria", "password": "another long password"})
    assert run(datasette.client.get("/newsroom/-/queue", cookies=kept)).status_code == 403
    (issued,) = newsroom.execute("select issued_at from sessions limit 1").fetchone()
    assert issued
    newsroom.close()


def test_item6_session_cookie_is_secure_over_https(newsroom_site):
    datasette = newsroom_site["datasette"]
    page = run(datasette.client.get(https("/-/login")))
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    response = run(
        datasette.client.post(
            https("/-/login"),
            data={"username": "maria", "password": PASSWORD, "csrftoken": token},
            cookies=dict(page.cookies),
        )
    )
    assert response.status_code == 302
    assert "secure" in response.headers["set-cookie"].lower()


HOSTILE_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>one</title><link>https://news.example/1</link></item>
<item><title>bad</title><link>javascript:alert(document.cookie)</link></item>
<item><title>three</title><link>https://news.example/3</link></item>
</channel></rss>"""


def test_item11_one_bad_feed_entry_is_skipped_and_counted(data_dir):
    workspace = open_workspace(data_dir)
    source = {"id": "s", "name": "S", "kind": "feed", "url": "https://news.example/feed"}
    workspace.newsroom["sources"].insert(source)
    crawler = get_crawler(FeedSpider, {"ROMAREACT_FOLLOW_ARTICLES": False})
    spider = FeedSpider.from_crawler(crawler, sources=[source])
    spider.health = HealthRecorder(workspace.newsroom)
    response = XmlResponse(source["url"], body=HOSTILE_FEED)
    urls = [item.url for item in spider.parse_feed(response, source=source)]
    assert urls == ["https://news.example/1", "https://news.example/3"]
    health = workspace.newsroom["source_health"].get("s")
    workspace.close()
    assert health["entries_last"] == 3 and health["bad_entries_last"] == 1
    assert crawler.stats.get_value("romareact/entry_bad_link") == 1


def test_item10_failures_from_elsewhere_do_not_lock_the_editor_out(newsroom_site):
    newsroom = sqlite_utils.Database(newsroom_site["data_dir"] / "newsroom.db")
    for _ in range(20):
        assert users.authenticate(newsroom, "maria", "guess guess guess", "203.0.113.9") is None
    assert users.login_blocked(newsroom, "maria", "203.0.113.9")  # the attacker waits
    newsroom.close()
    editor = Browser(newsroom_site["datasette"])  # from another address
    assert editor.login("maria").status_code == 302


def test_item9_forwarded_headers_only_from_a_named_proxy(tmp_path):
    import uvicorn
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    async def app(scope, receive, send):
        pass

    def loaded(options):
        config = uvicorn.Config(app, **options)
        config.load()
        layers, inner = [], config.loaded_app
        while inner is not None:
            layers.append(inner)
            inner = getattr(inner, "app", None)
        return [layer for layer in layers if isinstance(layer, ProxyHeadersMiddleware)]

    assert loaded(proxy_options()) == []  # not even from localhost
    (proxy,) = loaded(proxy_options(("10.0.0.5",)))
    assert "10.0.0.5" in str(proxy.trusted_hosts.always_trust or proxy.trusted_hosts.trusted_hosts)
    # The cache keeps an https page apart from the same page over http.
    (tmp_path / "public.db").touch()
    made = []

    async def site(scope, receive, send):
        made.append(scope["scheme"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
        await send({"type": "http.response.body", "body": scope["scheme"].encode()})

    cache = PublicResponseCache(site, tmp_path / "public.db", ("rr_session",))

    async def get(scheme):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/feed.atom", "query_string": b"",
                 "scheme": scheme, "headers": [(b"host", b"example.org")]}  # fmt: skip
        await cache(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent)

    assert run(get("https")) == b"https"
    assert run(get("http")) == b"http"
    assert made == ["https", "http"]


def test_item12_internal_pages_are_for_administrators_and_sender_hashes_are_keyed(
    newsroom_site,
):
    datasette = newsroom_site["datasette"]
    pages = ["/-/threads.json", "/-/settings.json", "/-/allow-debug", "/-/messages",
             "/-/patterns", "/-/threads", "/-/settings"]  # fmt: skip
    editor, admin = Browser(datasette), Browser(datasette)
    editor.login("maria")
    admin.login("admin")
    for page in pages:
        assert Browser(datasette).get(page).status_code == 403, page
        assert editor.get(page).status_code == 403, page
        assert admin.get(page).status_code == 200, page
    assert "sql_time_limit_ms" in admin.get("/-/settings.json").text
    assert "path" not in run(datasette.client.get("/-/databases.json")).json()[0]
    # The sender's address is kept as a keyed hash: not the plain SHA-256 of the address.
    visitor = Browser(datasette)
    sent = visitor.post("/submit", {"title": "Сигнал", "description": "Нещо се случи"})
    assert sent.status_code == 302
    newsroom = sqlite_utils.Database(newsroom_site["data_dir"] / "newsroom.db")
    (kept,) = newsroom.execute("select address_hash from submissions").fetchone()
    newsroom.close()
    for address in ("127.0.0.1", "testclient"):
        for text in (address, f"romareact-submission:{address}", f"submission:{address}"):
            assert hashlib.sha256(text.encode()).hexdigest()[:16] != kept


def test_item8_the_changelog_forgets_what_editors_withdrew(data_dir, tmp_path):
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    sliven = place_id(newsroom, "Сливен")
    named = add_story(newsroom, 1, "Нападнаха Иван Петров пред дома му", sliven, "2026-11-01")
    gone = add_story(newsroom, 2, "Слух за уволнения в общината", sliven, "2026-11-02")
    kept = add_story(newsroom, 3, "Нов детски център в Сливен", sliven, "2026-11-03")
    curation.decide(newsroom, [named, gone, kept], "approved", actor="test")
    publish(workspace)
    curation.edit_event(newsroom, named, public_title="Нападение в Сливен", actor="test")
    curation.edit_event(newsroom, gone, unpublished=True, actor="test")
    publish(workspace)  # the incremental path: only the two changed events are read

    def served_text() -> str:
        datasette = make_datasette(data_dir)
        pages = [
            "/public/changelog",
            "/public/changelog.json?_shape=array",
            "/public/changelog.csv",
            "/public.json?sql=select+*+from+changelog",
            "/feed.atom",
            "/public/events?_search=Петров",
        ]
        return "".join(run(datasette.client.get(page)).text for page in pages)

    def withdrawn_in(text: str) -> list[str]:
        return [t for t in ("Иван Петров", "Слух за уволнения") if t in text]

    text = served_text()
    assert withdrawn_in(text) == []
    # Nor does the search index still know the withdrawn words.
    (found,) = workspace.public.execute(
        "select count(*) from events_fts where events_fts match 'петров OR уволнения'"
    ).fetchone()
    assert found == 0
    assert "Нападение в Сливен" in text and "Нов детски център в Сливен" in text
    changes = {(c["event_id"], c["change"]) for c in workspace.public["changelog"].rows}
    assert {(gone, "removed"), (named, "updated"), (kept, "added")} <= changes
    # A full comparison, and the next snapshot's changes file, bring nothing back either.
    export_public(newsroom, workspace.public, full=True)
    assert withdrawn_in(served_text()) == []
    make_snapshot(workspace.public, tmp_path / "downloads")
    files = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "downloads").glob("*.csv"))
    workspace.close()
    assert withdrawn_in(files) == []


def test_item8_public_migration_8_withdraws_titles_kept_before(data_dir):
    from romareact.db import PUBLIC_MIGRATIONS, migrate, open_public

    public = open_public(data_dir / "public.db")
    public["events"].insert({"id": "e1", "title": "Сега"}, alter=True)
    public["changelog"].insert_all([
        {"at": "2026-01-01", "event_id": "e1", "change": "added", "title": "Преди"},
        {"at": "2026-01-01", "event_id": "e2", "change": "added", "title": "Иван Петров"},
        {"at": "2026-01-02", "event_id": "e2", "change": "removed", "title": "Иван Петров"},
    ])  # fmt: skip
    public.execute("delete from _migrations where id = 8")
    assert migrate(public, PUBLIC_MIGRATIONS) == [8]
    titles = [r["title"] for r in public["changelog"].rows]
    plan = public.execute(
        "explain query plan update changelog set title = null where event_id = 'e2'"
    ).fetchall()
    public.close()
    assert titles == ["Сега", None, None]
    assert "changelog_event" in str(plan)
