"""Schema, migrations and idempotent writes."""

import sqlite_utils

from romareact import db


def test_migrations_are_recorded_and_safe_to_rerun(tmp_path):
    path = tmp_path / "newsroom.db"
    first = db.open_newsroom(path)
    expected = [number for number, _, _ in db.NEWSROOM_MIGRATIONS]
    assert [row["id"] for row in first["_migrations"].rows] == expected
    first.close()
    again = db.open_newsroom(path)
    assert db.migrate(again, db.NEWSROOM_MIGRATIONS) == []
    assert {"sources", "items", "places", "mentions", "events", "audit_log", "items_fts"} <= set(
        again.table_names()
    )


def test_an_older_database_is_upgraded_in_place(tmp_path):
    old = sqlite_utils.Database(tmp_path / "newsroom.db")
    db.migrate(old, db.NEWSROOM_MIGRATIONS[:1])
    old["places"].insert({"id": "p", "name": "Сливен", "kind": "settlement", "lat": 1, "lon": 2})
    upgraded = db.open_newsroom(tmp_path / "newsroom.db")
    assert {"parent_id", "needs_context"} <= set(upgraded["places"].columns_dict)
    assert upgraded["places"].get("p")["name"] == "Сливен"


def test_databases_use_wal(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    public = db.open_public(tmp_path / "public.db")
    for database in (newsroom, public):
        assert database.execute("pragma journal_mode").fetchone()[0] == "wal"


def _item(**changes):
    row = {
        "id": "abc",
        "url": "https://example.org/a",
        "canonical_url": "https://example.org/a",
        "fetched": "2026-11-01T00:00:00+00:00",
        "status": "new",
        "title": "Ромски деца тръгват на училище",
        "full_text": "Първи учебен ден в квартала.",
    }
    row.update(changes)
    return row


def test_item_upsert_updates_instead_of_duplicating_and_fts_follows(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    newsroom["items"].upsert(_item(), pk="id")
    newsroom["items"].upsert(_item(title="Нов учебен ден"), pk="id")
    assert newsroom["items"].count == 1
    found = list(newsroom["items"].search("учебен"))
    assert [row["title"] for row in found] == ["Нов учебен ден"]


def test_canonical_url_is_unique(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    newsroom["items"].insert(_item())
    try:
        newsroom["items"].insert(_item(id="other"))
    except sqlite_utils.utils.sqlite3.IntegrityError:
        pass
    else:
        raise AssertionError("a second row with the same canonical URL was accepted")


def test_audit_log_records_before_and_after(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    db.audit(newsroom, "event.updated", "events", "e1", {"title": "a"}, {"title": "б"})
    row = next(newsroom["audit_log"].rows)
    assert (row["action"], row["row_id"], row["actor"]) == ("event.updated", "e1", "system")
    assert row["before"] == '{"title": "a"}' and row["after"] == '{"title": "б"}'


def _search_plan(database, column):
    # The shape of Datasette's full-text search on a filtered table view.
    sql = (
        "select count(*) from events where rowid in (select rowid from events_fts"
        f" where events_fts match :q) and {column} = :v"
    )
    plan = database.execute(f"explain query plan {sql}", {"q": "роми", "v": "x"}).fetchall()
    return " ".join(row[3] for row in plan)


def test_filtered_searches_read_the_filtered_rows_not_each_match(tmp_path):
    path = tmp_path / "public.db"
    older = sqlite_utils.Database(path)
    db.migrate(older, db.PUBLIC_MIGRATIONS[:6])
    # Before: one index lookup per match, 100,000 of them for a word found in every event.
    assert "(province=? AND rowid=?)" in _search_plan(older, "province")
    older.close()
    public = db.open_public(path)
    for column in ("province", "category"):
        plan = _search_plan(public, column)
        assert f"({column}=?)" in plan and "rowid=?" not in plan, plan


def test_relevance_stored_on_the_old_curve_is_moved_to_the_new_one(tmp_path):
    import math

    from romareact.relevance import HALF_STRENGTH

    before_19 = [m for m in db.NEWSROOM_MIGRATIONS if m[0] < 19]
    old = sqlite_utils.Database(tmp_path / "newsroom.db")
    db.migrate(old, before_19)
    strengths = {"weak": 0.3, "threshold": HALF_STRENGTH, "strong": 3.0, "stronger": 6.0}
    scores = {key: round(1 - math.exp(-s / 1.2), 3) for key, s in strengths.items()}
    old["items"].insert_all(
        [_item(id=key, url=f"https://example.org/{key}", canonical_url=f"https://example.org/{key}",
               relevance=score) for key, score in scores.items()]
        + [_item(id="unscored", url="https://example.org/u", canonical_url="https://example.org/u")]
    )  # fmt: skip
    old.close()
    upgraded = db.open_newsroom(tmp_path / "newsroom.db")
    stored = {row["id"]: row["relevance"] for row in upgraded["items"].rows}
    assert stored.pop("unscored") is None
    for key, strength in strengths.items():  # the old score kept 3 decimals
        assert abs(stored[key] - strength / (strength + HALF_STRENGTH)) < 0.01, key
    assert stored["threshold"] == 0.5
    assert stored["strong"] < stored["stronger"] < 0.9  # told apart, no longer both 0.99
