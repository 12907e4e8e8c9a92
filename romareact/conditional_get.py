"""ETag, Last-Modified and 304 for what pollers fetch again and again: the Atom feed, the
GeoJSON exports and the map's data.

Each of these is made from the public database alone, so its validator is the database's
version (romareact.response_cache.data_version: any commit changes it) with the URL, the host
(the feed names its own address) and the code's version. A poller whose copy is current gets
304 before anything is made; the answer costs two stat() calls, not a query.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from pathlib import Path

from romareact import __version__
from romareact.response_cache import data_version

CONDITIONAL_PATHS = re.compile(
    r"^/(feed\.atom|map/events\.geojson|map/data/.+|public/.+\.geojson)$"
)


def validators(path: str, query: bytes, host: bytes, version: tuple) -> tuple[str, str | None]:
    """(weak ETag, Last-Modified) of a response made from the data at `version`; weak, since
    the gzip and plain variants carry the same tag."""
    digest = hashlib.sha256(
        repr((__version__, path, query, host, version)).encode("utf-8", "surrogateescape")
    ).hexdigest()[:32]
    stamps = [stamp[0] for stamp in version if stamp]
    modified = email.utils.formatdate(max(stamps) / 1e9, usegmt=True) if stamps else None
    return f'W/"{digest}"', modified


def is_fresh(headers: dict[bytes, bytes], etag: str, modified: str | None) -> bool:
    """Whether the client's copy is current (RFC 9110 13.2.2: If-None-Match wins)."""
    if_none_match = headers.get(b"if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.decode("latin-1").split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = headers.get(b"if-modified-since")
    if since is None or modified is None:
        return False
    try:
        client = email.utils.parsedate_to_datetime(since.decode("latin-1"))
        ours = email.utils.parsedate_to_datetime(modified)
    except (TypeError, ValueError):
        return False
    return client.tzinfo is not None and ours <= client


class ConditionalGet:
    """ASGI middleware: validators on the feed, GeoJSON and map data; 304 when current."""

    def __init__(self, app, public_db: Path | str):
        self.app = app
        self.public_db = public_db

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not CONDITIONAL_PATHS.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        etag, modified = validators(
            scope["path"],
            scope.get("query_string", b""),
            headers.get(b"host", b""),
            data_version(self.public_db),
        )
        extra = [(b"etag", etag.encode())]
        if modified:
            extra.append((b"last-modified", modified.encode()))
        if is_fresh(headers, etag, modified):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [*extra, (b"vary", b"Accept-Encoding")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_validators(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_validators)
