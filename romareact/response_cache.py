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

Text is sent gzip-compressed to browsers that accept it (the map's data is about a quarter
of its size that way), and the compressed copy is kept beside the plain one, so a page is
compressed once per version of the data, not once per reader.
"""

from __future__ import annotations

import asyncio
import gzip
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
GZIP = b"gzip"
# Worth compressing: text of any kind. Smaller bodies gain less than gzip's own overhead.
COMPRESSIBLE_TYPES = (
    b"text/",
    b"application/javascript",
    b"application/json",
    b"application/geo+json",
    b"application/atom+xml",
    b"application/xml",
)
MIN_COMPRESSED_BYTES = 512
# Bigger bodies are compressed in a thread (zlib lets go of the GIL) rather than stall every
# other reader: the map's 4.6 MB marker index at 100,000 events, or a CSV export.
THREAD_COMPRESSION_BYTES = 256 * 1024


def accepts_gzip(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request's Accept-Encoding allows gzip (`gzip;q=0` refuses it)."""
    offered = {}
    for name, value in headers:
        if name.lower() != b"accept-encoding":
            continue
        for part in value.lower().split(b","):
            coding, _, params = part.strip().partition(b";")
            quality = 1.0
            params = params.strip()
            if params.startswith(b"q="):
                try:
                    quality = float(params[2:])
                except ValueError:
                    quality = 0.0
            offered[coding.strip()] = quality
    return offered.get(GZIP, offered.get(b"*", 0.0)) > 0


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for n, value in headers if n.lower() == name), None)


def compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    content_type = (_header(headers, b"content-type") or b"").lower()
    return content_type.startswith(COMPRESSIBLE_TYPES) and not _header(headers, b"content-encoding")


