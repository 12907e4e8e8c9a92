"""Costs that follow what changed, not the newsroom's size: incremental publishing, counts
kept by triggers, and an index behind every query on the write path and the queue
(benchmarks/scale.py measures the times; these tests check the behaviour behind them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_open_dataset import add_story, place_id

from crawlers.pipelines import write_item
from romareact import curation
from romareact.clusters import find_cluster
from romareact.db import ITEM_STATUSES, write_transaction
from romareact.publish import (
    _ELIGIBLE_ITEMS,
    _PUBLIC_ROWS,
    export_public,
    refresh_events,
    set_publish_unreviewed,
)
from romareact.sources import health_report
from romareact.workspace import open_workspace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "datasette" / "plugins"))
import romareact_newsroom as newsroom_plugin

STORIES = 30


@pytest.fixture
def workspace(data_dir):
    workspace = open_workspace(data_dir)
    sliven = place_id(workspace.newsroom, "Сливен")
    for n in range(1, STORIES + 1):
        add_story(workspace.newsroom, n, f"Новина {n}", sliven, text=f"текст {n}")
    curation.decide(workspace.newsroom, [f"i{n}" for n in range(1, 21)], "approved", "test")
    refresh_events(workspace.newsroom)
    export_public(workspace.newsroom, workspace.public)
    yield workspace
    workspace.close()


def _watch_public_writes(public) -> None:
    """Record in a temporary table every public event row this connection writes."""
    public.executescript(
        """
        create temp table touched (id text, how text);
        create temp trigger touched_ai after insert on main.events
          begin insert into touched values (new.id, 'insert'); end;
        create temp trigger touched_au after update on main.events
          begin insert into touched values (new.id, 'update'); end;
        create temp trigger touched_ad after delete on main.events
          begin insert into touched values (old.id, 'delete'); end;
        """
    )


def _touched(public) -> set[str]:
    return {row[0] for row in public.execute("select id from touched")}


def test_a_publish_with_nothing_changed_reads_and_writes_nothing(workspace):
    newsroom, public = workspace.newsroom, workspace.public
    assert newsroom.execute("select count(*) from story_changes").fetchone()[0] == 0
    assert newsroom.execute("select count(*) from publish_pending").fetchone()[0] == 0
    _watch_public_writes(public)
    before = public.conn.total_changes
    assert refresh_events(newsroom) == {"changed": 0, "removed": 0, "total": 20}
    assert export_public(newsroom, public) == 20
    assert public.conn.total_changes == before
    assert _touched(public) == set()


def _audit_rows(newsroom) -> list[tuple[str, str | None]]:
    return newsroom.execute("select action, row_id from audit_log order by id").fetchall()


def test_publishing_unreviewed_writes_one_audit_row_while_every_event_follows(workspace):
    newsroom = workspace.newsroom
    curation.decide(newsroom, ["i30"], "approved", "maria")  # noted before the toggle
    log = len(_audit_rows(newsroom))
    counts = set_publish_unreviewed(newsroom, True, actor="cli")
    assert counts["changed"] == STORIES - 21  # i21..i29 gain their unreviewed event
    assert newsroom["events"].count == STORIES
    new_rows = _audit_rows(newsroom)[log:]
    # The approval made before keeps its own row; the toggle is one row for nine events.
    assert new_rows == [("event.created", "i30"), ("settings.changed", "publish_unreviewed")]
    decision = newsroom.execute(
        "select after from audit_log where action = 'settings.changed' order by id desc"
    ).fetchone()[0]
    assert '"events_changed": 9' in decision

    log = len(_audit_rows(newsroom))
    assert set_publish_unreviewed(newsroom, False, actor="cli")["removed"] == STORIES - 21
    assert newsroom["events"].count == 21
    assert _audit_rows(newsroom)[log:] == [("settings.changed", "publish_unreviewed")]
    # Ordinary changes after the toggle are audited one by one again.
    curation.decide(newsroom, ["i22"], "approved", "maria")
    refresh_events(newsroom)
    assert ("event.created", "i22") in _audit_rows(newsroom)


def test_an_approval_re_exports_only_its_event(workspace):
    newsroom, public = workspace.newsroom, workspace.public
    _watch_public_writes(public)
    changelog = public["changelog"].count
    curation.decide(newsroom, ["i25"], "approved", "maria")
    assert newsroom.execute("select story from story_changes").fetchall() == [("i25",)]
    assert refresh_events(newsroom)["changed"] == 1
    assert export_public(newsroom, public) == 21
    assert _touched(public) == {"i25"}
    assert public["changelog"].count == changelog + 1
    # A rejection removes just that one.
    curation.decide(newsroom, ["i3"], "rejected", "maria")
    refresh_events(newsroom)
    public.execute("delete from touched")
    assert export_public(newsroom, public) == 20
    assert _touched(public) == {"i3"}
    assert "i3" not in {row["id"] for row in public["events"].rows}


def test_a_second_source_joining_a_story_updates_its_public_sources(workspace):
    newsroom, public = workspace.newsroom, workspace.public
    add_story(newsroom, 99, "Същото от друг вестник", place_id(newsroom, "Сливен"),
              source="other")  # fmt: skip
    newsroom["items"].update("i99", {"cluster_id": "i1", "status": "approved"})
    refresh_events(newsroom)
    _watch_public_writes(public)
    export_public(newsroom, public)
    assert _touched(public) == {"i1"}
    assert "news.example/99" in public["events"].get("i1")["sources"]


def test_an_editor_edit_and_a_place_rename_reach_the_public_alone(workspace):
    newsroom, public = workspace.newsroom, workspace.public
    _watch_public_writes(public)
    curation.edit_event(newsroom, "i2", "maria", public_title="Ново заглавие")
    export_public(newsroom, public)
    assert _touched(public) == {"i2"}
    assert public["events"].get("i2")["title"] == "Ново заглавие"
    # Every event at Sliven is at the renamed place.
    public.execute("delete from touched")
    newsroom.execute("update places set name = 'Сливен!' where id = ?",
                     [place_id(newsroom, "Сливен")])  # fmt: skip
    export_public(newsroom, public)
    assert len(_touched(public)) == 20
    assert {row["place"] for row in public["events"].rows} == {"Сливен!"}


def test_a_source_rename_re_exports_the_events_that_list_it(workspace):
    newsroom, public = workspace.newsroom, workspace.public
    # i1's story gains an item of another outlet: it lists both sources.
    add_story(newsroom, 98, "Същото от друг вестник", place_id(newsroom, "Сливен"),
              source="other")  # fmt: skip
    newsroom["items"].update("i98", {"cluster_id": "i1", "status": "approved"})
    refresh_events(newsroom)
    export_public(newsroom, public)
    _watch_public_writes(public)
    plan = _plan(newsroom, "select coalesce(cluster_id, id) from items where source_id = ?",
                 ["other"])  # fmt: skip
    _assert_no_scan(plan)
    # Saving the same name (a sources.toml sync) marks nothing.
    newsroom["sources"].upsert(newsroom["sources"].get("other"), pk="id")
    assert newsroom.execute("select count(*) from publish_pending").fetchone()[0] == 0
    newsroom["sources"].update("other", {"name": "Друг вестник"})
    export_public(newsroom, public)
    assert _touched(public) == {"i1"}
    assert "Друг вестник" in public["events"].get("i1")["sources"]
    # The outlet of the other 19 events: each of them names it as its source.
    public.execute("delete from touched")
    newsroom["sources"].update("demo-a", {"name": "Вестник А"})
    export_public(newsroom, public)
    assert len(_touched(public)) == 20
    assert {row["source"] for row in public["events"].rows} == {"Вестник А"}
    assert all("Вестник А" in row["sources"] for row in public["events"].rows)


def test_an_export_forgets_only_the_changes_it_saw(workspace, monkeypatch):
    import romareact.publish as publish

    newsroom, public = workspace.newsroom, workspace.public
    curation.edit_event(newsroom, "i4", "maria", tags="училище")
    real_area_rows = publish._area_rows

    def editor_meanwhile(db):
        # Another editor's change lands while the export is under way.
        curation.edit_event(newsroom, "i5", "maria", tags="деца")
        return real_area_rows(db)

    monkeypatch.setattr(publish, "_area_rows", editor_meanwhile)
    export_public(newsroom, public)
    assert public["events"].get("i4")["tags"] == "училище"
    pending = [row[0] for row in newsroom.execute("select event_id from publish_pending")]
    assert pending == ["i5"]
    monkeypatch.setattr(publish, "_area_rows", real_area_rows)
    export_public(newsroom, public)
    assert public["events"].get("i5")["tags"] == "деца"


def test_publishing_unreviewed_looks_at_every_story_once(workspace):
    from romareact.publish import set_publish_unreviewed

    newsroom, public = workspace.newsroom, workspace.public
    assert set_publish_unreviewed(newsroom, True, actor="test")["changed"] == 10
    assert refresh_events(newsroom)["changed"] == 0  # the toggle brought the events along
    assert export_public(newsroom, public) == STORIES
    assert set_publish_unreviewed(newsroom, False, actor="test")["removed"] == 10
    assert refresh_events(newsroom)["removed"] == 0
    assert export_public(newsroom, public) == 20


def _counts(newsroom) -> tuple[dict, dict]:
    kept = {r[0]: r[1] for r in newsroom.execute("select status, n from item_status_counts")}
    real = {
        r[0]: r[1] for r in newsroom.execute("select status, count(*) from items group by status")
    }
    return {s: kept.get(s, 0) for s in ITEM_STATUSES}, {s: real.get(s, 0) for s in ITEM_STATUSES}


def test_status_counts_follow_insert_decide_merge_recrawl_and_delete(workspace):
    newsroom = workspace.newsroom
    kept, real = _counts(newsroom)
    assert kept == real == {"new": 10, "irrelevant": 0, "approved": 20, "rejected": 0}
    curation.decide(newsroom, ["i21", "i22"], "rejected", "maria", reason="не е за нас")
    curation.decide(newsroom, ["i1"], "new", "maria")
    curation.merge(newsroom, "i2", ["i23", "i24"], "maria")
    # A re-crawl through the crawler's upsert keeps the editor's decision and the count.
    row = dict(newsroom["items"].get("i21"))
    row.update(title="Обновено", full_text=None, search_pending=1)
    with write_transaction(newsroom):
        write_item(newsroom, row, [])
    newsroom["items"].insert(
        {"id": "x1", "url": "u", "canonical_url": "u", "fetched": "2026", "status": "irrelevant"}
    )
    newsroom.execute("delete from mentions where item_id = 'i30'")
    newsroom.execute("delete from items where id = 'i30'")
    kept, real = _counts(newsroom)
    assert kept == real == {"new": 8, "irrelevant": 1, "approved": 19, "rejected": 2}


def _plan(db, sql: str, params) -> str:
    return "\n".join(row[3] for row in db.execute(f"explain query plan {sql}", params))


def _assert_no_scan(plan: str, tables=("items", "item_minima", "mentions", "events", "i")):
    scans = [line for line in plan.splitlines()
             if line.startswith("SCAN ") and line.split()[1] in tables]  # fmt: skip
    assert not scans, plan


def test_write_path_and_publish_queries_read_indexes(workspace):
    newsroom = workspace.newsroom
    for sql, params in (
        ("delete from item_minima where item_id = ?", ["i1"]),
        ("delete from mentions where item_id = ? and start >= 0", ["i1"]),
        ("select 1 from mentions where item_id = ? and start < 0 and is_primary", ["i1"]),
        ("select id from items where coalesce(cluster_id, id) = ?", ["i1"]),
        ("select story from story_changes limit 1000", []),
        ("select * from source_health_report", []),
    ):
        _assert_no_scan(_plan(newsroom, sql, params))
    # A story's items through the story index, not through the status index (a quarter
    # of the newsroom per status).
    for sql, params in (
        (_ELIGIBLE_ITEMS, {"unreviewed": 1, "stories": '["i1"]'}),
        (_PUBLIC_ROWS + " and events.id in (select value from json_each(?))", ['["i1"]']),
    ):
        plan = _plan(newsroom, sql, params)
        _assert_no_scan(plan)
        assert "items_story" in plan and "(status=?)" not in plan, plan
    # And clustering: the candidates of a text come from the minima index.
    text = " ".join(f"дума{n}" for n in range(40))
    assert find_cluster(newsroom, "new", text)[0] == "new"
    assert health_report(newsroom)


@pytest.mark.parametrize(
    "status, extra",
    [("new", ""), ("approved", ""), ("all", ""), ("new", " and items.source_id = :source")],
)
def test_queue_rows_read_the_queue_index_without_sorting(workspace, status, extra):
    where = "1 = 1" + extra + (" and items.status = :status" if status != "all" else "")
    sql = newsroom_plugin._QUEUE_SQL.format(
        from_=newsroom_plugin._QUEUE_FROM, where=where, exact_first=""
    )
    plan = _plan(workspace.newsroom, sql, {"status": status, "source": "a", "limit": 100,
                                           "offset": 0})  # fmt: skip
    if not extra:
        assert "USE TEMP B-TREE" not in plan, plan
        assert "items_queue" in plan, plan
    _assert_no_scan(plan, tables=("mentions", "events", "i"))


def test_publish_full_repairs_a_restored_older_public_database(workspace, data_dir):
    from click.testing import CliRunner

    from romareact.cli import cli

    newsroom, public = workspace.newsroom, workspace.public
    # An older public database: without one event, with a stale title on another.
    public.execute("delete from events where id = 'i6'")
    public.execute("update events set title = 'старо' where id = 'i7'")
    assert export_public(newsroom, public) == 19  # nothing changed in the newsroom
    result = CliRunner().invoke(cli, ["publish", "--full", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "20 events published" in result.output
    assert public["events"].get("i7")["title"] == "Новина 7"


def test_queue_counts_come_from_the_kept_table_and_stop_at_the_cap(workspace, data_dir):
    from test_newsroom import PASSWORD, Browser

    from datasette.plugins import pm
    from romareact.serve import make_datasette
    from romareact.users import add_user

    add_user(workspace.newsroom, "maria", PASSWORD, "editor", actor="test")
    datasette = make_datasette(data_dir)
    editor = Browser(datasette)
    editor.login("maria")
    page = editor.get("/newsroom/-/queue").text
    assert 'data-count="new">10<' in page and 'data-count="approved">20<' in page
    # The kept table, not a count of the items, answers the unfiltered view.
    workspace.newsroom.execute("update item_status_counts set n = 7 where status = 'new'")
    assert 'data-count="new">7<' in editor.get("/newsroom/-/queue").text
    # A filtered view counts the items themselves, up to the cap.
    assert 'data-count="new">10<' in editor.get("/newsroom/-/queue?source=demo-a").text
    plugin = next(p for p in pm.get_plugins() if getattr(p, "COUNT_CAP", None))
    cap, plugin.COUNT_CAP = plugin.COUNT_CAP, 25
    try:
        page = editor.get("/newsroom/-/queue?source=demo-a").text
    finally:
        plugin.COUNT_CAP = cap
    assert 'data-count="new">' in page and "+<" in page


def test_migration_9_on_an_existing_newsroom_counts_and_publishes_everything_once(data_dir):
    from romareact.db import NEWSROOM_MIGRATIONS, connect, migrate

    newsroom = connect(data_dir / "old.db")
    migrate(newsroom, [m for m in NEWSROOM_MIGRATIONS if m[0] < 9])
    newsroom["places"].insert({"id": "p1", "name": "Сливен", "kind": "settlement",
                               "lat": 42.68, "lon": 26.32})  # fmt: skip
    for n in range(1, 6):
        add_story(newsroom, n, f"Новина {n}", "p1")
    newsroom.execute("update items set status = 'approved' where id in ('i1', 'i2')")
    assert 9 in migrate(newsroom, NEWSROOM_MIGRATIONS)  # with every later migration
    assert migrate(newsroom, NEWSROOM_MIGRATIONS) == []  # once only
    kept, real = _counts(newsroom)
    assert kept == real == {"new": 3, "irrelevant": 0, "approved": 2, "rejected": 0}
    # Items stored before the upgrade and never refreshed are looked at by the next publish.
    assert refresh_events(newsroom)["changed"] == 2
    assert refresh_events(newsroom)["changed"] == 0


def test_no_item_index_that_no_query_reads(workspace):
    """A story is found by canonical URL or guid_key, never by guid or content hash: those
    indexes would only cost every new item two random page writes (migration 11)."""
    indexes = {row[1] for row in workspace.newsroom.execute("pragma index_list(items)")}
    assert not indexes & {"idx_items_guid", "idx_items_content_hash"}
    for sql in ("select id, guid_key from items where canonical_url = ?",
                "select id from items where guid_key = ?"):  # fmt: skip
        _assert_no_scan(_plan(workspace.newsroom, sql, ["x"]))


def test_a_chosen_source_reads_its_own_index_not_every_item_of_the_status(workspace):
    chosen = {"status": "new", "source": "a"}
    where = "1 = 1 and items.source_id = :source and " + newsroom_plugin.status_condition(chosen)
    # The page's count of matches and its rows (few matches: read through the filter).
    plan = _plan(workspace.newsroom,
                 f"select count(*) from (select 1 from items where {where} limit 2000)",
                 {"status": "new", "source": "a"})  # fmt: skip
    assert "items_source_fetched" in plan and "(status=?)" not in plan, plan
