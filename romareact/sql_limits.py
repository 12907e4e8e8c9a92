"""Bounds on what one SQL query may build in memory, for every connection Datasette opens.

Datasette's time limit stops long queries, not big ones: `select zeroblob(100000000)` is
answered in seconds with a 600 MB body. Two bounds close that:

- SQLite's own length limit (SQLITE_LIMIT_LENGTH): no string or blob larger than
  MAX_VALUE_BYTES is ever made, by zeroblob, randomblob, printf, group_concat, || or a
  stored value; SQLite stops with "string or blob too big" before allocating it;
- a budget on the bytes of values one query returns (MAX_RESULT_BYTES), counted as rows are
  fetched, so a thousand rows of large values cannot add up to a huge page either;
- a budget on the page those rows make (MAX_PAGE_BYTES), for the rows a page can show (the
  first PAGE_ROWS of a query: Datasette never shows more). A value grows when sent: JSON
  writes a NUL or a Cyrillic letter as six characters (\u0000), HTML writes `"` as five, and
  each cell has its markup and Python objects. So 50 MB of values made a 300 MB JSON body; the
  page budget counts each value as it will be sent, at worst, and a cell's overhead.

The project's own readers (the map, GeoJSON, the feed) read thousands of rows with one
query; past PAGE_ROWS only the values budget holds, so they keep working at 100,000 events.
"""

from __future__ import annotations

import sqlite3
import weakref

# Far above any value the project stores (a full article text is some tens of KB).
MAX_VALUE_BYTES = 4 * 1024 * 1024
# Above the biggest page the public side builds (the map's events at 100,000 events).
MAX_RESULT_BYTES = 64 * 1024 * 1024
# What the rows of one page may become when sent: far above a page of 1,000 events
# (about 10 MB counted so), far below what ate the server's memory (600 MB).
MAX_PAGE_BYTES = 32 * 1024 * 1024
# Datasette's max_returned_rows (1000), fetched as 1000 + 1 (or + 2): the rows a page shows.
PAGE_ROWS = 1002
# The worst a character becomes when sent: \u0000 or \u0436 in JSON (ensure_ascii).
EXPANSION = 6
# A cell's markup in an HTML table (<td class="col-…">…</td>), its Python objects and the
# time to render it: 100,000 cells of HTML take about 0.7 s, the most a page may hold.
CELL_BYTES = 256
TOO_BIG = "string or blob too big"


class ResultTooBig(sqlite3.DataError):
    """A query whose rows add up to more than MAX_RESULT_BYTES."""


def is_too_big(exception: BaseException) -> bool:
    """A query stopped by one of these bounds (SQLite reports its own as a DataError)."""
    return isinstance(exception, ResultTooBig) or (
        isinstance(exception, sqlite3.DataError) and TOO_BIG in str(exception)
    )


def limit_connection(
    conn: sqlite3.Connection,
    max_value_bytes: int = MAX_VALUE_BYTES,
    max_result_bytes: int = MAX_RESULT_BYTES,
    max_page_bytes: int | None = MAX_PAGE_BYTES,
) -> None:
    """Apply the bounds to conn, keeping its row factory (Datasette's sqlite3.Row);
    max_page_bytes None: no page bound."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value_bytes)
    conn.row_factory = _BudgetedRows(conn.row_factory, max_result_bytes, max_page_bytes)


class _Spent:
    __slots__ = ("page", "per_row", "rows", "values")

    def __init__(self, cursor):
        self.rows = self.values = self.page = 0
        # Each cell repeats its column's name in the HTML (its CSS class).
        names = sum(len(d[0]) for d in cursor.description or ())
        self.per_row = EXPANSION * names + CELL_BYTES * len(cursor.description or ())


class _BudgetedRows:
    """A row factory that counts what each cursor has returned and stops past a budget.

    Counted per cursor: Datasette runs each query on a cursor of its own."""

    def __init__(self, inner, budget: int, page_budget: int | None = MAX_PAGE_BYTES):
        self.inner = inner
        self.budget = budget
        self.page_budget = page_budget
        self.spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, cursor, row):
        spent = self.spent.get(cursor)
        if spent is None:
            spent = self.spent[cursor] = _Spent(cursor)
        size = sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
        spent.values += size
        if spent.values > self.budget:
            raise ResultTooBig(
                f"result too big: more than {self.budget // (1024 * 1024)} MB of values"
            )
        spent.rows += 1
        if self.page_budget is not None and spent.rows <= PAGE_ROWS:
            spent.page += EXPANSION * size + spent.per_row
            if spent.page > self.page_budget:
                raise ResultTooBig(
                    f"result too big: a page of more than {self.page_budget // (1024 * 1024)}"
                    " MB when sent"
                )
        return self.inner(cursor, row) if self.inner else row
