"""Editors' decisions on items and events. Every function records who did what, with the
state before and after, in the audit log, and runs in one write transaction.

Events are stories: items share a story through items.cluster_id (the crawler's clustering
or an editor's merge). After a decision the caller refreshes the events and the public
database (romareact.publish), so the public side follows at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta

import sqlite_utils

from geocode.gazetteer import Gazetteer, point_distance_km
from geocode.resolve import PlaceMention, find_places
from romareact.categories import CATEGORIES
from romareact.db import audit, utcnow, write_transaction
from romareact.language import detect_language
from romareact.publish import COMMUNITY_SOURCE
from romareact.sanitize import plain_text as _plain_text
from romareact.urls import item_id as url_item_id

DECISIONS = ("approved", "rejected", "new")
MAX_TAGS = 10
# Community reports accepted per sender address in SUBMISSION_WINDOW.
SUBMISSION_LIMIT = 5
SUBMISSION_WINDOW = timedelta(hours=1)


def plain_text(value: str | None) -> str:
    """Markup-free text, "" for nothing."""
    return _plain_text(value) or ""


class CurationError(ValueError):
    """A decision that cannot be applied, with the reason."""


def _item(newsroom, item_id: str) -> dict:
    row = next(newsroom.query("select * from items where id = ?", [item_id]), None)
    if row is None:
        raise CurationError(f"no item {item_id!r}")
    return row


def _story(item: dict) -> str:
    return item["cluster_id"] or item["id"]


def decide(
    newsroom: sqlite_utils.Database,
    item_ids: list[str],
    decision: str,
    actor: str,
    reason: str | None = None,
) -> int:
    """Approve, reject (with an optional reason) or reopen items; returns how many changed."""
    if decision not in DECISIONS:
        raise CurationError(f"unknown decision {decision!r}")
    reason = plain_text(reason)[:500] if reason else None
    changed = 0
    with write_transaction(newsroom):
        for item_id in item_ids:
            item = _item(newsroom, item_id)
            after = {
                "status": decision,
                "reject_reason": reason if decision == "rejected" else None,
            }
            if {k: item[k] for k in after} == after:
                continue
            if decision == "approved":
                after["roma_related"] = 1  # the editor says so, whatever the score was
            before = {k: item[k] for k in after}  # all an undo needs to restore
            newsroom["items"].update(item_id, after)
            audit(newsroom, f"item.{decision}", "items", item_id, before, after, actor=actor)
            changed += 1
    return changed


def last_audit_id(newsroom: sqlite_utils.Database) -> int:
    """The audit log's latest entry: decisions after it form the next batch to undo."""
    return newsroom.execute("select coalesce(max(id), 0) from audit_log").fetchone()[0]


UNDO_LIMIT = 1000  # audit entries one undo may read: a page of decisions and then some


def undo_decisions(newsroom: sqlite_utils.Database, after_id: int, last_id: int, actor: str) -> int:
    """Undo the decisions `actor` made in audit entries (after_id, last_id]: each item goes
    back to its state before, if it is still as decided then (an item decided again since,
    by anyone, is left alone). Returns how many items were restored."""
    if not 0 <= after_id < last_id or last_id - after_id > UNDO_LIMIT:
        raise CurationError("nothing to undo")
    restored = 0
    with write_transaction(newsroom):
        entries = list(newsroom.query(
            "select row_id, before, after from audit_log where id > ? and id <= ? "
            "and actor = ? and action in ('item.approved', 'item.rejected', 'item.new') "
            "order by id desc", [after_id, last_id, actor]))  # fmt: skip
        for entry in entries:
            before, after = json.loads(entry["before"]), json.loads(entry["after"])
            item = next(newsroom.query("select * from items where id = ?", [entry["row_id"]]),
                        None)  # fmt: skip
            if item is None or any(item[k] != v for k, v in after.items()):
                continue
            newsroom["items"].update(item["id"], before)
            audit(newsroom, "item.undone", "items", item["id"], after, before, actor=actor)
            restored += 1
    return restored


def relocate(newsroom: sqlite_utils.Database, item_id: str, place_id: str, actor: str) -> None:
    """Make place_id the item's primary place (an editor's mention, kept across re-crawls)."""
    with write_transaction(newsroom):
        item = _item(newsroom, item_id)
        place = next(newsroom.query("select * from places where id = ?", [place_id]), None)
        if place is None:
            raise CurationError(f"no place {place_id!r}")
        before = next(
            newsroom.query(
                "select place_id from mentions where item_id = ? and is_primary = 1", [item_id]
            ),
            None,
        )
        newsroom.execute("update mentions set is_primary = 0 where item_id = ?", [item_id])
        newsroom.execute("delete from mentions where item_id = ? and start < 0", [item_id])
        newsroom["mentions"].insert(
            {"item_id": item["id"], "place_id": place_id, "start": -1, "end": -1,
             "surface": place["name"], "confidence": 1.0, "is_primary": 1}
        )  # fmt: skip
        audit(newsroom, "item.relocated", "items", item_id,
              {"place_id": before["place_id"] if before else None},
              {"place_id": place_id, "place": place["name"], "province": place["province"]},
              actor=actor)  # fmt: skip


