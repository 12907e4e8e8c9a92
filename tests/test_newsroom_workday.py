"""An editor's working day in the newsroom, in-process (issue 20): one language at a time,
remembered per editor; a message after every action and one step of undo; merges offered,
compared and kept as chosen; community reports placed like news."""

from __future__ import annotations

import json
import re

import pytest
import sqlite_utils
from test_newsroom import PASSWORD, Browser, newsroom_db, public_events
from test_open_dataset import add_story, place_id

from romareact import merging
from romareact.newsroom_text import TEXT
from romareact.publish import export_public, refresh_events
from romareact.serve import make_datasette
from romareact.users import add_user
from romareact.workspace import open_workspace

FLOOD_TEXT = (
    "Водата на Дунав заля къщите в ромската махала на Дунавци край Видин през нощта. "
    "Общината изведе семействата в училището и раздава храна и одеяла. Кметът каза, че "
    "помощта ще продължи, докато водата се оттегли, а къщите бъдат проверени от инженери."
)


def _place(newsroom, name, province):
    return next(newsroom.query(
        "select id from places where kind = 'settlement' and name = ? and province = ?",
        [name, province]))["id"]  # fmt: skip


@pytest.fixture
def site(data_dir):
    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    add_user(newsroom, "maria", PASSWORD, "editor", actor="test")
    add_user(newsroom, "ivan", PASSWORD, "editor", actor="test")
    vidin = _place(newsroom, "Дунавци", "Видин")
    add_story(newsroom, 1, "Наводнение в Дунавци край Видин", vidin, "2026-11-10", FLOOD_TEXT,
              source="bta")  # fmt: skip
    # The same flood by another outlet, two days later.
    add_story(newsroom, 2, "Дунавци: семейства без дом след наводнението", vidin, "2026-11-12",
              FLOOD_TEXT + " Доброволци събират дрехи.", source="bnr")  # fmt: skip
    kindergarten = _place(newsroom, "Дунавци", "Стара Загора")
    add_story(newsroom, 3, "Нова детска градина в Дунавци", kindergarten, "2026-11-25",
              "Детската градина отвори врати за четиридесет деца.", source="sega")  # fmt: skip
    add_story(newsroom, 4, "Клиника в Ямбол", place_id(newsroom, "Ямбол"), "2026-11-02", "клиника")
    from romareact.clusters import index_sketch, sketch

    for item_id in ("i1", "i2"):
        mine = sketch(newsroom["items"].get(item_id)["full_text"])
        newsroom["items"].update(item_id, {"sketch": json.dumps(mine)})
        index_sketch(newsroom, item_id, mine)
    newsroom.conn.commit()
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    workspace.close()
    return {"data_dir": data_dir, "datasette": make_datasette(data_dir)}


def _editor(site, name="maria"):
    editor = Browser(site["datasette"])
    assert editor.login(name).status_code == 302
    return editor


def _messages(page: str) -> list[str]:
    return re.findall(r'<p class="message-(?:info|warning|error)">([^<]*)</p>', page)


def _do(editor, path: str, form: dict) -> list[str]:
    """POST as the browser does, follow the redirect, and read the messages shown."""
    response = editor.post(path, form)
    assert response.status_code == 302, response.text
    return _messages(editor.get(response.headers["location"]).text)


# ---- one language at a time ----


def test_the_newsroom_speaks_one_language_and_remembers_each_editors_choice(site):
    maria = _editor(site)
    page = maria.get("/newsroom/-/queue").text
    assert '<html lang="bg">' in page and "Опашка за преглед" in page
    assert "Review queue" not in page and "Approve selected" not in page
    assert ">нов<" in page  # status values are words of the language, not "new"
    assert maria.post("/newsroom/-/language", {"language": "en"}).status_code == 302
    page = maria.get("/newsroom/-/queue").text
    assert '<html lang="en">' in page and "Review queue" in page
    assert "Опашка за преглед" not in page and ">new<" in page
    item = maria.get("/newsroom/-/item/i1").text
    assert "Approve" in item and "Одобри" not in item
    # Remembered: a new session of the same editor, and nobody else's.
    assert "Review queue" in _editor(site).get("/newsroom/-/queue").text
    assert "Опашка за преглед" in _editor(site, "ivan").get("/newsroom/-/queue").text
    log = list(newsroom_db(site["data_dir"]).query(
        "select * from audit_log where action = 'user.language'"))  # fmt: skip
    assert [(e["actor"], json.loads(e["after"])) for e in log] == [("maria", {"language": "en"})]


