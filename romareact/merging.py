"""Merging stories as an editor sees it: likely same-story items, the two stories side by
side with what disagrees, and a merge that keeps the title, place and category chosen.

Candidates come from what the clustering already knows (romareact/clusters.py): texts that
share indexed sketch minima, compared by their sketches; and items placed in the same
settlement within a few days, compared by their titles. Each lookup reads an index and a
bounded number of rows, whatever the size of the newsroom.
"""

from __future__ import annotations

import json
import re
from datetime import date

import sqlite_utils

from romareact import curation
from romareact.clusters import INDEXED_MINIMA, similarity
from romareact.db import audit, write_transaction

NEAR_DAYS = 7  # candidates by place: published this close
PLACE_SCAN = 300  # the latest items at one place read to find them
WARN_DAYS = 3  # two reports of one story this far apart deserve a second look
MAX_CANDIDATES = 8
_WORD = re.compile(r"\w{4,}")

_ITEM = """
select items.id, items.title, items.summary, items.full_text, items.status, items.sketch,
       coalesce(items.cluster_id, items.id) as story,
       substr(coalesce(items.published, items.fetched), 1, 10) as day,
       sources.name as source, mentions.place_id, places.name as place,
       places.province, coalesce(places.parent_id, places.id) as settlement
from items
left join sources on sources.id = items.source_id
left join mentions on mentions.item_id = items.id and mentions.is_primary = 1
left join places on places.id = mentions.place_id
where items.id in (select value from json_each(?))
"""


def _items(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict]:
    return {row["id"]: row for row in db.query(_ITEM, [json.dumps(ids)])}


def _days(a: str | None, b: str | None) -> int | None:
    try:
        return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)
    except (TypeError, ValueError):
        return None


