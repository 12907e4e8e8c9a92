"""Cleaning untrusted text on the way in: plain-text titles, nh3-sanitised summaries."""

from __future__ import annotations

import hashlib
import html
import re

import nh3

_SPACES = re.compile(r"\s+")
SUMMARY_TAGS = {"p", "br", "b", "strong", "i", "em", "ul", "ol", "li", "blockquote", "a"}
MAX_TITLE = 500
MAX_SUMMARY = 5000


def plain_text(value: str | None, limit: int | None = None) -> str | None:
    """Markup removed, entities decoded, whitespace collapsed."""
    if not value:
        return None
    text = html.unescape(nh3.clean(value, tags=set()))
    text = _SPACES.sub(" ", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def clean_summary(value: str | None) -> str | None:
    """A small safe subset of HTML: no scripts, styles, event handlers or foreign links schemes."""
    if not value:
        return None
    cleaned = nh3.clean(
        value[: MAX_SUMMARY * 4],
        tags=SUMMARY_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
    return cleaned or None


def content_hash(text: str | None) -> str | None:
    """A fingerprint of the words of a text, blind to spacing and case."""
    if not text:
        return None
    normal = _SPACES.sub(" ", text).strip().lower()
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()
