"""Checking a source's fields when the sources file is loaded, with messages that name the
file, the source and the field.

A value that passes here must work everywhere later: an interval too large for a date, a
negative one that makes a source always due, a `rules = "h2 a"` string where a table was
meant all used to pass and break each crawl afterwards. A validator of our own rather than
pydantic: a dozen fields, messages in the editor's terms, and no dependency for it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

KINDS = ("feed", "listing", "sitemap")
MIN_INTERVAL = 5  # minutes: politeness, and a source polled faster gains nothing
MAX_INTERVAL = 7 * 24 * 60  # a week: rarer than that, an editor polls by hand
MAX_PAGES = 50
_LARGEST = {"max_pages": MAX_PAGES, "max_age_days": 365}
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TEXT_FIELDS = ("homepage", "language", "country", "category")
_RULES = {
    "links": str, "links_xpath": str, "next_page": str, "max_pages": int,  # listing
    "pattern": str, "max_age_days": int,  # sitemap: article URLs matching, this recent
}  # fmt: skip


class SourcesError(ValueError):
    """The sources file is malformed; the message names the source and field."""


def _web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_entry(entry, where: str, fields: set[str]) -> dict:
    """The entry as it is, or SourcesError naming `where` and the field at fault."""
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: must be a table of fields, got {entry!r:.60}")
    for required in ("id", "name", "kind", "url"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise SourcesError(f"{where}: '{required}' is required and must be text")
    if not _ID.match(entry["id"]):
        raise SourcesError(f"{where}: 'id' must be lower-case letters, digits, '-' or '_'")
    if entry["kind"] not in KINDS:
        raise SourcesError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    if not _web_address(entry["url"]):
        raise SourcesError(
            f"{where}: 'url' must be an http(s) URL with a host, got {entry['url']!r:.200}"
        )
    for name in _TEXT_FIELDS:
        if name in entry and not isinstance(entry[name], str):
            raise SourcesError(f"{where}: '{name}' must be text, got {entry[name]!r:.60}")
    if "homepage" in entry and not _web_address(entry["homepage"]):
        raise SourcesError(f"{where}: 'homepage' must be an http(s) URL with a host")
    interval = entry.get("interval_minutes", 60)
    if not _whole_number(interval) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise SourcesError(
            f"{where}: 'interval_minutes' must be a whole number of minutes from"
            f" {MIN_INTERVAL} to {MAX_INTERVAL} (a week), got {interval!r:.60}"
        )
    _check_rules(entry, where)
    unknown = set(entry) - fields
    if unknown:
        raise SourcesError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return entry


def _check_rules(entry: dict, where: str) -> None:
    rules = entry.get("rules", {})
    if not isinstance(rules, dict):
        raise SourcesError(
            f"{where}: 'rules' must be a table ([source.rules] or rules = {{ links = \"...\" }}),"
            f" got {rules!r:.60}"
        )
    for name, value in rules.items():
        wanted = _RULES.get(name)
        if wanted is None:
            raise SourcesError(f"{where}: unknown rule 'rules.{name}'")
        largest = _LARGEST.get(name)
        if wanted is int and (not _whole_number(value) or not 1 <= value <= largest):
            raise SourcesError(
                f"{where}: 'rules.{name}' must be a whole number from 1 to {largest}"
            )
        if wanted is str and (not isinstance(value, str) or not value.strip()):
            raise SourcesError(f"{where}: 'rules.{name}' must be a non-empty selector text")
    if "pattern" in rules:
        try:
            re.compile(rules["pattern"])
        except re.error as error:
            message = f"{where}: 'rules.pattern' is not a regular expression: {error}"
            raise SourcesError(message) from None
    if entry["kind"] == "listing" and not (rules.get("links") or rules.get("links_xpath")):
        raise SourcesError(
            f"{where}: a listing source needs rules.links (CSS) or rules.links_xpath"
        )


def source_entries(document: dict, path) -> list:
    """The [[source]] entries of a parsed sources file."""
    entries = document.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError(
            f"{path}: 'source' must be an array of tables, each starting with [[source]],"
            f" got {type(entries).__name__} {entries!r:.60}"
        )
    return entries
