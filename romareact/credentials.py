"""Credentials kept out of every query Datasette runs on the newsroom.

Password hashes, session keys, login failures (usernames and addresses) and the server's own
keys live in the newsroom file, but Datasette's connections to it carry an SQLite authorizer
that reads those columns as NULL: an editor's `select password_hash from users`, the
`users` table page and its JSON all show nothing. Only the sign-in code reads them, through
CredentialStore: a connection of its own, in a thread of its own.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlite_utils

from romareact.db import connect

# Table -> its hidden columns (None: every column).
HIDDEN: dict[str, frozenset[str] | None] = {
    "users": frozenset({"password_hash", "session_version"}),
    "login_failures": None,
    "sessions": None,
    "server_keys": None,
}


def _authorizer(action, table, column, database, trigger):
    if action == sqlite3.SQLITE_READ and table in HIDDEN:
        hidden = HIDDEN[table]
        if hidden is None or column in hidden:
            return sqlite3.SQLITE_IGNORE  # read as NULL
    return sqlite3.SQLITE_OK


def hide_credentials(conn: sqlite3.Connection) -> None:
    """Make every credential column read as NULL on conn."""
    conn.set_authorizer(_authorizer)


def server_key(db: sqlite_utils.Database, name: str = "submissions") -> bytes:
    """This server's random key called name (made on first use), kept in server_keys."""
    db.execute(
        "insert or ignore into server_keys (name, value) values (?, ?)",
        [name, secrets.token_hex(32)],
    )
    db.conn.commit()
    (value,) = db.execute("select value from server_keys where name = ?", [name]).fetchone()
    return bytes.fromhex(value)


class CredentialStore:
    """The newsroom's credentials, for the sign-in code only: one connection, one thread."""

    def __init__(self, newsroom_path: str | Path):
        self.path = newsroom_path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="credentials")
        self._db: sqlite_utils.Database | None = None

    def _call(self, fn):
        if self._db is None:
            self._db = connect(self.path)
        return fn(self._db)

    async def run(self, fn):
        """fn(db) in the store's thread, on its own connection."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn)