def title_similarity(a: str | None, b: str | None) -> float:
    """Shared words of four letters or more, over all of them (a headline's Jaccard)."""
    words_a = set(_WORD.findall((a or "").lower()))
    words_b = set(_WORD.findall((b or "").lower()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def candidates(db: sqlite_utils.Database, item_id: str) -> list[dict]:
    """Items of other stories that likely tell the same story, best first, each with why:
    {"id", "title", "source", "place", "province", "day", "text", "title_score",
    "same_place", "days"}."""
    mine = _items(db, [item_id]).get(item_id)
    if mine is None:
        return []
    found: set[str] = set()
    sketch = json.loads(mine["sketch"] or "[]")
    if sketch:
        minima = sketch[:INDEXED_MINIMA]
        found |= {
            row[0]
            for row in db.execute(
                "select distinct item_id from item_minima where hash in "
                "(select value from json_each(?)) limit 50",
                [json.dumps(minima)],
            )
        }
    if mine["place_id"]:
        found |= {
            row[0]
            for row in db.execute(
                "select item_id from mentions where place_id = ? and is_primary = 1 "
                "order by rowid desc limit ?",
                [mine["place_id"], PLACE_SCAN],
            )
        }
    found.discard(item_id)
    out = []
    for other in _items(db, sorted(found)).values():
        if other["story"] == mine["story"]:
            continue
        text = similarity(sketch, json.loads(other["sketch"] or "[]")) if sketch else 0.0
        days = _days(mine["day"], other["day"])
        same_place = bool(mine["settlement"]) and other["settlement"] == mine["settlement"]
        titles = title_similarity(mine["title"], other["title"])
        if text < 0.1 and not (same_place and days is not None and days <= NEAR_DAYS):
            continue
        out.append({
            "id": other["id"], "title": other["title"], "source": other["source"],
            "place": other["place"], "province": other["province"], "day": other["day"],
            "status": other["status"], "text": round(text, 2), "title_score": round(titles, 2),
            "same_place": same_place, "days": days,
        })  # fmt: skip
    out.sort(key=lambda c: (-(c["text"] + c["title_score"] + 0.3 * c["same_place"]),
                            c["days"] if c["days"] is not None else 99, c["id"]))  # fmt: skip
    return out[:MAX_CANDIDATES]


def _side(db: sqlite_utils.Database, item: dict) -> dict:
    """One story as the merge page shows it: its event's title, place and category."""
    event = next(db.query("select * from events where id = ?", [item["story"]]), None)
    lead = item
    if event is not None and event["item_id"] != item["id"]:
        lead = _items(db, [event["item_id"]]).get(event["item_id"], item)
    sources = [
        row["name"] or row["source_id"]
        for row in db.query(
            "select sources.name, items.source_id from items left join sources "
            "on sources.id = items.source_id where coalesce(items.cluster_id, items.id) = ? "
            "order by items.id",
            [item["story"]],
        )
    ]
    opening = curation.plain_text(lead["full_text"] or lead["summary"] or "")[:240]
    return {
        "item_id": item["id"],
        "lead": lead["id"],
        "story": item["story"],
        "title": (event and event["public_title"]) or lead["title"],
        "public_title": event["public_title"] if event else None,
        "place": lead["place"],
        "place_id": lead["place_id"],
        "province": lead["province"],
        "settlement": lead["settlement"],
        "day": lead["day"],
        "category": event["category"] if event else None,
        "status": lead["status"],
        "sources": sources,
        "opening": opening,
    }


def compare(db: sqlite_utils.Database, item_id: str, other_id: str) -> dict:
    """The two stories side by side, and the warnings an editor should read first."""
    items = _items(db, [item_id, other_id])
    for key in (item_id, other_id):
        if key not in items:
            raise curation.CurationError(f"no item {key!r}")
    this, that = _side(db, items[item_id]), _side(db, items[other_id])
    warnings = []
    if this["story"] == that["story"]:
        warnings.append(("merge.same", {}))
    elif not this["place_id"] or not that["place_id"]:
        warnings.append(("merge.warn_noplace", {}))
    elif this["province"] != that["province"]:
        warnings.append(("merge.warn_province", {"a": this["province"], "b": that["province"]}))
    elif this["settlement"] != that["settlement"]:
        warnings.append(("merge.warn_place", {"a": this["place"], "b": that["place"]}))
    days = _days(this["day"], that["day"])
    if days is not None and days > WARN_DAYS:
        warnings.append(("merge.warn_days", {"n": days}))
    return {"this": this, "that": that, "warnings": warnings,
            "same_story": this["story"] == that["story"]}  # fmt: skip


def merge_keeping(
    db: sqlite_utils.Database,
    item_id: str,
    other_id: str,
    actor: str,
    keep_title: str = "this",
    keep_place: str = "this",
    keep_category: str = "this",
) -> dict:
    """Merge other_id's story into item_id's, the event keeping the title, place and
    category of the side chosen for each ("this" or "that"); returns what it keeps.

    The event stays item_id's story (its id, and what editors wrote on it). The item whose
    title is kept becomes the story's lead (items.story_lead), so a later refresh does not
    hand the event to another item."""
    for choice in (keep_title, keep_place, keep_category):
        if choice not in ("this", "that"):
            raise curation.CurationError(f"keep 'this' or 'that', not {choice!r}")
    sides = compare(db, item_id, other_id)
    if sides["same_story"]:
        raise curation.CurationError("these items are one story already")
    this, that = sides["this"], sides["that"]
    title_side = this if keep_title == "this" else that
    place_side = this if keep_place == "this" else that
    category = (this if keep_category == "this" else that)["category"]
    with write_transaction(db):
        moved = curation.merge(db, item_id, [other_id], actor)
        story = this["story"]
        lead = title_side["lead"]
        db.execute(
            "update items set story_lead = (id = ?) where coalesce(cluster_id, id) = ? "
            "and story_lead is not (id = ?)",
            [lead, story, lead],
        )
        # story_lead is not a column the change triggers watch: note the story here.
        db.execute(
            "insert into story_changes (story) select ? "
            "where not exists (select 1 from story_changes where story = ?)",
            [story, story],
        )
        if place_side["place_id"] and place_side["place_id"] != _primary_place(db, lead):
            curation.relocate(db, lead, place_side["place_id"], actor)
        kept = {"title": title_side["title"], "place": place_side["place"],
                "province": place_side["province"], "category": category, "lead": lead,
                "moved": moved,
                # The other event's public title, if the editor wrote one, comes along.
                "title_is_public": (that["public_title"] or "") if keep_title == "that"
                else None}  # fmt: skip
        audit(db, "story.merge_kept", "events", story, {"this": this["title"],
              "that": that["title"]}, kept, actor=actor)  # fmt: skip
    return kept


def apply_kept_category(db: sqlite_utils.Database, story: str, kept: dict, actor: str) -> None:
    """After the merged story's event is refreshed: the category chosen, as the editor's."""
    if kept.get("category") and db["events"].count_where("id = ?", [story]):
        curation.edit_event(db, story, actor, category=kept["category"])
    if kept.get("title_is_public") is not None:
        curation.edit_event(db, story, actor, public_title=kept["title_is_public"])


def _primary_place(db: sqlite_utils.Database, item_id: str) -> str | None:
    row = next(db.query("select place_id from mentions where item_id = ? and is_primary = 1",
                        [item_id]), None)  # fmt: skip
    return row["place_id"] if row else None
