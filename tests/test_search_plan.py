"""The search plan rewrite: only the plan changes, never which rows answer."""

import sqlite3

from romareact.search_plan import MANY_MATCHES, filtered_search_sql

SQL = (
    'select id from events where "province" = :p0 and rowid in (select rowid from events_fts'
    " where events_fts match :search) order by id"
)


def test_rewrite_only_with_many_matches_and_an_indexed_filter():
    assert "+rowid in" in filtered_search_sql(SQL, {"province"}, MANY_MATCHES)
    assert filtered_search_sql(SQL, {"province"}, MANY_MATCHES - 1) == SQL
    assert filtered_search_sql(SQL, {"category"}, MANY_MATCHES) == SQL


def test_rewritten_query_returns_the_same_rows():
    conn = sqlite3.connect(":memory:")
    conn.execute("create table events (id text primary key, title text, province text)")
    conn.execute("create index idx_province on events (province)")
    conn.execute("create virtual table events_fts using fts5(title, content='events')")
    rows = [
        (f"e{i}", "ремонт" if i % 3 else "среща", ["Варна", "Сливен"][i % 2]) for i in range(60)
    ]
    conn.executemany("insert into events values (?, ?, ?)", rows)
    conn.execute("insert into events_fts(events_fts) values ('rebuild')")
    params = {"p0": "Варна", "search": "ремонт"}
    expected = conn.execute(SQL, params).fetchall()
    assert expected
    assert (
        conn.execute(filtered_search_sql(SQL, {"province"}, MANY_MATCHES), params).fetchall()
        == expected
    )
