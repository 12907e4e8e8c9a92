"""The newsroom in Datasette, in-process: who may see and do what, and what each editor
action does to the public database."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
import sqlite_utils
from test_open_dataset import add_story, place_id

from romareact.publish import export_public, refresh_events
from romareact.serve import make_datasette
from romareact.users import add_user
from romareact.workspace import open_workspace

PASSWORD = "correct horse battery"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def run(coroutine):
    return asyncio.run(coroutine)


class Browser:
    """A visitor of one Datasette instance, keeping cookies between requests."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.cookies: dict[str, str] = {}

    def _keep(self, response):
        # From the headers: httpx leaves out a cookie being deleted (Max-Age=0).
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path, **kwargs):
        return self._keep(run(self.datasette.client.get(path, cookies=self.cookies, **kwargs)))

    def post(self, path, data, headers=None, with_token=True):
        if with_token:
            data = {**data, "csrftoken": self.token()}
        return self._keep(
            run(
                self.datasette.client.post(
                    path, data=data, cookies=self.cookies, headers=headers or {}
                )
            )
        )

    def token(self) -> str:
        page = self.get("/-/login").text
        return re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)

    def login(self, username, password=PASSWORD):
        return self.post("/-/login", {"username": username, "password": password})


@pytest.fixture
def newsroom_site(data_dir):
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    add_user(newsroom, "maria", PASSWORD, "editor", actor="test")
    add_user(newsroom, "admin", PASSWORD, "admin", actor="test")
    sliven = place_id(newsroom, "Сливен")
    add_story(newsroom, 1, "Училище в Сливен", sliven, "2026-11-01", "ученици", source="a")
    add_story(newsroom, 2, "Клиника в Ямбол", place_id(newsroom, "Ямбол"), "2026-11-02",
              "клиника", source="b")  # fmt: skip
    add_story(newsroom, 3, HOSTILE, sliven, "2026-11-03", "текст", source="c")
    # Same story as item 1, told by another outlet.
    add_story(newsroom, 4, "Ученици от Сливен", sliven, "2026-11-01", "ученици", source="d")
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    workspace.close()
    return {"data_dir": data_dir, "datasette": make_datasette(data_dir)}


def public_events(data_dir) -> dict[str, dict]:
    public = sqlite_utils.Database(data_dir / "public.db")
    try:
        return {row["id"]: row for row in public["events"].rows}
    finally:
        public.close()


def newsroom_db(data_dir):
    return sqlite_utils.Database(data_dir / "newsroom.db")


# ---- what anonymous visitors cannot do ----

NEWSROOM_PAGES = [
    "/newsroom", "/newsroom.json", "/newsroom/items", "/newsroom/items.csv",
    "/newsroom/users.json", "/newsroom/submissions", "/newsroom/audit_log",
    "/newsroom.json?sql=select+*+from+users", "/newsroom/-/queue", "/newsroom/-/item/i1",
    "/newsroom/-/users", "/newsroom/-/sources", "/newsroom/-/audit",
]  # fmt: skip


@pytest.mark.parametrize("path", NEWSROOM_PAGES)
def test_anonymous_visitors_cannot_open_the_newsroom(newsroom_site, path):
    assert Browser(newsroom_site["datasette"]).get(path).status_code == 403


def test_nothing_unpublished_reaches_the_public_side(newsroom_site):
    # New items wait for an editor: the public database is empty.
    assert public_events(newsroom_site["data_dir"]) == {}
    visitor = Browser(newsroom_site["datasette"])
    assert visitor.get("/public/events.json?_shape=array").json() == []
    assert "Училище" not in visitor.get("/map/data/details/0.js").text


@pytest.mark.parametrize(
    "path",
    [
        "/newsroom/-/queue/decide",
        "/newsroom/-/item/i1/decide",
        "/newsroom/-/item/i1/relocate",
        "/newsroom/-/item/i1/merge",
        "/newsroom/-/users",
        "/newsroom/-/sources",
    ],
)
def test_anonymous_writes_are_refused(newsroom_site, path):
    visitor = Browser(newsroom_site["datasette"])
    response = visitor.post(path, {"item": "i1", "decision": "approved", "place_id": "x"})
    assert response.status_code == 403
    assert public_events(newsroom_site["data_dir"]) == {}