def test_every_label_has_both_languages():
    for key, (bg, en) in TEXT.items():
        assert bg and en, key
        assert sorted(re.findall(r"{\w+}", bg)) == sorted(re.findall(r"{\w+}", en)), key


def test_switching_language_needs_a_signed_in_editor_and_csrf(site):
    visitor = Browser(site["datasette"])
    assert visitor.post("/newsroom/-/language", {"language": "en"}).status_code == 403
    maria = _editor(site)
    assert (
        maria.post("/newsroom/-/language", {"language": "en"}, with_token=False).status_code == 403
    )
    assert newsroom_db(site["data_dir"])["users"].get("maria")["language"] is None


# ---- feedback and undo ----


def test_approve_says_what_changed_and_can_be_undone_once(site):
    maria = _editor(site)
    response = maria.post("/newsroom/-/queue/decide", {"item": "i1,i4", "decision": "approved"})
    assert response.status_code == 302
    page = maria.get(response.headers["location"]).text
    assert _messages(page) == ["Одобрени: 2."]
    assert 'id="rr-undo"' in page
    assert set(public_events(site["data_dir"])) >= {"i1", "i4"}
    # The message is shown once; the undo offer goes with it.
    again = maria.get("/newsroom/-/queue").text
    assert _messages(again) == [] and 'id="rr-undo"' not in again
    reject = {"item": "i4", "decision": "rejected", "reason": "дублира"}
    assert _do(maria, "/newsroom/-/queue/decide", reject) == ["Отхвърлени: 1."]
    # Undo the rejection: i4 is approved again (its state before), i1 untouched.
    assert _do(maria, "/newsroom/-/undo", {}) == ["Отменено: 1 материала са както преди."]
    items = newsroom_db(site["data_dir"])["items"]
    assert items.get("i4")["status"] == "approved" and items.get("i4")["reject_reason"] is None
    assert items.get("i1")["status"] == "approved"
    # One step only: a second undo has nothing left.
    assert "Няма какво да се отмени" in _do(maria, "/newsroom/-/undo", {})[0]
    actions = [
        r["action"]
        for r in newsroom_db(site["data_dir"]).query(
            "select action from audit_log where row_id = 'i4' and action like 'item.%' order by id"
        )
    ]
    assert actions == ["item.approved", "item.rejected", "item.undone"]


def test_undo_leaves_alone_what_someone_decided_since(site):
    maria, ivan = _editor(site), _editor(site, "ivan")
    _do(maria, "/newsroom/-/queue/decide", {"item": "i1,i4", "decision": "approved"})
    _do(ivan, "/newsroom/-/queue/decide", {"item": "i4", "decision": "rejected"})
    assert _do(maria, "/newsroom/-/undo", {}) == ["Отменено: 1 материала са както преди."]
    items = newsroom_db(site["data_dir"])["items"]
    assert items.get("i1")["status"] == "new"
    assert items.get("i4")["status"] == "rejected"  # ivan's decision stands
    # ivan's own undo takes back his rejection, to the approval it replaced.
    _do(ivan, "/newsroom/-/undo", {})
    assert items.get("i4")["status"] == "approved"


