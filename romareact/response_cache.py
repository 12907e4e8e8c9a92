"""A response cache for the public side: anonymous GETs of public pages, reused until the
public database changes.

The public database changes only when events are published, while readers ask the same
pages (the map data, a province's table, a popular search) many times. Any commit to it
changes the database or its write-ahead log on disk, so their size and modification time
are the version: a cached page is never older than the data it was made from.

Only anonymous requests are cached (an editor's pages show their name and forms), only
successful responses without cookies, and only paths that read the public database.

Several worker processes (`romareact serve --workers N`) also share their pages through a
SQLite file (SharedResponseStore): otherwise a page made by one worker would be made again by
each of the others, and a reader would wait for it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import OrderedDict
from pathlib import Path

# Set by `romareact serve --workers N` to the file its workers share.
SHARED_STORE_ENV = "ROMAREACT_SHARED_RESPONSE_CACHE"
MAX_ENTRIES = 2000
MAX_BYTES = 256 * 1024 * 1024
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
PUBLIC_PREFIXES = ("/public", "/map", "/feed.atom", "/cite")


def data_version(path: Path | str) -> tuple:
    """Changes whenever a commit reaches the database file or its write-ahead log."""
    stamps = []
    for suffix in ("", "-wal"):
        try:
            info = os.stat(f"{path}{suffix}")
            stamps.append((info.st_mtime_ns, info.st_size))
        except FileNotFoundError:
            stamps.append(None)
    return tuple(stamps)


class SharedResponseStore:
    """Cached pages in a SQLite file that every worker reads and fills, under the same keys
    as PublicResponseCache: (path, query, host, data version).

    It is only a cache: a worker that finds the file busy (another one writing) goes on without
    it rather than wait, and entries made from an older version of the data are never served.
    """

    def __init__(self, path: Path | str, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.version = None  # of the data this worker last stored a page for
        # timeout=0: never hold up the event loop waiting for another worker's write.
        self.conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
        self._try("PRAGMA journal_mode=WAL")
        self._try("PRAGMA synchronous=OFF")  # losing the cache in a crash loses nothing
        self._try(
            # size before body: reading it must not walk through the body's overflow pages.
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, version TEXT NOT NULL,"
            " size INTEGER NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL,"
            " body BLOB NOT NULL)"
        )
        # Sizes read from this index, not by walking the pages themselves, on every store.
        self._try("CREATE INDEX IF NOT EXISTS responses_size ON responses (size)")

    def _try(self, sql: str, params=()) -> list | None:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError:  # busy, locked by another worker, or a damaged file
            return None

    def get(self, key: tuple) -> tuple[int, list, bytes] | None:
        rows = self._try(
            "SELECT status, headers, body FROM responses WHERE key = ? AND version = ?",
            _text_key(key),
        )
        if not rows:
            return None
        status, headers, body = rows[0]
        return (
            status,
            [(n.encode("latin-1"), v.encode("latin-1")) for n, v in json.loads(headers)],
            body,
        )

    def put(self, key: tuple, entry: tuple[int, list, bytes]) -> None:
        text, version = _text_key(key)
        status, headers, body = entry
        encoded = json.dumps([(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers])
        try:
            with self.conn:
                self.conn.execute("BEGIN IMMEDIATE")
                if version != self.version:
                    # Pages of an older version of the data will never be served again.
                    self.conn.execute("DELETE FROM responses WHERE version != ?", (version,))
                self.conn.execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                    (text, version, len(body), status, encoded, body),
                )
                (total,) = self.conn.execute("SELECT sum(size) FROM responses").fetchone()
                if total > self.max_bytes:
                    # Oldest first (rowids grow), down to 90% so that the next pages stored
                    # do not each trim again.
                    self.conn.execute(
                        "DELETE FROM responses WHERE rowid IN (SELECT rowid FROM (SELECT rowid,"
                        " sum(size) OVER (ORDER BY rowid DESC) AS kept FROM responses)"
                        " WHERE kept > ?)",
                        (self.max_bytes * 9 // 10,),
                    )
            self.version = version
        except sqlite3.DatabaseError:
            pass  # another worker is writing (or the file is damaged): this page is not shared


class PublicResponseCache:
    """ASGI middleware around Datasette."""

    def __init__(
        self,
        app,
        public_db: Path,
        cookie_names: tuple[str, ...],
        shared: SharedResponseStore | None = None,
    ):
        self.app = app
        self.public_db = Path(public_db)
        self.cookie_names = cookie_names
        self.shared = shared
        self.entries: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()
        self.size = 0
        self.hits = self.misses = 0

    def _cacheable(self, scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        if not scope["path"].startswith(PUBLIC_PREFIXES):
            return False
        for name, value in scope.get("headers", []):
            if name == b"cookie" and any(c.encode() in value for c in self.cookie_names):
                return False  # a signed-in editor
            if name == b"authorization":
                return False
        return True

    async def __call__(self, scope, receive, send):
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        host = next((v for n, v in scope.get("headers", []) if n == b"host"), b"")
        key = (scope["path"], scope.get("query_string", b""), host, data_version(self.public_db))
        cached = self.entries.get(key)
        if cached is not None:
            self.entries.move_to_end(key)
        elif self.shared is not None:
            cached = self.shared.get(key)
            if cached is not None:
                self._store(key, cached)
        if cached is not None:
            self.hits += 1
            status, headers, body = cached
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        self.misses += 1
        captured: dict = {"chunks": [], "ok": True, "size": 0}

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
                if message["status"] != 200 or any(
                    name.lower() == b"set-cookie" for name, _ in captured["headers"]
                ):
                    captured["ok"] = False
            elif message["type"] == "http.response.body" and captured["ok"]:
                body = message.get("body", b"")
                captured["size"] += len(body)
                if captured["size"] > MAX_RESPONSE_BYTES:
                    captured["ok"] = False
                    captured["chunks"] = []
                else:
                    captured["chunks"].append(body)
            await send(message)

        await self.app(scope, receive, capture)
        # Stored only if the data did not change while the page was being made.
        if captured["ok"] and "status" in captured and key[3] == data_version(self.public_db):
            entry = (captured["status"], captured["headers"], b"".join(captured["chunks"]))
            self._store(key, entry)
            if self.shared is not None:
                self.shared.put(key, entry)

    def _store(self, key, entry) -> None:
        replaced = self.entries.pop(key, None)  # two readers may make the same page at once
        if replaced is not None:
            self.size -= len(replaced[2])
        self.entries[key] = entry
        self.size += len(entry[2])
        while len(self.entries) > MAX_ENTRIES or self.size > MAX_BYTES:
            _, (_, _, body) = self.entries.popitem(last=False)
            self.size -= len(body)


def _text_key(key: tuple) -> tuple[str, str]:
    """A cache key (path, query, host, data version) as the shared store's key and version."""
    path, query, host, version = key
    return f"{host.decode('latin-1')} {path} {query.decode('latin-1')}", repr(version)
