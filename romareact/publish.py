"""From curated newsroom to public dataset: events, then the public database.

An event is one story (a cluster of items from several outlets) with a placed primary
settlement. It is published when an editor approved one of its items — or, where the
workspace publishes unreviewed events (`romareact config publish-unreviewed on`, the demo
does), when the crawler judged it Roma-related, marked "unreviewed". Community submissions
always wait for an editor. The public database holds only what may be published: no
unpublished event, no sensitive event's exact point, no submitter's details.
"""

from __future__ import annotations

import sqlite_utils

from romareact.categories import suggest_category
from romareact.db import audit, utcnow, write_transaction
from romareact.sanitize import plain_text

EXCERPT_CHARS = 300
COMMUNITY_SOURCE = "community"
PUBLISH_UNREVIEWED = "publish_unreviewed"
# One event per story: its earliest approved item speaks for it, else its earliest item.
_ELIGIBLE_ITEMS = (
    """
select * from (
  select coalesce(items.cluster_id, items.id) as story, items.id as item_id, items.title,
         items.summary, items.full_text, items.published, items.fetched, items.status,
         items.source_id, mentions.place_id,
         max(items.status = 'approved') over (
           partition by coalesce(items.cluster_id, items.id)) as approved,
         row_number() over (
           partition by coalesce(items.cluster_id, items.id)
           order by items.status = 'approved' desc,
                    coalesce(items.published, items.fetched), items.id
         ) as rank
  from items
  join mentions on mentions.item_id = items.id and mentions.is_primary = 1
  where items.status = 'approved'
     or (:unreviewed and items.status = 'new' and items.roma_related = 1
         and items.source_id is not '"""
    + COMMUNITY_SOURCE
    + """')
) where rank = 1
"""
)


def publishes_unreviewed(newsroom: sqlite_utils.Database) -> bool:
    row = newsroom.execute(
        "select value from settings where key = ?", [PUBLISH_UNREVIEWED]
    ).fetchone()
    return bool(row and row[0] == "on")