def drop_pin(
    newsroom: sqlite_utils.Database, item_id: str, lat: float, lon: float, actor: str
) -> str:
    """Place the item at an exact point, inside the nearest settlement; returns the pin id."""
    if not (41.0 <= lat <= 44.5 and 22.0 <= lon <= 29.0):
        raise CurationError("the pin must be in Bulgaria / точката трябва да е в България")
    settlements = list(newsroom.query(
        "select * from places where kind = 'settlement' and lat between ? and ? "
        "and lon between ? and ?", [lat - 0.3, lat + 0.3, lon - 0.4, lon + 0.4]))  # fmt: skip
    if not settlements:
        settlements = list(newsroom.query("select * from places where kind = 'settlement'"))
    nearest = min(settlements, key=lambda p: point_distance_km(lat, lon, p["lat"], p["lon"]))
    pin_id = f"pin:{item_id}:{secrets.token_hex(3)}"
    with write_transaction(newsroom):
        newsroom["places"].insert(
            {"id": pin_id, "name": nearest["name"], "kind": "pin", "lat": round(lat, 6),
             "lon": round(lon, 6), "province": nearest["province"],
             "province_code": nearest["province_code"], "municipality": nearest["municipality"],
             "parent_id": nearest["id"], "source": f"editor:{actor}"}
        )  # fmt: skip
    relocate(newsroom, item_id, pin_id, actor)
    return pin_id


def edit_event(
    newsroom: sqlite_utils.Database,
    event_id: str,
    actor: str,
    *,
    category: str | None = None,
    tags: str | None = None,
    public_title: str | None = None,
    public_excerpt: str | None = None,
    sensitive: bool | None = None,
    unpublished: bool | None = None,
) -> dict:
    """Change what the public sees of an event; None leaves a field as it is, "" clears it."""
    with write_transaction(newsroom):
        event = next(newsroom.query("select * from events where id = ?", [event_id]), None)
        if event is None:
            raise CurationError(f"no event {event_id!r}")
        changes: dict = {}
        if category is not None:
            if category and category not in CATEGORIES:
                raise CurationError(f"unknown category {category!r}")
            changes.update(category=category or None, category_origin="editor")
        if tags is not None:
            cleaned = [plain_text(t)[:40].strip() for t in tags.split(",")]
            cleaned = sorted({t.lower() for t in cleaned if t})[:MAX_TAGS]
            changes["tags"] = ", ".join(cleaned) or None
        if public_title is not None:
            changes["public_title"] = plain_text(public_title)[:300].strip() or None
        if public_excerpt is not None:
            changes["public_excerpt"] = plain_text(public_excerpt)[:600].strip() or None
        if sensitive is not None:
            changes["sensitive"] = int(sensitive)
        if unpublished is not None:
            changes["unpublished"] = int(unpublished)
        changes = {k: v for k, v in changes.items() if event.get(k) != v}
        if changes:
            changes["edited_by"] = actor
            newsroom["events"].update(event_id, changes)
            audit(newsroom, "event.edited", "events", event_id,
                  {k: event.get(k) for k in changes}, changes, actor=actor)  # fmt: skip
        return changes


def merge(newsroom: sqlite_utils.Database, target_item: str, other_items: list[str], actor: str):
    """Put the stories of other_items into target_item's story: one event, all sources."""
    with write_transaction(newsroom):
        target = _item(newsroom, target_item)
        story = _story(target)
        moved = []
        for other_id in other_items:
            other = _item(newsroom, other_id)
            old_story = _story(other)
            if old_story == story:
                continue
            members = [
                r["id"]
                for r in newsroom.query(
                    "select id from items where coalesce(cluster_id, id) = ?", [old_story]
                )
            ]
            for member in members:
                newsroom["items"].update(member, {"cluster_id": story, "cluster_locked": 1})
            moved.extend(members)
            before = {"story": old_story, "items": members}
            audit(newsroom, "story.merged", "events", story, before, {"story": story}, actor=actor)
        newsroom["items"].update(target["id"], {"cluster_id": story, "cluster_locked": 1})
    return moved


def split(newsroom: sqlite_utils.Database, item_id: str, actor: str) -> str:
    """Take an item out of its story into a story of its own; returns the new story id."""
    with write_transaction(newsroom):
        item = _item(newsroom, item_id)
        story = _story(item)
        others = [r["id"] for r in newsroom.query(
            "select id from items where coalesce(cluster_id, id) = ? and id != ? "
            "order by coalesce(published, fetched), id", [story, item_id])]  # fmt: skip
        if not others:
            raise CurationError("this item is a story of its own already")
        if story == item_id:
            # The story was named after this item: the rest keep a story of their own.
            for other in others:
                newsroom["items"].update(other, {"cluster_id": others[0], "cluster_locked": 1})
        newsroom["items"].update(
            item_id, {"cluster_id": item_id, "cluster_locked": 1, "story_lead": 0}
        )
        audit(newsroom, "story.split", "events", story, {"story": story},
              {"item": item_id, "story": item_id}, actor=actor)  # fmt: skip
    return item_id


