"""A response cache for the public side: anonymous GETs of public pages, reused until the
public database changes.

The public database changes only when events are published, while readers ask the same
pages (the map data, a province's table, a popular search) many times. Any commit to it
changes the database or its write-ahead log on disk, so their size and modification time
are the version: a cached page is never older than the data it was made from.

Only anonymous requests are cached (an editor's pages show their name and forms), only
successful responses without cookies, and only paths that read the public database.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

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


class PublicResponseCache:
    """ASGI middleware around Datasette."""

    def __init__(self, app, public_db: Path, cookie_names: tuple[str, ...]):
        self.app = app
        self.public_db = Path(public_db)
        self.cookie_names = cookie_names
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
            self.hits += 1
            self.entries.move_to_end(key)
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
            self._store(key, (captured["status"], captured["headers"],
                              b"".join(captured["chunks"])))  # fmt: skip

    def _store(self, key, entry) -> None:
        self.entries[key] = entry
        self.size += len(entry[2])
        while len(self.entries) > MAX_ENTRIES or self.size > MAX_BYTES:
            _, (_, _, body) = self.entries.popitem(last=False)
            self.size -= len(body)
