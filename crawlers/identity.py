"""A story's identity beside its canonical URL: the feed's GUID.

A feed entry's GUID names the story for as long as the feed exists (RSS: a permalink unless
isPermaLink="false", and permanent either way; Atom: an id that must never change), so a story
whose URL slug changes, or that a feed lists twice under two links, is still one item. Some
feeds misuse the GUID - the same one on every entry, or the feed's own address - so a GUID
counts only where it names one story: not shared in the feed by entries with different
titles, and not the address of the feed or of the site. Keys are per source: "123" in one
feed and "123" in another are different stories.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from romareact.urls import canonical_url


def guid_key(source_id: str, guid: str | None) -> str | None:
    """The items.guid_key of a story with this GUID in this source."""
    if not guid or not guid.strip():
        return None
    return hashlib.sha1(f"{source_id}\n{guid.strip()}".encode()).hexdigest()[:16]


def _is_site_address(guid: str, feed_url: str) -> bool:
    if not guid.startswith(("http://", "https://")):
        return False
    if canonical_url(guid) == canonical_url(feed_url):
        return True
    return urlsplit(guid).path in ("", "/")


def usable_guids(source_id: str, entries, feed_url: str) -> dict[str, str]:
    """The GUIDs of a parsed feed that identify a story, with their keys."""
    titles: dict[str, set] = {}
    for entry in entries:
        if entry.guid and entry.guid.strip():
            titles.setdefault(entry.guid.strip(), set()).add((entry.title or "").strip())
    return {
        guid: guid_key(source_id, guid)
        for guid, seen in titles.items()
        if len(seen) == 1 and not _is_site_address(guid, feed_url)
    }


def resolve_story(db, row: dict) -> dict:
    """The items row to write: under the id of the item already holding this story - by
    canonical URL first, else by GUID (the slug changed) - or a new one. A GUID that another
    item already holds is left off rather than moved, so two items never share one."""
    key = row.get("guid_key")
    found = db.execute(
        "select id, guid_key from items where canonical_url = ?", [row["canonical_url"]]
    ).fetchone()
    if found is not None:
        by_url, its_key = found
        if key and key != its_key and _held_elsewhere(db, key, by_url):
            key = None
        return {**row, "id": by_url, "guid_key": key}
    if key:
        held = db.execute("select id from items where guid_key = ?", [key]).fetchone()
        if held is not None:
            return {**row, "id": held[0]}  # same story, new address
    return {**row, "guid_key": key}  # a new story, under the id it came with


def _held_elsewhere(db, key: str, item: str) -> bool:
    held = db.execute("select id from items where guid_key = ?", [key]).fetchone()
    return held is not None and held[0] != item
