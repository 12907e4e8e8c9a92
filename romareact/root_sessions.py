"""Sessions of `romareact serve --root`, kept in this process's memory only.

Datasette's own root cookie (ds_actor) is signed with ROMAREACT_SECRET, never expires and so
outlives the server it was made for. Here the one-time link opens a session like an
editor's (HttpOnly, 12 hours, Secure over HTTPS) whose key exists only in the memory of the
server that printed the link: after a restart, with or without --root, it opens nothing.
"""

from __future__ import annotations

import secrets
import time

LIFETIME_SECONDS = 12 * 3600
ROOT_ACTOR = {"id": "root"}


class RootSessions:
    def __init__(self, lifetime: float = LIFETIME_SECONDS):
        self.lifetime = lifetime
        self._expiry: dict[str, float] = {}  # key -> time.monotonic() it ends

    def start(self) -> str:
        key = secrets.token_urlsafe(32)
        now = time.monotonic()
        self._expiry = {k: t for k, t in self._expiry.items() if t > now}
        self._expiry[key] = now + self.lifetime
        return key

    def actor(self, key: str) -> dict | None:
        ends = self._expiry.get(key)
        if ends is None or ends <= time.monotonic():
            return None
        return dict(ROOT_ACTOR)

    def end(self, key: str) -> None:
        self._expiry.pop(key, None)


def strip_cookie(headers: list[tuple[bytes, bytes]], name: bytes) -> list[tuple[bytes, bytes]]:
    """headers without the cookie `name` (the other cookies kept)."""
    kept = []
    for header, value in headers:
        if header == b"cookie":
            parts = [p for p in value.split(b";") if p.strip().split(b"=", 1)[0] != name]
            if not parts:
                continue
            value = b";".join(parts)
        kept.append((header, value))
    return kept
