"""From curated newsroom to public dataset: events, then the public database.

An event is one story (a cluster of items from several outlets) with a placed primary
settlement. It is published when an editor approved one of its items — or, where the
workspace publishes unreviewed events (`romareact config publish-unreviewed on`, the demo
does), when the crawler judged it Roma-related, marked "unreviewed". Community submissions
always wait for an editor. The public database holds only what may be published: no
unpublished event, no sensitive event's exact point, no submitter's details.
"""

from __future__ import annotations

import json

import sqlite_utils

from romareact.categories import suggest_category
from romareact.db import audit, mark_all_stories, utcnow, write_transaction
from romareact.sanitize import plain_text

EXCERPT_CHARS = 300
COMMUNITY_SOURCE = "community"
PUBLISH_UNREVIEWED = "publish_unreviewed"
# One event per story: the item an editor chose when merging (items.story_lead) speaks for
# it, else its earliest approved item, else its earliest item.
# Only the chosen stories' items, through the items_story index (+status: not the status
# index, which holds a quarter of the newsroom per status).
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
           order by items.story_lead desc, items.status = 'approved' desc,
                    coalesce(items.published, items.fetched), items.id
         ) as rank
  from items
  join mentions on mentions.item_id = items.id and mentions.is_primary = 1
  where coalesce(items.cluster_id, items.id) in (select value from json_each(:stories))
    and (+items.status = 'approved'
         or (:unreviewed and +items.status = 'new' and items.roma_related = 1
             and not coalesce(mentions.needs_review, 0)  -- an unsure place waits for an editor
             and items.source_id is not '"""
    + COMMUNITY_SOURCE
    + """'))
) where rank = 1
"""
)


def publishes_unreviewed(newsroom: sqlite_utils.Database) -> bool:
    row = newsroom.execute(
        "select value from settings where key = ?", [PUBLISH_UNREVIEWED]
    ).fetchone()
    return bool(row and row[0] == "on")


def set_publish_unreviewed(newsroom: sqlite_utils.Database, on: bool, actor: str) -> dict:
    """Turn publishing unreviewed events on or off; the events follow at once.

    The toggle may create or remove an event for every story: one audit row records the
    decision and its counts, not one row per event (10,000 rows per toggle otherwise).
    Returns the refresh's counts (all zero when the value did not change).
    """
    # Changes noted before the toggle keep their own audit rows.
    refresh_events(newsroom)
    with write_transaction(newsroom):
        before = publishes_unreviewed(newsroom)
        newsroom["settings"].upsert({"key": PUBLISH_UNREVIEWED, "value": "on" if on else "off"},
                                    pk="key")  # fmt: skip
        if before != on:  # every story may gain or lose its event
            mark_all_stories(newsroom)
    counts = {"changed": 0, "removed": 0}
    if before != on:
        counts = refresh_events(newsroom, audit_each=False)
    audit(newsroom, "settings.changed", "settings", PUBLISH_UNREVIEWED, {"value": before},
          {"value": on, "events_changed": counts["changed"], "events_removed": counts["removed"]},
          actor=actor)  # fmt: skip
    return counts


def _excerpt(title: str | None, summary: str | None, full_text: str | None) -> str | None:
    text = plain_text(summary) or plain_text(full_text)
    if text and title and text.startswith(title):
        text = text[len(title) :].lstrip() or None  # extracted text often opens with the headline
    if text and len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


REFRESH_BATCH = 1000  # stories per write transaction: each holds the write lock briefly


def refresh_events(newsroom: sqlite_utils.Database, audit_each: bool = True) -> dict:
    """Create, update or remove the events of the stories whose items changed since the last
    refresh (the triggers of migration 9 note them in story_changes).

    audit_each=False: the caller records one audit row for the decision behind a bulk change
    (publishing unreviewed events or not) instead of one per event.
    """
    changed = removed = 0
    while True:
        # Read and write in one transaction: several crawler processes may publish at once.
        with write_transaction(newsroom):
            stories = [
                row[0]
                for row in newsroom.execute(
                    "select story from story_changes limit ?", [REFRESH_BATCH]
                )
            ]
            if not stories:
                break
            batch_changed, batch_removed = _refresh_stories(newsroom, stories, audit_each)
            changed += batch_changed
            removed += batch_removed
            newsroom.execute(
                "delete from story_changes where story in (select value from json_each(?))",
                [json.dumps(stories)],
            )
    return {"changed": changed, "removed": removed, "total": newsroom["events"].count}


def _refresh_stories(
    newsroom: sqlite_utils.Database, stories: list[str], audit_each: bool = True
) -> tuple[int, int]:
    """Bring the events of these stories up to date; (changed, removed)."""
    chosen = json.dumps(stories)
    existing = {
        row["id"]: row
        for row in newsroom.query(
            "select * from events where id in (select value from json_each(?))", [chosen]
        )
    }
    now = utcnow()
    changed = 0
    unreviewed = int(publishes_unreviewed(newsroom))
    eligible = newsroom.query(_ELIGIBLE_ITEMS, {"unreviewed": unreviewed, "stories": chosen})
    for item in list(eligible):
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
            # The event stays, but its public row lists the story's sources: export it.
            newsroom.execute("delete from publish_pending where event_id = ?", [row["id"]])
            newsroom.execute("insert into publish_pending (event_id) values (?)", [row["id"]])
            continue
        changed += 1
        newsroom["events"].upsert(row, pk="id")
        if audit_each:
            action = "event.created" if before is None else "event.updated"
            audit(newsroom, action, "events", row["id"], before, row)
    for stale in existing.values():
        newsroom["events"].delete(stale["id"])
        if audit_each:
            audit(newsroom, "event.removed", "events", stale["id"], stale, None)
    return changed, len(existing)


# The sources subquery finds a story's items through the items_story index on
# coalesce(cluster_id, id); "+events.id" drops the column's text affinity, without which
# SQLite cannot use an index on an expression for the comparison and reads every item.
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
         where coalesce(i.cluster_id, i.id) = +events.id
           -- (issue 17) a community report still "new" is private: its link too.
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
        # No title: a removal must not publish again what it removes.
        changes.append({"at": now, "event_id": gone["id"], "change": "removed", "title": None})
    return changes


def _withdraw_titles(
    public: sqlite_utils.Database, retitled: list[tuple[str, str]], removed: list[str]
) -> None:
    """(issue 17) The changelog shows only what the public may see now: an event's earlier
    lines take its new title, and a removed event's lines lose theirs. An editor rewrites
    a title or unpublishes an event to withdraw it (a victim's name, a rumour); the history
    of changes must not keep serving it. Reads the changelog_event index: cost per change."""
    for title, event_id in retitled:
        public.execute(
            "update changelog set title = ? where event_id = ? and title is not ?",
            [title, event_id, title],
        )
    for start in range(0, len(removed), 500):
        public.execute(
            "update changelog set title = null where title is not null"
            " and event_id in (select value from json_each(?))",
            [json.dumps(removed[start : start + 500])],
        )


def export_public(
    newsroom: sqlite_utils.Database, public: sqlite_utils.Database, full: bool = False
) -> int:
    """Bring the public events table up to the newsroom's events; returns the event count.

    Only the events changed since the last export (publish_pending) are read and compared;
    a public database without events, or full=True, is compared whole. Every visible change
    lands in the public changelog; only changed rows are written, so public search re-indexes
    only them. The areas table follows the gazetteer.
    """
    # Under the public write lock from the start: two exports at once (the web app, a crawl)
    # take turns, so neither writes rows older than the other's.
    with write_transaction(public):
        pending = newsroom.execute("select max(id) from publish_pending").fetchone()[0]
        full = full or public.execute("select 1 from events limit 1").fetchone() is None
        if full:
            rows = list(newsroom.query(_PUBLIC_ROWS))
            old = {row["id"]: row for row in public["events"].rows}
        else:
            ids = [
                row[0]
                for row in newsroom.execute(
                    "select event_id from publish_pending where id <= ?", [pending or 0]
                )
            ]
            rows = []
            for start in range(0, len(ids), 500):
                rows.extend(
                    newsroom.query(
                        _PUBLIC_ROWS + " and events.id in (select value from json_each(?))",
                        [json.dumps(ids[start : start + 500])],
                    )
                )
            old = {
                row["id"]: row
                for row in public.query(
                    "select * from events where id in (select value from json_each(?))",
                    [json.dumps(ids)],
                )
            }
        areas = _area_rows(newsroom)
        # Rows that differ in any column are written (a changed source link too), the rest
        # are left alone; _changes says which of those changes the public can see.
        differing = [r for r in rows if _differs(old.get(r["id"]), r)]
        retitled = [
            (r["title"], r["id"])
            for r in rows
            if r["id"] in old and old[r["id"]]["title"] != r["title"]
        ]
        changes = _changes(old, rows, utcnow())
        if differing:
            public["events"].upsert_all(differing, pk="id")
        if changes:
            removed = [c["event_id"] for c in changes if c["change"] == "removed"]
            for start in range(0, len(removed), 500):
                chunk = removed[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                public["events"].delete_where(f"id in ({marks})", chunk)
            public["changelog"].insert_all(changes)
            _withdraw_titles(public, retitled, removed)
        _replace_if_changed(public["areas"], areas)
        _replace_if_changed(public["places"], list(newsroom.query(_PLACE_ROWS)))
        total = public.execute("select count(*) from events").fetchone()[0]
    if pending is not None:
        # Only what this export saw: an event changed meanwhile has a higher id and stays.
        with write_transaction(newsroom):
            newsroom.execute("delete from publish_pending where id <= ?", [pending])
    return total


def _differs(before: dict | None, row: dict) -> bool:
    return before is None or any(before.get(key) != value for key, value in row.items())


def _replace_if_changed(table: sqlite_utils.db.Table, rows: list[dict]) -> None:
    """Rewrite a small reference table only when the gazetteer changed it."""
    if list(table.rows_where(order_by="rowid")) != rows:
        table.delete_where()
        table.insert_all(rows)
