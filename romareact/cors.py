"""Cross-origin reads of the open dataset: browser tools on other sites may GET it.

Only reads of public data get CORS headers: the public database (tables, JSON, CSV, GeoJSON,
SQL on it), the map's data, the feed and the downloads. The newsroom, sign-in, the submission
form and every write never do. `*` without credentials: a browser never sends an editor's
cookies along with such a request, nor lets another site read a signed-in answer.
"""

from __future__ import annotations

import re

PUBLIC_READS = re.compile(
    r"^/(public([./?]|$)|map/data/|map/events\.geojson$|feed\.atom$|downloads([./]|$))"
)
READ_METHODS = ("GET", "HEAD")
EXPOSED = "ETag, Last-Modified, Link, Content-Length, Content-Range, Accept-Ranges"
REQUEST_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range"


def is_public_read(path: str) -> bool:
    return PUBLIC_READS.match(path) is not None


class CrossOriginReads:
    """ASGI middleware: CORS headers on public reads, and answers to their preflights."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_public_read(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await _preflight(send)
            return
        if method not in READ_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", [])
                           if not n.lower().startswith(b"access-control-")]  # fmt: skip
                headers += [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-expose-headers", EXPOSED.encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _header(scope, name: bytes) -> bytes | None:
    return next((v for n, v in scope.get("headers", []) if n.lower() == name), None)


async def _preflight(send) -> None:
    headers = [
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", ", ".join(READ_METHODS).encode()),
        (b"access-control-allow-headers", REQUEST_HEADERS.encode()),
        (b"access-control-max-age", b"86400"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