def set_publish_unreviewed(newsroom: sqlite_utils.Database, on: bool, actor: str) -> None:
    with write_transaction(newsroom):
        before = publishes_unreviewed(newsroom)
        newsroom["settings"].upsert({"key": PUBLISH_UNREVIEWED, "value": "on" if on else "off"},
                                    pk="key")  # fmt: skip
        audit(newsroom, "settings.changed", "settings", PUBLISH_UNREVIEWED,
              {"value": before}, {"value": on}, actor=actor)  # fmt: skip


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
        unreviewed = int(publishes_unreviewed(newsroom))
        for item in list(newsroom.query(_ELIGIBLE_ITEMS, {"unreviewed": unreviewed})):
            before = existing.pop(item["story"], None)
            if before is not None and before["category_origin"] == "editor":
                category, origin = before["category"], "editor"
            else:
                text = " ".join(filter(None, (item["title"], item["summary"], item["full_text"])))
                category = suggest_category(text)
                origin = "suggested" if category else None
            row = {
                "id": item["story"],
                "item_id": item["item_id"],
                "title": item["title"],
                # A community report's text may name people: the editor writes its excerpt.
                "excerpt": None
                if item["source_id"] == COMMUNITY_SOURCE
                else _excerpt(item["title"], item["summary"], item["full_text"]),
                "date": (item["published"] or item["fetched"])[:10],
                "place_id": item["place_id"],
                "category": category,
                "category_origin": origin,
                "sensitive": before["sensitive"] if before else 0,
                # Editors' decisions on the event outlive every refresh.
                **{
                    key: before[key] if before else None
                    for key in ("public_title", "public_excerpt", "tags", "edited_by")
                },
                "unpublished": before["unpublished"] if before else 0,
                "review_status": "approved" if item["approved"] else "unreviewed",
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
select events.id, coalesce(events.public_title, events.title) as title,
       coalesce(events.public_excerpt, events.excerpt) as excerpt, events.date,
       cast(substr(events.date, 1, 4) as integer) as year,
       coalesce(settlement.name, places.name) as place,
       case when places.kind = 'neighbourhood' and not events.sensitive
            then places.name end as neighbourhood, events.tags,
       places.municipality, places.province,
       -- A sensitive event is shown at its settlement's centre, never at the quarter.
       case when events.sensitive and settlement.id is not null
            then settlement.lat else places.lat end as lat,
       case when events.sensitive and settlement.id is not null
            then settlement.lon else places.lon end as lon,
       case when events.sensitive and places.kind in ('neighbourhood', 'pin') then 'settlement'
            when places.kind = 'pin' then 'point'
            else places.kind end as precision,
       events.sensitive, events.category, events.review_status, sources.name as source,
       items.url as source_url, events.updated_at as published_at,
       (select json_group_array(json_object('name', s.name, 'url', i.url))
          from items as i left join sources as s on s.id = i.source_id
         where coalesce(i.cluster_id, i.id) = events.id
           and (i.status = 'approved'
                or (i.status = 'new' and i.source_id is not 'community'))) as sources
from events
join places on places.id = events.place_id
left join places as settlement on settlement.id = places.parent_id
join items on items.id = events.item_id
left join sources on sources.id = items.source_id
where not events.unpublished
"""

# Provinces and municipalities with the centre of their settlements and the population
# GeoNames knows for them (only settlements with a recorded population count).
_AREA_ROWS = """
select 'province:' || province_code as id, 'province' as level, province as name,
       province, null as lat, null as lon, count(*) as settlements,
       sum(population) as population, count(population) as population_settlements
from places where kind = 'settlement' and province_code is not null
group by province_code
union all
select 'municipality:' || province_code || ':' || municipality, 'municipality', municipality,
       province, avg(lat), avg(lon), count(*), sum(population), count(population)
from places where kind = 'settlement' and municipality is not null
group by province_code, municipality
"""
_PLACE_ROWS = """
select id, name, municipality, province, lat, lon, population
from places where kind = 'settlement' order by id
"""
_CHANGE_FIELDS = (
    "title", "excerpt", "date", "place", "neighbourhood", "lat", "lon", "precision",
    "category", "review_status", "sources", "sensitive", "tags",
)  # fmt: skip


def _area_rows(newsroom: sqlite_utils.Database) -> list[dict]:
    centres = {
        row["province_code"]: (row["lat"], row["lon"])
        for row in newsroom["places"].rows_where("kind = 'province'")
    }
    rows = []
    for row in newsroom.query(_AREA_ROWS):
        if row["level"] == "province":
            code = row["id"].split(":", 1)[1]
            row["lat"], row["lon"] = centres.get(code, (None, None))
        rows.append(row)
    return rows


def _changes(old: dict[str, dict], new: list[dict], now: str) -> list[dict]:
    """One changelog line per event added, changed in a visible way, or removed."""
    changes = []
    for row in new:
        before = old.pop(row["id"], None)
        if before is None:
            change = "added"
        elif any(before.get(f) != row.get(f) for f in _CHANGE_FIELDS):
            change = "updated"
        else:
            continue
        changes.append({"at": now, "event_id": row["id"], "change": change, "title": row["title"]})
    for gone in old.values():
        changes.append({"at": now, "event_id": gone["id"], "change": "removed",
                        "title": gone["title"]})  # fmt: skip
    return changes


def export_public(newsroom: sqlite_utils.Database, public: sqlite_utils.Database) -> int:
    """Make the public events table exactly the newsroom's events; returns the event count.

    Every visible change lands in the public changelog, and the areas table follows the
    gazetteer.
    """
    rows = list(newsroom.query(_PUBLIC_ROWS))
    areas = _area_rows(newsroom)
    with write_transaction(public):
        old = {row["id"]: row for row in public["events"].rows}
        changes = _changes(old, rows, utcnow())
        if changes:
            public["events"].upsert_all(rows, pk="id")
            removed = [c["event_id"] for c in changes if c["change"] == "removed"]
            for start in range(0, len(removed), 500):
                chunk = removed[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                public["events"].delete_where(f"id in ({marks})", chunk)
            public["changelog"].insert_all(changes)
        _replace_if_changed(public["areas"], areas)
        _replace_if_changed(public["places"], list(newsroom.query(_PLACE_ROWS)))
    return len(rows)


def _replace_if_changed(table: sqlite_utils.db.Table, rows: list[dict]) -> None:
    """Rewrite a small reference table only when the gazetteer changed it."""
    if list(table.rows_where(order_by="rowid")) != rows:
        table.delete_where()
        table.insert_all(rows)