def varying_on_encoding(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers, with Accept-Encoding added to Vary: both variants share one URL."""
    vary = _header(headers, b"vary")
    kept = [(n, v) for n, v in headers if n.lower() != b"vary"]
    return [*kept, (b"vary", vary + b", Accept-Encoding" if vary else b"Accept-Encoding")]


def worth_compressing(entry: tuple[int, list, bytes]) -> bool:
    return len(entry[2]) >= MIN_COMPRESSED_BYTES and compressible(entry[1])


def gzipped(entry: tuple[int, list, bytes]) -> tuple[int, list, bytes]:
    """The compressed variant of a plain response (mtime 0: the same bytes every time)."""
    status, headers, body = entry
    kept = [(n, v) for n, v in headers if n.lower() != b"content-length"]
    # Level 1: about a quarter of the plain size for our pages, three to six times faster
    # than level 6 (at 100,000 events markers.js takes 55 ms, not 335 ms, for 1.15 MB, not 0.92).
    compressed = gzip.compress(body, compresslevel=1, mtime=0)
    return status, [*kept, (b"content-encoding", GZIP)], compressed


async def gzipped_off_the_loop(entry: tuple[int, list, bytes]) -> tuple[int, list, bytes]:
    if len(entry[2]) < THREAD_COMPRESSION_BYTES:
        return gzipped(entry)
    return await asyncio.to_thread(gzipped, entry)


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
    as PublicResponseCache: (path, query, host, content encoding, data version).

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
                # (issue 17) the key and headers count too: a 120 KB query string is kept.
                size = len(body) + len(text.encode()) + len(encoded.encode())
                self.conn.execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                    (text, version, size, status, encoded, body),
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
        self._making: dict[tuple, asyncio.Event] = {}  # plain key -> set when done

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
        headers = scope.get("headers", [])
        # (issue 17) the scheme too: an https page's links differ from an http page's.
        host = scope.get("scheme", "http").encode() + b"://" + (_header(headers, b"host") or b"")
        version = data_version(self.public_db)
        plain_key = (scope["path"], scope.get("query_string", b""), host, b"", version)
        gzip_key = (*plain_key[:3], GZIP, version)
        wants_gzip = accepts_gzip(headers)
        # Readers who ask for a page another reader is already having made (or compressed)
        # wait for it rather than make it again: twenty map visitors right after a publish
        # cost one marker index, not twenty.
        while plain_key in self._making:
            await self._making[plain_key].wait()
        plain = self._lookup(plain_key)
        ready = self._lookup(gzip_key) if wants_gzip else None
        to_compress = wants_gzip and plain is not None and worth_compressing(plain)
        if ready is None and plain is not None and not to_compress:
            ready = plain
        if ready is not None:
            self.hits += 1
            await _send_entry(send, ready)
            return
        done = self._making[plain_key] = asyncio.Event()

        def keep(made=None, compressed=None):
            """Keep what was made (if the data did not change meanwhile), let waiters in."""
            if done.is_set():
                return
            kept = [(k, e) for k, e in ((plain_key, made), (gzip_key, compressed)) if e]
            if kept and version == data_version(self.public_db):
                for key, entry in kept:
                    self._keep(key, entry)
            del self._making[plain_key]
            done.set()

        try:
            if plain is not None:  # kept, but not yet compressed
                self.hits += 1
                compressed = await gzipped_off_the_loop(plain)
                keep(compressed=compressed)
                await _send_entry(send, compressed)
                return
            self.misses += 1
            response = _CapturedResponse(send, compress=wants_gzip, done=keep)
            await self.app(scope, receive, response.send)
            await response.finish()
        finally:
            keep()

    def _lookup(self, key: tuple) -> tuple[int, list, bytes] | None:
        cached = self.entries.get(key)
        if cached is not None:
            self.entries.move_to_end(key)
        elif self.shared is not None:
            cached = self.shared.get(key)
            if cached is not None:
                self._store(key, cached)
        return cached

    def _keep(self, key: tuple, entry: tuple[int, list, bytes]) -> None:
        self._store(key, entry)
        if self.shared is not None:
            self.shared.put(key, entry)

    def _store(self, key, entry) -> None:
        replaced = self.entries.pop(key, None)  # two readers may make the same page at once
        if replaced is not None:
            self.size -= kept_bytes(key, replaced)
        self.entries[key] = entry
        self.size += kept_bytes(key, entry)
        while len(self.entries) > MAX_ENTRIES or self.size > MAX_BYTES:
            old_key, old_entry = self.entries.popitem(last=False)
            self.size -= kept_bytes(old_key, old_entry)


def kept_bytes(key: tuple, entry: tuple[int, list, bytes]) -> int:
    """What one cached page holds: its body, and (issue 17) its key and headers, which a
    long query string makes as big as a page."""
    path, query, host, encoding, _ = key
    headers = sum(len(name) + len(value) for name, value in entry[1])
    return len(entry[2]) + len(path) + len(query) + len(host) + len(encoding) + headers


async def _send_entry(send, entry: tuple[int, list, bytes]) -> None:
    status, headers, body = entry
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _text_key(key: tuple) -> tuple[str, str]:
    """A cache key (path, query, host, encoding, data version) as the shared store's key and
    version; JSON, so that no path or query can pass for another."""
    path, query, host, encoding, version = key
    parts = [host.decode("latin-1"), encoding.decode("latin-1"), path, query.decode("latin-1")]
    return json.dumps(parts, ensure_ascii=False), repr(version)


class _CapturedResponse:
    """Passes a response on to the reader and hands a copy to `done(plain, compressed)`.

    A text response for a reader who accepts gzip is held back until complete, then sent
    compressed. One that grows past MAX_RESPONSE_BYTES is let go as it comes, uncompressed and
    uncached; errors and responses that set cookies pass straight through. `done` is called
    once, as soon as what to keep is known and before the last bytes go out: a reader on a
    slow connection must not hold up the others waiting for the same page.
    """

    def __init__(self, send, compress: bool, done):
        self._send = send
        self._compress = compress
        self._done = done
        self._start: dict | None = None
        self._held = False
        self._chunks: list[bytes] = []
        self._size = 0
        self._keeping = False

    async def send(self, message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            self._keeping = message["status"] == 200 and _header(headers, b"set-cookie") is None
            text = compressible(headers)
            if not self._keeping:
                self._done(None, None)  # nothing to keep: others make their own
            elif text:
                message = {**message, "headers": varying_on_encoding(headers)}
            self._start = message
            self._held = self._keeping and self._compress and text
            if not self._held:
                await self._send(message)
            return
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        if self._keeping:
            self._size += len(message.get("body", b""))
            if self._size > MAX_RESPONSE_BYTES:
                await self._let_go()
            else:
                self._chunks.append(message.get("body", b""))
        if self._keeping and not message.get("more_body", False):
            await self._complete(message)
        elif not self._held:
            await self._send(message)

    async def _let_go(self) -> None:
        """Too big to keep: send what was held back, and the rest as it comes."""
        self._keeping = False
        self._done(None, None)
        if self._held:
            self._held = False
            await self._send(self._start)
            await self._send({"type": "http.response.body", "body": b"".join(self._chunks),
                              "more_body": True})  # fmt: skip
        self._chunks = []

    async def _complete(self, last_message: dict | None) -> None:
        """The whole body is here: hand it over to keep, then send what is still to send."""
        self._keeping = False
        plain = (self._start["status"], self._start["headers"], b"".join(self._chunks))
        compressed = None
        if self._held and worth_compressing(plain):
            compressed = await gzipped_off_the_loop(plain)
        self._done(plain, compressed)
        if self._held:
            self._held = False
            await _send_entry(self._send, compressed or plain)
        elif last_message is not None:
            await self._send(last_message)

    async def finish(self) -> None:
        """After the app is done, for an app that never said its body was complete."""
        if self._keeping and self._start is not None:
            await self._complete(None)
