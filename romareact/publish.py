"""From curated newsroom to public dataset: events, then the public database.

Until editors can review (the curation plugin), every Roma-related item with a placed primary
settlement becomes an event marked "unreviewed"; an editor's rejection removes it.
"""

from __future__ import annotations

import sqlite_utils

from romareact.db import audit, utcnow, write_transaction
from romareact.sanitize import plain_text

EXCERPT_CHARS = 300
# One event per story: the earliest eligible item of each cluster speaks for it.
_ELIGIBLE_ITEMS = """
select * from (
  select coalesce(items.cluster_id, items.id) as story, items.id as item_id, items.title,
         items.summary, items.full_text, items.published, items.fetched, items.status,
         mentions.place_id,
         row_number() over (
           partition by coalesce(items.cluster_id, items.id)
           order by coalesce(items.published, items.fetched), items.id
         ) as rank
  from items
  join mentions on mentions.item_id = items.id and mentions.is_primary = 1
  where items.roma_related = 1 and items.status in ('new', 'approved')
) where rank = 1
"""


def _excerpt(title: str | None, summary: str | None, full_text: str | None) -> str | None:
    text = plain_text(summary) or plain_text(full_text)
    if text and title and text.startswith(title):
        text = text[len(title) :].lstrip() or None  # extracted text often opens with the headline
    if text and len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def refresh_events(newsroom: sqlite_utils.Database) -> dict:
    """Create or update one event per story; remove events whose story is no longer eligible."""
    # Read and write in one transaction: several crawler processes may publish at once.
    with write_transaction(newsroom):
        existing = {row["id"]: row for row in newsroom["events"].rows}
        now = utcnow()
        changed = 0
        for item in list(newsroom.query(_ELIGIBLE_ITEMS)):
            before = existing.pop(item["story"], None)
            row = {
                "id": item["story"],
                "item_id": item["item_id"],
                "title": item["title"],
                "excerpt": _excerpt(item["title"], item["summary"], item["full_text"]),
                "date": (item["published"] or item["fetched"])[:10],
                "place_id": item["place_id"],
                "category": before["category"] if before else None,
                "review_status": "approved" if item["status"] == "approved" else "unreviewed",
                "created_at": before["created_at"] if before else now,
                "updated_at": now,
            }
            if before is not None and all(
                before[k] == row[k] for k in row if k not in ("updated_at", "created_at")
            ):
                continue
            changed += 1
            newsroom["events"].upsert(row, pk="id")
            action = "event.created" if before is None else "event.updated"
            audit(newsroom, action, "events", row["id"], before, row)
        for stale in existing.values():
            newsroom["events"].delete(stale["id"])
            audit(newsroom, "event.removed", "events", stale["id"], stale, None)
    return {"changed": changed, "removed": len(existing), "total": newsroom["events"].count}


_PUBLIC_ROWS = """
select events.id, events.title, events.excerpt, events.date,
       coalesce(settlement.name, places.name) as place,
       case when places.kind = 'neighbourhood' then places.name end as neighbourhood,
       places.municipality, places.province, places.lat, places.lon,
       places.kind as precision,
       events.category, events.review_status, sources.name as source,
       items.url as source_url, events.updated_at as published_at,
       (select json_group_array(json_object('name', s.name, 'url', i.url))
          from items as i left join sources as s on s.id = i.source_id
         where coalesce(i.cluster_id, i.id) = events.id
           and i.status in ('new', 'approved')) as sources
from events
join places on places.id = events.place_id
left join places as settlement on settlement.id = places.parent_id
join items on items.id = events.item_id
left join sources on sources.id = items.source_id
"""


def export_public(newsroom: sqlite_utils.Database, public: sqlite_utils.Database) -> int:
    """Make the public events table exactly the newsroom's events; returns the event count."""
    rows = list(newsroom.query(_PUBLIC_ROWS))
    keep = [row["id"] for row in rows]
    with write_transaction(public):
        public["events"].upsert_all(rows, pk="id")
        if keep:
            marks = ",".join("?" for _ in keep)
            public["events"].delete_where(f"id not in ({marks})", keep)
        else:
            public["events"].delete_where()
    return len(rows)