def test_writes_without_csrf_or_from_another_site_are_refused(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    assert editor.login("maria").status_code == 302
    form = {"item": "i1", "decision": "approved"}
    # No token at all.
    no_token = editor.post("/newsroom/-/queue/decide", form, with_token=False)
    assert no_token.status_code == 403
    # A token, but the request comes from another site.
    cross = editor.post("/newsroom/-/queue/decide", form,
                        headers={"Origin": "https://evil.example"})  # fmt: skip
    assert cross.status_code == 403
    fetched = editor.post("/newsroom/-/queue/decide", form,
                          headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert fetched.status_code == 403
    # GET never changes anything.
    assert editor.get("/newsroom/-/queue/decide?item=i1&decision=approved").status_code == 403
    assert newsroom_db(newsroom_site["data_dir"])["items"].get("i1")["status"] == "new"


def test_cookieless_posts_are_refused_too(newsroom_site):
    visitor = Browser(newsroom_site["datasette"])
    response = run(
        newsroom_site["datasette"].client.post(
            "/submit", data={"title": "t", "description": "d", "csrftoken": "anything"}
        )
    )
    assert response.status_code == 403
    assert not newsroom_db(newsroom_site["data_dir"])["submissions"].count
    assert visitor.get("/submit").status_code == 200


# ---- signing in ----


def test_login_logout_and_wrong_passwords(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    assert editor.login("maria", "wrong password").status_code == 403
    assert "rr_session" not in editor.cookies
    assert editor.login("maria").status_code == 302
    assert editor.get("/newsroom/-/queue").status_code == 200
    assert editor.get("/newsroom/items.json").status_code == 200
    assert editor.post("/-/logout", {}).status_code == 302
    assert editor.get("/newsroom/-/queue").status_code == 403


def test_repeated_failures_are_throttled(newsroom_site):
    attacker = Browser(newsroom_site["datasette"])
    for _ in range(5):
        assert attacker.login("maria", "guess guess guess").status_code == 403
    # Even the right password waits now.
    assert attacker.login("maria").status_code == 429
    assert attacker.get("/newsroom/-/queue").status_code == 403


def test_editors_cannot_manage_users_admins_can(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    assert editor.get("/newsroom/-/users").status_code == 403
    add = {"action": "add", "username": "ivan", "password": PASSWORD, "role": "admin"}
    assert editor.post("/newsroom/-/users", add).status_code == 403
    admin = Browser(newsroom_site["datasette"])
    admin.login("admin")
    assert admin.get("/newsroom/-/users").status_code == 200
    assert admin.post("/newsroom/-/users", add).status_code == 302
    assert admin.post("/newsroom/-/users", {"username": "maria", "active": "0"}).status_code == 302
    # A disabled editor's session ends at once.
    assert editor.get("/newsroom/-/queue").status_code == 403
    assert Browser(newsroom_site["datasette"]).login("ivan").status_code == 302


def test_admins_disable_and_enable_sources(newsroom_site):
    admin = Browser(newsroom_site["datasette"])
    admin.login("admin")
    assert admin.post("/newsroom/-/sources", {"source": "a", "enabled": "0"}).status_code == 302
    newsroom = newsroom_db(newsroom_site["data_dir"])
    assert newsroom["sources"].get("a")["enabled"] == 0
    log = list(newsroom.query("select * from audit_log where action = 'source.disabled'"))
    assert [(e["actor"], e["row_id"]) for e in log] == [("admin", "a")]
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    assert editor.post("/newsroom/-/sources", {"source": "a", "enabled": "1"}).status_code == 403
    assert newsroom["sources"].get("a")["enabled"] == 0


def test_sessions_survive_a_restart_only_with_a_configured_secret(data_dir, monkeypatch):
    workspace = open_workspace(data_dir)
    add_user(workspace.newsroom, "maria", PASSWORD, "editor", actor="test")
    workspace.close()
    monkeypatch.setenv("ROMAREACT_SECRET", "a-long-configured-secret")
    first = Browser(make_datasette(data_dir))
    first.login("maria")
    restarted = Browser(make_datasette(data_dir))
    restarted.cookies = dict(first.cookies)
    assert restarted.get("/newsroom/-/queue").status_code == 200
    monkeypatch.delenv("ROMAREACT_SECRET")
    other = Browser(make_datasette(data_dir))
    other.cookies = dict(first.cookies)
    assert other.get("/newsroom/-/queue").status_code == 403


# ---- curation, and the public side following ----


def test_bulk_approve_and_reject_with_reason(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    queue = editor.get("/newsroom/-/queue").text
    assert 'data-count="new">4<' in queue
    response = editor.post("/newsroom/-/queue/decide", {"item": "i1,i2", "decision": "approved"})
    assert response.status_code == 302
    events = public_events(newsroom_site["data_dir"])
    assert set(events) == {"i1", "i2"}
    assert all(e["review_status"] == "approved" for e in events.values())
    reject = {"item": "i2", "decision": "rejected", "reason": "дублира друга новина"}
    editor.post("/newsroom/-/queue/decide", reject)
    assert set(public_events(newsroom_site["data_dir"])) == {"i1"}
    newsroom = newsroom_db(newsroom_site["data_dir"])
    assert newsroom["items"].get("i2")["reject_reason"] == "дублира друга новина"
    log = list(newsroom.query("select * from audit_log where action = 'item.rejected'"))
    assert log[0]["actor"] == "maria" and "дублира" in log[0]["after"]
    assert editor.get("/newsroom/audit_log").status_code == 200


def test_relocate_to_a_namesake_and_drop_a_pin(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    editor.post("/newsroom/-/item/i2/decide", {"decision": "approved"})
    newsroom = newsroom_db(newsroom_site["data_dir"])
    target = place_id(newsroom, "Сливен")
    assert editor.post("/newsroom/-/item/i2/relocate", {"place_id": target}).status_code == 302
    assert public_events(newsroom_site["data_dir"])["i2"]["place"] == "Сливен"
    response = editor.post("/newsroom/-/item/i2/pin", {"lat": "42.4801", "lon": "26.5012"})
    assert response.status_code == 302
    event = public_events(newsroom_site["data_dir"])["i2"]
    assert (event["lat"], event["lon"], event["precision"]) == (42.4801, 26.5012, "point")
    assert event["place"] == "Ямбол"  # the nearest settlement
    assert editor.post("/newsroom/-/item/i2/pin", {"lat": "48.1", "lon": "11.5"}).status_code == 400


def test_merge_split_edit_sensitive_unpublish(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    editor.post("/newsroom/-/queue/decide", {"item": "i1,i4", "decision": "approved"})
    assert set(public_events(newsroom_site["data_dir"])) == {"i1", "i4"}
    assert editor.post("/newsroom/-/item/i1/merge", {"item": "i4"}).status_code == 302
    events = public_events(newsroom_site["data_dir"])
    assert set(events) == {"i1"}
    assert "news.example/1" in events["i1"]["sources"]
    assert "news.example/4" in events["i1"]["sources"]
    edit = {"category": "education", "tags": "Училища, деца", "public_title": "Ново заглавие",
            "public_excerpt": "Кратко.", "sensitive": "1"}  # fmt: skip
    assert editor.post("/newsroom/-/item/i1/edit", edit).status_code == 302
    event = public_events(newsroom_site["data_dir"])["i1"]
    assert (event["title"], event["excerpt"], event["category"], event["tags"]) == (
        "Ново заглавие", "Кратко.", "education", "деца, училища")  # fmt: skip
    assert event["sensitive"] == 1
    assert editor.post("/newsroom/-/item/i4/split", {}).status_code == 302
    assert set(public_events(newsroom_site["data_dir"])) == {"i1", "i4"}
    assert editor.post("/newsroom/-/item/i1/edit", {"unpublished": "1"}).status_code == 302
    assert set(public_events(newsroom_site["data_dir"])) == {"i4"}
    changes = list(sqlite_utils.Database(newsroom_site["data_dir"] / "public.db")["changelog"].rows)
    assert ("i1", "removed") in [(c["event_id"], c["change"]) for c in changes]


def test_hostile_titles_render_inert_in_the_newsroom(newsroom_site):
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    for path in ("/newsroom/-/queue", "/newsroom/-/item/i3"):
        page = editor.get(path).text
        assert HOSTILE not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def _submit(browser, **fields):
    form = {"title": "Изселване в махалата", "place": "Ямбол", "date": "2026-11-20",
            "description": "Общината събори три къщи.", "contact": "0888 123 456 Мария",
            "lang": "bg", **fields}  # fmt: skip
    return browser.post("/submit", form)


def test_a_submission_goes_to_the_queue_not_the_public(newsroom_site):
    visitor = Browser(newsroom_site["datasette"])
    assert _submit(visitor).status_code == 302
    assert "Благодарим" in visitor.get("/submit?sent=1").text
    newsroom = newsroom_db(newsroom_site["data_dir"])
    submission = next(newsroom.query("select * from submissions"))
    item = newsroom["items"].get(submission["item_id"])
    assert item["source_id"] == "community" and item["status"] == "new"
    assert public_events(newsroom_site["data_dir"]) == {}
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    assert 'data-tag="report"' in editor.get("/newsroom/-/queue").text
    assert "0888 123 456" in editor.get(f"/newsroom/-/item/{item['id']}").text
    editor.post(f"/newsroom/-/item/{item['id']}/decide", {"decision": "approved"})
    event = public_events(newsroom_site["data_dir"])[item["id"]]
    assert event["place"] == "Ямбол" and event["excerpt"] is None
    dumped = "\n".join(sqlite_utils.Database(newsroom_site["data_dir"] / "public.db").iterdump())
    assert "0888" not in dumped and "Мария" not in dumped


def test_submission_spam_protection(newsroom_site):
    bot = Browser(newsroom_site["datasette"])
    assert _submit(bot, website="http://spam.example").status_code == 302
    assert not newsroom_db(newsroom_site["data_dir"])["submissions"].count
    for _ in range(5):
        assert _submit(bot).status_code == 302
    assert _submit(bot).status_code == 429
    assert newsroom_db(newsroom_site["data_dir"])["submissions"].count == 5


def test_the_form_speaks_both_languages(newsroom_site):
    visitor = Browser(newsroom_site["datasette"])
    assert "Съобщете за събитие" in visitor.get("/submit").text
    assert "Report an event" in visitor.get("/submit?lang=en").text


def test_the_item_page_shows_an_unsure_place_with_its_candidates(newsroom_site):
    newsroom = newsroom_db(newsroom_site["data_dir"])
    weighed = [
        {"id": "x1", "name": "Каменар", "province": "Бургас", "lat": 42.6, "lon": 27.3},
        {"id": "x2", "name": "Каменар", "province": "<b>Варна</b>", "lat": 43.2, "lon": 27.9},
    ]
    newsroom.execute(
        "update mentions set needs_review = 1, candidates = ? where item_id = 'i2'",
        [json.dumps(weighed, ensure_ascii=False)],
    )
    newsroom.conn.commit()
    editor = Browser(newsroom_site["datasette"])
    editor.login("maria")
    page = editor.get("/newsroom/-/item/i2").text
    assert "Несигурно място" in page
    assert "Каменар — Бургас" in page
    assert "&lt;b&gt;Варна&lt;/b&gt;" in page  # escaped on the way out
    assert "Несигурно място" not in editor.get("/newsroom/-/item/i1").text
