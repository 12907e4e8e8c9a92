"""Bounds on what one SQL query may build in memory, for every connection Datasette opens.

Datasette's time limit stops long queries, not big ones: `select zeroblob(100000000)` is
answered in seconds with a 600 MB body. Two bounds close that:

- SQLite's own length limit (SQLITE_LIMIT_LENGTH): no string or blob larger than
  MAX_VALUE_BYTES is ever made, by zeroblob, randomblob, printf, group_concat, || or a
  stored value; SQLite stops with "string or blob too big" before allocating it;
- a budget on the bytes of values one query returns (MAX_RESULT_BYTES), counted as rows are
  fetched, so a thousand rows of large values cannot add up to a huge page either.
"""

from __future__ import annotations

import sqlite3
import weakref

# Far above any value the project stores (a full article text is some tens of KB).
MAX_VALUE_BYTES = 4 * 1024 * 1024
# Above the biggest page the public side builds (the map's events at 100,000 events).
MAX_RESULT_BYTES = 64 * 1024 * 1024
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
) -> None:
    """Apply both bounds to conn, keeping its row factory (Datasette's sqlite3.Row)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value_bytes)
    conn.row_factory = _BudgetedRows(conn.row_factory, max_result_bytes)


class _BudgetedRows:
    """A row factory that counts the bytes each cursor has returned and stops past a budget.

    Counted per cursor: Datasette runs each query on a cursor of its own."""

    def __init__(self, inner, budget: int):
        self.inner = inner
        self.budget = budget
        self.spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __call__(self, cursor, row):
        size = sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
        spent = self.spent.get(cursor, 0) + size
        if spent > self.budget:
            raise ResultTooBig(
                f"result too big: more than {self.budget // (1024 * 1024)} MB of values"
            )
        self.spent[cursor] = spent
        return self.inner(cursor, row) if self.inner else row
