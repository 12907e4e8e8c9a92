"""Where a page may send a visitor after signing in: only a path on this site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_NEXT = "/newsroom/-/queue"
# Browsers read a backslash as a slash and drop tabs and newlines, so "/\evil.example" and
# "/\t/evil.example" are "//evil.example": another site.
_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str = DEFAULT_NEXT) -> str:
    """target if it is a path on this site (one leading slash, no scheme or host, no
    backslash or control character), else default."""
    if not target or _UNSAFE.search(target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
