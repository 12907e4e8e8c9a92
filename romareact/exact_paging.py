"""Exact keyset paging for Datasette's sorted table pages.

Datasette 0.65 pages a sorted table by keyset: the link to the next page says "after this
sort value and this primary key", and every page after the first is ordered by the sort
column and then the primary key. The first page is ordered by the sort column alone, so among
rows that share a sort value (many events share a date) SQLite returns them in whatever order
its plan gives. The second page then starts after the first page's last primary key in *key*
order: rows that sorted before it by key but did not fit on the first page are never shown,
and others are shown twice. A harvester following `next_url` through 144 events got 149 rows,
142 of them distinct.

Here the first page is given the same tie-breaker as the others, so every page follows one
total order and each row appears exactly once. Datasette has no hook for a table's ORDER BY,
so the ASGI middleware notes which first page the request is (table, sort, primary keys) in a
context variable, and the database's `execute` appends the primary keys to that page's
ORDER BY, and nothing else: the SQL must end in exactly the ORDER BY Datasette builds for it.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from datasette.utils import escape_sqlite, tilde_decode

# Datasette's table routes: /database/table and /database/table.format.
_TABLE_PATH = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.\w+)?$")


@dataclass(frozen=True)
class FirstPage:
    """A first page of a sorted table: what Datasette orders it by, and the tie-breaker."""

    database: str
    table: str
    order_by: str
    tie_breaker: str


_first_page: contextvars.ContextVar[FirstPage | None] = contextvars.ContextVar(
    "romareact_first_page", default=None
)


def first_page_order(
    args: dict[str, list[str]], default_sort: str | None, default_sort_desc: str | None
) -> tuple[str, bool] | None:
    """The column a first page is sorted by and whether descending; None when the request is
    a later page (`_next`) or not sorted (Datasette then orders by primary key already)."""
    if "_next" in args:
        return None
    sort = (args.get("_sort") or [None])[0]
    sort_desc = (args.get("_sort_desc") or [None])[0]
    if sort and sort_desc:
        return None  # Datasette answers that with an error
    if not sort and not sort_desc:
        sort, sort_desc = default_sort, default_sort_desc
    if sort_desc:
        return sort_desc, True
    if sort:
        return sort, False
    return None


def with_tie_breaker(sql: str, page: FirstPage) -> str:
    """The page's SQL with the primary keys after its sort column; other SQL unchanged."""
    if not sql.startswith("select ") or f" from {escape_sqlite(page.table)} " not in sql:
        return sql
    match = re.search(rf" order by {re.escape(page.order_by)} limit (\d+)$", sql)
    if match is None:
        return sql
    return (
        f"{sql[: match.start()]} order by {page.order_by}, {page.tie_breaker}"
        f" limit {match.group(1)}"
    )


def _wrap_execute(db) -> None:
    """Let this database's execute add the tie-breaker to the current request's first page."""
    if getattr(db, "_romareact_exact_paging", False):
        return
    original = db.execute

    async def execute(sql, *args, **kwargs):
        page = _first_page.get()
        if page is not None and page.database == db.name:
            sql = with_tie_breaker(sql, page)
        return await original(sql, *args, **kwargs)

    db.execute = execute
    db._romareact_exact_paging = True


class ExactFirstPages:
    """ASGI middleware around Datasette: every sorted table's first page gets the
    primary-key tie-breaker Datasette gives the pages after it."""

    def __init__(self, app, datasette):
        self.app = app
        self.datasette = datasette
        self._primary_keys: dict[tuple[str, str], list[str] | None] = {}

    async def __call__(self, scope, receive, send):
        page = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            page = await self._first_page(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        token = _first_page.set(page)
        try:
            await self.app(scope, receive, send)
        finally:
            _first_page.reset(token)

    async def _first_page(self, scope) -> FirstPage | None:
        match = _TABLE_PATH.match(scope["path"])
        if match is None:
            return None
        database, table = tilde_decode(match["database"]), tilde_decode(match["table"])
        db = self.datasette.databases.get(database)
        if db is None:
            return None
        args = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        metadata = self.datasette.table_metadata(database, table)
        order = first_page_order(args, metadata.get("sort"), metadata.get("sort_desc"))
        if order is None:
            return None
        keys = await self._keys(db, table)
        column, descending = order
        if keys is None or keys == [column]:
            return None  # not a table, or already sorted by its unique key
        _wrap_execute(db)
        order_by = escape_sqlite(column) + (" desc" if descending else "")
        return FirstPage(database, table, order_by, ", ".join(escape_sqlite(k) for k in keys))

    async def _keys(self, db, table: str) -> list[str] | None:
        """The table's primary keys (rowid for a table without any); None for no table."""
        cache_key = (db.name, table)
        if cache_key not in self._primary_keys:
            if len(self._primary_keys) > 1000:  # bounded: a visitor may ask for any name
                self._primary_keys.clear()
            keys = None
            if await db.table_exists(table):
                keys = await db.primary_keys(table) or ["rowid"]
            self._primary_keys[cache_key] = keys
        return self._primary_keys[cache_key]
