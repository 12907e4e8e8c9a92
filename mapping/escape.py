"""The one place where untrusted strings are made safe for the map page."""

from __future__ import annotations

import html
import json
from urllib.parse import urlsplit


def safe_url(url: str | None) -> str:
    """Only http(s) links reach a page: no javascript:, data: or relative tricks."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return ""
    return url


def html_text(value) -> str:
    """Text for an HTML body or attribute: every markup character escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value) -> str:
    """JSON that is safe inside <script>: no '</script>', no HTML comment or CDATA openers."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