def test_item_actions_answer_with_a_message(site):
    maria = _editor(site)
    assert _do(maria, "/newsroom/-/item/i4/decide", {"decision": "approved"}) == ["Одобрени: 1."]
    sliven = place_id(newsroom_db(site["data_dir"]), "Сливен")
    moved = _do(maria, "/newsroom/-/item/i4/relocate", {"place_id": sliven})
    assert moved == ["Мястото е Сливен (Сливен)."]
    edit = {"category": "education", "tags": "клиника"}
    saved = _do(maria, "/newsroom/-/item/i4/edit", edit)
    assert saved == ["Запазено: тема, етикети."]
    assert _do(maria, "/newsroom/-/item/i4/edit", edit) == ["Нищо не се промени."]
    outside = {"lat": "48.1", "lon": "11.5", "back_to": "/newsroom/-/item/i4"}
    assert _do(maria, "/newsroom/-/item/i4/pin", outside)[0].startswith("Не е направено")
    assert _do(maria, "/newsroom/-/language", {"language": "en"}) == [
        "The newsroom is now in English."
    ]
    split = _do(maria, "/newsroom/-/queue/decide", {"item": "i4", "decision": "new"})
    assert split == ["Reopened 1."]


# ---- merges ----


def test_likely_same_story_items_are_offered(site):
    newsroom = newsroom_db(site["data_dir"])
    offered = merging.candidates(newsroom, "i1")
    assert [c["id"] for c in offered][:1] == ["i2"]
    assert offered[0]["same_place"] and offered[0]["days"] == 2 and offered[0]["text"] > 0.4
    assert "i3" not in [c["id"] for c in offered]  # another province's Дунавци, another story
    page = _editor(site).get("/newsroom/-/item/i1").text
    assert 'href="/newsroom/-/item/i1/compare?with=i2"' in page


def test_a_merge_across_provinces_warns_and_keeps_the_story_you_are_on(site):
    maria = _editor(site)
    maria.post("/newsroom/-/queue/decide", {"item": "i1,i3", "decision": "approved"})
    page = maria.get("/newsroom/-/item/i1/compare?with=i3").text
    assert 'data-warning="merge.warn_province"' in page
    assert "различни области (Видин и Стара Загора)" in page
    assert 'data-warning="merge.warn_days"' in page  # 15 days apart
    # Merging with the defaults keeps this story's title and place.
    message = _do(maria, "/newsroom/-/item/i1/merge", {"item": "i3"})[0]
    assert "Наводнение в Дунавци край Видин" in message and "Дунавци" in message
    event = public_events(site["data_dir"])["i1"]
    assert event["title"] == "Наводнение в Дунавци край Видин" and event["province"] == "Видин"
    assert "i3" not in public_events(site["data_dir"])


def test_a_merge_keeps_what_the_editor_chose_from_each_side(site):
    maria = _editor(site)
    _do(maria, "/newsroom/-/queue/decide", {"item": "i1,i2", "decision": "approved"})
    _do(maria, "/newsroom/-/item/i2/edit", {"category": "housing"})
    _do(maria, "/newsroom/-/item/i1/edit", {"category": "health"})
    form = {"item": "i2", "keep_title": "that", "keep_place": "this", "keep_category": "that"}
    merged = _do(maria, "/newsroom/-/item/i1/merge", form)
    assert merged == [
        "Обединени: 2 материала вече са една история; събитието запазва "
        "„Дунавци: семейства без дом след наводнението“, Дунавци."
    ]
    event = public_events(site["data_dir"])["i1"]
    assert event["title"] == "Дунавци: семейства без дом след наводнението"
    assert event["province"] == "Видин" and event["category"] == "housing"
    assert len(json.loads(event["sources"])) == 2
    # A later refresh keeps the chosen lead.
    workspace = open_workspace(site["data_dir"])
    workspace.newsroom.execute("insert or ignore into story_changes (story) values ('i1')")
    workspace.newsroom.conn.commit()
    refresh_events(workspace.newsroom)
    export_public(workspace.newsroom, workspace.public)
    workspace.close()
    assert public_events(site["data_dir"])["i1"]["title"].startswith("Дунавци: семейства")
    log = newsroom_db(site["data_dir"])
    assert log["audit_log"].count_where("action = 'story.merge_kept' and actor = 'maria'") == 1


