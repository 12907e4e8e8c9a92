"""A faster plan for Datasette's `_search` beside a filter on an indexed column.

Datasette filters a searched table page with
`"province" = :p0 and rowid in (select rowid from events_fts where events_fts match ...)`.
SQLite's planner, knowing nothing of how many events a word matches, always starts from the
full-text index and looks up every matching event by rowid to test the filter. A common word
matches about 10% of the events (100,000 at a million), so each query of the page (rows,
count, every facet) made 100,000 random row reads: 170 ms of CPU each at a million events,
and pages over the 2 s SQL limit under load.

When the word matches many events and the page also filters on a column an index starts
with, `rowid in` becomes `+rowid in`: the unary plus (SQLite's documented way to keep a term
from using an index) leaves the planner the filter's index, which it reads in order, testing
each entry's rowid against the list of matches (built once per query, without reading any
row). The same rows answer, in the same order: only the plan changes. 170 ms became 20-30 ms
per query at a million events, for a province and a common word.

For a rare word the full-text plan stays (a few lookups are cheaper than reading the filter's
index), so the number of matches is counted first, once per search and process.
"""

from __future__ import annotations

import re
from collections import OrderedDict

# The search clause Datasette 0.65 writes for ?_search= (datasette/filters.py).
_SEARCH_CLAUSE = re.compile(
    r"(?<![+\w])rowid in \(select rowid from (?P<fts>\w+) where (?P=fts) match "
    r"(?P<match>escape_fts\(:search\)|:search)\)"
)
# Datasette's equality filters: "column" = :p0.
_EQUALITY = re.compile(r'"(?P<column>[^"]+)" = :p\d+')
# From this many matches on, reading a filter's index beats looking up every match: a lookup
# costs about 1.7 us, an index entry about 0.2 us, so the index plan wins unless the filter
# keeps many times more rows than the word matches.
MANY_MATCHES = 5000
_MATCH_COUNTS_KEPT = 2000


def filtered_search_sql(sql: str, indexed: set[str], matches: int) -> str:
    """`sql` with its search clause kept off the rowid index when `matches` is at least
    MANY_MATCHES and the query also filters for equality on a column in `indexed` (columns
    an index of the table starts with); otherwise `sql` unchanged."""
    if matches < MANY_MATCHES or not any(m["column"] in indexed for m in _EQUALITY.finditer(sql)):
        return sql
    return _SEARCH_CLAUSE.sub(lambda m: "+" + m.group(0), sql)


def search_table(sql: str) -> tuple[str, str] | None:
    """(full-text table, match expression) of a Datasette search clause in `sql`, or None."""
    match = _SEARCH_CLAUSE.search(sql)
    return (match["fts"], match["match"]) if match else None


async def _indexed_columns(db, table: str) -> set[str]:
    rows = await db.execute(
        "select ii.name from pragma_index_list(:table) as il,"
        " pragma_index_info(il.name) as ii where ii.seqno = 0",
        {"table": table},
    )
    return {row[0] for row in rows if row[0]}


def plan_searches(db, fts_tables: dict[str, str]) -> None:
    """Let `db.execute` give searched, filtered table queries the faster plan.

    fts_tables: table -> its full-text table (those of this database).
    """
    if getattr(db, "_romareact_search_plan", False):
        return
    original = db.execute
    indexed: dict[str, set[str]] = {}
    counts: OrderedDict[tuple[str, str], int] = OrderedDict()
    tables = {fts: table for table, fts in fts_tables.items()}

    async def match_count(fts: str, expression: str, search: str) -> int:
        key = (fts, expression, search)
        if key not in counts:
            rows = await original(
                f"select count(*) from {fts} where {fts} match {expression}",
                {"search": search},
            )
            counts[key] = rows.first()[0]
            if len(counts) > _MATCH_COUNTS_KEPT:  # bounded: every visitor may search anew
                counts.popitem(last=False)
        return counts[key]

    async def execute(sql, params=None, *args, **kwargs):
        found = search_table(sql) if isinstance(params, dict) else None
        if found and found[0] in tables and isinstance(params.get("search"), str):
            fts, expression = found
            table = tables[fts]
            if table not in indexed:
                indexed[table] = await _indexed_columns(db, table)
            try:
                matches = await match_count(fts, expression, params["search"])
            except Exception:  # a malformed raw query: Datasette's own query reports it
                matches = 0
            sql = filtered_search_sql(sql, indexed[table], matches)
        return await original(sql, params, *args, **kwargs)

    db.execute = execute
    db._romareact_search_plan = True