# Used when the caller has no server key (a key of this process only).
_PROCESS_KEY = secrets.token_bytes(32)


def _address_hash(address: str, key: bytes | None = None) -> str:
    # Enough to count reports per sender, without keeping the address itself. Keyed (issue
    # 17): a plain hash of an IPv4 address is undone by hashing all four billion of them.
    digest = hmac.new(key or _PROCESS_KEY, f"submission:{address}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def submission_allowed(
    newsroom: sqlite_utils.Database, address: str, key: bytes | None = None
) -> bool:
    since = (datetime.now(UTC) - SUBMISSION_WINDOW).isoformat(timespec="seconds")
    count = newsroom.execute(
        "select count(*) from submissions where address_hash = ? and created_at >= ?",
        [_address_hash(address, key), since],
    ).fetchone()[0]
    return count < SUBMISSION_LIMIT


def place_report(
    gazetteer: Gazetteer, place_text: str, title: str = "", description: str = ""
) -> list[PlaceMention]:
    """The places of a community report, by the analysis news gets (Cyrillic or Latin,
    quarters, namesakes weighed): what the reporter typed as the place, else the report's
    own words. The reporter writes about Bulgaria."""
    if place_text.strip():
        lang = detect_language(place_text)
        found = find_places(place_text, gazetteer, lang=lang, in_bulgaria=True)
        if found:
            return found
    if description.strip() or title.strip():
        lang = detect_language(f"{title} {description}")
        return find_places(description, gazetteer, title=title or None, lang=lang,
                           in_bulgaria=True)  # fmt: skip
    return []


def submit_report(
    newsroom: sqlite_utils.Database,
    *,
    title: str,
    description: str,
    place_id: str | None = None,
    places: list[PlaceMention] = (),
    place_text: str | None = None,
    event_date: str | None,
    link: str | None,
    contact: str | None,
    language: str,
    address: str,
    address_key: bytes | None = None,
) -> str:
    """A community report, queued for editors as a submission; returns its item id."""
    title, description = plain_text(title)[:200].strip(), plain_text(description)[:5000].strip()
    if not title or not description:
        raise CurationError("title and description are required / заглавие и описание")
    if link and not link.startswith(("http://", "https://")):
        raise CurationError("the link must start with http:// or https://")
    token = secrets.token_hex(8)
    url = link or f"urn:romareact:submission:{token}"
    key = url_item_id(f"{url}#submission-{token}")
    now = utcnow()
    with write_transaction(newsroom):
        newsroom["sources"].upsert(
            {"id": COMMUNITY_SOURCE, "name": "Сигнали от читатели / Community reports",
             "kind": "submission", "url": "urn:romareact:submissions", "enabled": 0},
            pk="id",
        )  # fmt: skip
        newsroom["items"].insert(
            {
                "id": key,
                "source_id": COMMUNITY_SOURCE,
                "url": url,
                "canonical_url": f"{url}#submission-{token}",
                "title": title,
                "full_text": description,
                "published": f"{event_date}T12:00:00+00:00" if event_date else now,
                "fetched": now,
                "language": language,
                "roma_related": 1,
                "relevance": None,
                "status": "new",
            }
        )
        if place_id:
            newsroom["mentions"].insert(
                {"item_id": key, "place_id": place_id, "start": -1, "end": -1,
                 "surface": None, "confidence": 0.5, "is_primary": 1}
            )  # fmt: skip
        for mention in places:
            # Offsets point into the typed place, not the text: stored as -1, like an
            # editor's place, so a re-analysis never takes them for the text's.
            newsroom["mentions"].insert(
                {"item_id": key, "place_id": (mention.neighbourhood or mention.place).id,
                 "start": -1, "end": -1, "surface": mention.surface,
                 "confidence": mention.confidence, "is_primary": int(mention.primary),
                 "needs_review": int(mention.needs_review),
                 "candidates": json.dumps(mention.candidate_dicts(), ensure_ascii=False)
                 if mention.needs_review else None}
            )  # fmt: skip
        place_text = plain_text(place_text)[:100].strip() or None
        newsroom["submissions"].insert(
            {"item_id": key, "contact": plain_text(contact)[:300] if contact else None,
             "address_hash": _address_hash(address, address_key), "language": language,
             "created_at": now, "place_text": place_text}
        )  # fmt: skip
        primary = next((m for m in places if m.primary), None)
        placed = place_id or (primary and (primary.neighbourhood or primary.place).id)
        audit(newsroom, "submission.received", "items", key, None,
              {"title": title, "place_id": placed, "place_text": place_text},
              actor="public")  # fmt: skip
    return key