def test_merging_needs_login_and_csrf(site):
    visitor = Browser(site["datasette"])
    assert visitor.get("/newsroom/-/item/i1/compare?with=i2").status_code == 403
    maria = _editor(site)
    refused = maria.post("/newsroom/-/item/i1/merge", {"item": "i2"}, with_token=False)
    assert refused.status_code == 403
    assert newsroom_db(site["data_dir"])["items"].get("i2")["cluster_id"] != "i1"


# ---- community reports ----


@pytest.mark.parametrize(
    "typed, place, quarter",
    [
        ("Sliven, kv. Nadejda", "Сливен", "Надежда"),
        ("Сливен, кв. Надежда", "Сливен", "Надежда"),
        ("Sliven", "Сливен", None),
        ("Stolipinovo", "Пловдив", "Столипиново"),
    ],
)
def test_a_report_is_placed_from_what_the_reporter_typed(site, typed, place, quarter):
    visitor = Browser(site["datasette"])
    form = {"title": "Families left without water", "place": typed, "lang": "en",
            "description": "The water was cut off for the whole street."}  # fmt: skip
    assert visitor.post("/submit", form).status_code == 302
    newsroom = newsroom_db(site["data_dir"])
    submission = next(newsroom.query("select * from submissions"))
    assert submission["place_text"] == typed
    primary = next(newsroom.query(
        "select places.* from mentions join places on places.id = mentions.place_id "
        "where item_id = ? and is_primary = 1", [submission["item_id"]]))  # fmt: skip
    assert (primary["name"] if primary["kind"] != "neighbourhood" else quarter) == (
        quarter or place
    )
    page = _editor(site).get(f"/newsroom/-/item/{submission['item_id']}").text
    assert f'id="rr-typed-place">{typed}<' in page


def test_a_report_naming_a_namesake_shows_the_candidates(site):
    visitor = Browser(site["datasette"])
    form = {"title": "Flood", "place": "Dunavtsi", "lang": "en", "description": "Houses flooded."}
    visitor.post("/submit", form)
    item_id = next(newsroom_db(site["data_dir"]).query("select item_id from submissions"))[
        "item_id"
    ]
    page = _editor(site).get(f"/newsroom/-/item/{item_id}").text
    assert "Несигурно място" in page and "Дунавци — Видин" in page and "Стара Загора" in page


def test_approving_a_report_without_a_place_says_so_plainly(site):
    visitor = Browser(site["datasette"])
    form = {"title": "Something happened", "place": "", "lang": "en",
            "description": "Nobody said where."}  # fmt: skip
    visitor.post("/submit", form)
    item_id = next(newsroom_db(site["data_dir"]).query("select item_id from submissions"))[
        "item_id"
    ]
    maria = _editor(site)
    said = _do(maria, f"/newsroom/-/item/{item_id}/decide", {"decision": "approved"})
    assert said == ["Одобрени: 1; 1 от тях още нямат място и не са на картата."]
    page = maria.get(f"/newsroom/-/item/{item_id}").text
    assert "Още няма събитие: одобрете материала." not in page
    assert "Одобрен, но още не е на картата: няма място." in page
    assert item_id not in public_events(site["data_dir"])


def test_the_public_never_sees_what_the_reporter_typed(site):
    visitor = Browser(site["datasette"])
    form = {"title": "Eviction", "place": "Sliven, kv. Nadejda 12, blok 3", "lang": "en",
            "description": "Three families evicted."}  # fmt: skip
    visitor.post("/submit", form)
    item_id = next(newsroom_db(site["data_dir"]).query("select item_id from submissions"))[
        "item_id"
    ]
    _editor(site).post(f"/newsroom/-/item/{item_id}/decide", {"decision": "approved"})
    assert item_id in public_events(site["data_dir"])
    dumped = "\n".join(sqlite_utils.Database(site["data_dir"] / "public.db").iterdump())
    assert "blok 3" not in dumped
