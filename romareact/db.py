"""Database schema and numbered migrations for the newsroom and public databases.

Both databases are plain SQLite files in WAL mode, written with sqlite-utils. Every
migration is recorded in ``_migrations`` and written so that running it twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

ITEM_STATUSES = ("new", "irrelevant", "approved", "rejected")


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open a database file in WAL mode with foreign keys enforced."""
    db = sqlite_utils.Database(path)
    # First of all: crawler processes and the web app share the file, so wait for a lock
    # instead of failing (several processes may be creating the file at this very moment).
    db.conn.execute("PRAGMA busy_timeout=30000")
    for attempt in range(50):
        try:
            db.conn.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:  # another process is switching it right now
            if attempt == 49:
                raise
            time.sleep(0.1)
    # With WAL, NORMAL never corrupts the file; a power cut may undo the last commits, which
    # the next crawl fetches again. FULL would fsync every item.
    db.conn.execute("PRAGMA synchronous=NORMAL")
    db.conn.execute("PRAGMA foreign_keys=ON")
    return db


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One short write transaction that takes the write lock before reading anything.

    Crawler processes, the web app and the CLI write the same file. A transaction that reads
    first and writes later cannot wait for another writer (SQLite answers "database is
    locked" at once), so every read-then-write happens inside BEGIN IMMEDIATE, which does
    wait (busy_timeout) for its turn.
    """
    if db.conn.in_transaction:  # already inside one: join it
        yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def _newsroom_1_initial(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "id": str,
            "name": str,
            "kind": str,
            "homepage": str,
            "url": str,
            "language": str,
            "country": str,
            "category": str,
            "interval_minutes": int,
            "rules": str,
            "enabled": int,
            "added_at": str,
        },
        pk="id",
        not_null={"name", "kind", "url"},
        defaults={"enabled": 1, "interval_minutes": 60},
        if_not_exists=True,
    )
    db["places"].create(
        {
            "id": str,
            "name": str,
            "name_latin": str,
            "kind": str,
            "province": str,
            "province_code": str,
            "municipality": str,
            "lat": float,
            "lon": float,
            "population": int,
            "geonameid": int,
            "alt_names": str,
            "source": str,
        },
        pk="id",
        not_null={"name", "kind", "lat", "lon"},
        if_not_exists=True,
    )
    db["items"].create(
        {
            "id": str,
            "source_id": str,
            "url": str,
            "canonical_url": str,
            "guid": str,
            "title": str,
            "summary": str,
            "full_text": str,
            "author": str,
            "published": str,
            "fetched": str,
            "language": str,
            "relevance": float,
            "roma_related": int,
            "status": str,
            "content_hash": str,
            "analysed_at": str,
        },
        pk="id",
        not_null={"url", "canonical_url", "fetched", "status"},
        foreign_keys=[("source_id", "sources", "id")],
        if_not_exists=True,
    )
    db["items"].create_index(["canonical_url"], unique=True, if_not_exists=True)
    db["items"].create_index(["guid"], if_not_exists=True)
    db["items"].create_index(["status", "relevance"], if_not_exists=True)
    db["mentions"].create(
        {
            "item_id": str,
            "place_id": str,
            "start": int,
            "end": int,
            "surface": str,
            "confidence": float,
            "is_primary": int,
        },
        pk=("item_id", "place_id", "start"),
        foreign_keys=[("item_id", "items", "id"), ("place_id", "places", "id")],
        if_not_exists=True,
    )
    db["mentions"].create_index(["place_id"], if_not_exists=True)
    db["events"].create(
        {
            "id": str,
            "item_id": str,
            "title": str,
            "excerpt": str,
            "date": str,
            "place_id": str,
            "category": str,
            "review_status": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("item_id", "items", "id"), ("place_id", "places", "id")],
        if_not_exists=True,
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "table_name": str,
            "row_id": str,
            "before": str,
            "after": str,
        },
        pk="id",
        if_not_exists=True,
    )
    if "items_fts" not in db.table_names():
        db["items"].enable_fts(["title", "summary", "full_text"], create_triggers=True)


def _public_1_initial(db: sqlite_utils.Database) -> None:
    db["events"].create(
        {
            "id": str,
            "title": str,
            "excerpt": str,
            "date": str,
            "place": str,
            "municipality": str,
            "province": str,
            "lat": float,
            "lon": float,
            "precision": str,
            "category": str,
            "review_status": str,
            "source": str,
            "source_url": str,
            "published_at": str,
        },
        pk="id",
        if_not_exists=True,
    )
    if "events_fts" not in db.table_names():
        db["events"].enable_fts(["title", "excerpt", "place"], create_triggers=True)


def _newsroom_2_neighbourhoods(db: sqlite_utils.Database) -> None:
    columns = db["places"].columns_dict
    if "parent_id" not in columns:
        db["places"].add_column("parent_id", str)
    if "needs_context" not in columns:
        db["places"].add_column("needs_context", int)
    db["places"].create_index(["parent_id"], if_not_exists=True)


def _newsroom_3_corrections_and_cache(db: sqlite_utils.Database) -> None:
    db["place_corrections"].create(
        {
            "id": int,
            "surface": str,
            "province_code": str,
            "place_id": str,
            "actor": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
        not_null={"surface", "created_at"},
        foreign_keys=[("place_id", "places", "id")],
        if_not_exists=True,
    )
    db["place_corrections"].create_index(["surface"], if_not_exists=True)
    db["geocode_cache"].create(
        {"query": str, "provider": str, "response": str, "fetched_at": str},
        pk=("provider", "query"),
        if_not_exists=True,
    )


def _newsroom_4_source_health(db: sqlite_utils.Database) -> None:
    db["source_health"].create(
        {
            "source_id": str,
            "last_attempt": str,
            "last_success": str,
            "last_error": str,
            "last_status": int,
            "consecutive_failures": int,
            "entries_last": int,
            "bozo_warnings": int,
            "etag": str,
            "last_modified": str,
            "next_due": str,
            "disabled_reason": str,
        },
        pk="source_id",
        foreign_keys=[("source_id", "sources", "id")],
        defaults={"consecutive_failures": 0, "bozo_warnings": 0},
        if_not_exists=True,
    )
    # For editors in Datasette: one row per source with how it is doing.
    db.create_view(
        "source_health_report",
        """
        select sources.id, sources.name, sources.kind, sources.enabled,
               source_health.disabled_reason, source_health.last_success,
               source_health.last_error, source_health.consecutive_failures,
               source_health.entries_last, source_health.bozo_warnings,
               source_health.next_due,
               (select round(count(*) / 7.0, 1) from items
                 where items.source_id = sources.id
                   and items.fetched >= datetime('now', '-7 days')) as items_per_day
        from sources left join source_health on source_health.source_id = sources.id
        order by source_health.consecutive_failures desc, sources.id
        """,
        ignore=True,
    )


def _newsroom_5_dates_and_clusters(db: sqlite_utils.Database) -> None:
    columns = db["items"].columns_dict
    for name in ("published_raw", "date_flag", "cluster_id", "sketch"):
        if name not in columns:
            db["items"].add_column(name, str)
    db["items"].create_index(["cluster_id"], if_not_exists=True)
    db["items"].create_index(["content_hash"], if_not_exists=True)
    # The few smallest shingle hashes of each text: stories sharing some are candidates.
    db["item_minima"].create(
        {"hash": int, "item_id": str},
        pk=("hash", "item_id"),
        foreign_keys=[("item_id", "items", "id")],
        if_not_exists=True,
    )


def _newsroom_6_event_curation(db: sqlite_utils.Database) -> None:
    columns = db["events"].columns_dict
    if "sensitive" not in columns:
        db["events"].add_column("sensitive", int, not_null_default=0)
    # Who chose the category: "suggested" (keyword suggestion) or "editor".
    if "category_origin" not in columns:
        db["events"].add_column("category_origin", str)


def _newsroom_7_curation(db: sqlite_utils.Database) -> None:
    db["users"].create(
        {
            "username": str,
            "password_hash": str,
            "role": str,
            "active": int,
            "session_version": str,
            "created_at": str,
        },
        pk="username",
        not_null={"password_hash", "role"},
        if_not_exists=True,
    )
    db["login_failures"].create(
        {"id": int, "username": str, "address": str, "at": str}, pk="id", if_not_exists=True
    )
    db["login_failures"].create_index(["at"], if_not_exists=True)
    db["settings"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    # Who sent a community report: for editors only, never published.
    db["submissions"].create(
        {
            "item_id": str,
            "contact": str,
            "address_hash": str,
            "language": str,
            "created_at": str,
        },
        pk="item_id",
        foreign_keys=[("item_id", "items", "id")],
        if_not_exists=True,
    )
    db["submissions"].create_index(["address_hash", "created_at"], if_not_exists=True)
    item_columns = db["items"].columns_dict
    if "reject_reason" not in item_columns:
        db["items"].add_column("reject_reason", str)
    # An editor merged or split this story: the crawler's clustering leaves it alone.
    if "cluster_locked" not in item_columns:
        db["items"].add_column("cluster_locked", int, not_null_default=0)
    event_columns = db["events"].columns_dict
    for name in ("public_title", "public_excerpt", "tags", "edited_by"):
        if name not in event_columns:
            db["events"].add_column(name, str)
    if "unpublished" not in event_columns:
        db["events"].add_column("unpublished", int, not_null_default=0)


def _newsroom_8_search_index(db: sqlite_utils.Database) -> None:
    # sqlite-utils' triggers re-index an item on any update; status changes, clusters and
    # re-analysis do not touch the text, so only a change of the text re-indexes it. And a
    # crawl marks the items it writes `search_pending` and indexes them in bulk
    # (index_pending_items), several times cheaper than row by row; the triggers leave
    # pending rows alone, so the index never holds a row twice or loses one.
    if "search_pending" not in db["items"].columns_dict:
        db["items"].add_column("search_pending", int)
    db.execute("create index if not exists items_search_pending on items(id) where search_pending")
    for trigger in ("items_ai", "items_ad", "items_au"):
        db.execute(f"drop trigger if exists {trigger}")
    db.executescript(
        f"""
        create trigger items_ai after insert on items when new.search_pending is not 1 begin
          {_INDEX_NEW};
        end;
        create trigger items_ad after delete on items when old.search_pending is not 1 begin
          {_UNINDEX_OLD};
        end;
        create trigger items_au after update of title, summary, full_text on items begin
          {_UNINDEX_OLD} and old.search_pending is not 1;
          {_INDEX_NEW} and new.search_pending is not 1;
        end;
        """
    )


# Columns of an item that change its story's event or the event's public row.
_STORY_COLUMNS = (
    "status, cluster_id, title, summary, full_text, published, fetched, roma_related, "
    "source_id, url"
)
_OLD_STORY = "coalesce(old.cluster_id, old.id)"
_NEW_STORY = "coalesce(new.cluster_id, new.id)"


def _newsroom_9_incremental(db: sqlite_utils.Database) -> None:
    # Lookups on the write path and behind the pages, each served by an index:
    # a re-crawl replaces an item's minima (the primary key starts with the hash);
    # a story's items (events, the public sources list, merges) by coalesce(cluster_id, id);
    # a source's recent items (source health); events at a place (a renamed place).
    db.execute("create index if not exists item_minima_item on item_minima(item_id)")
    db.execute("create index if not exists items_story on items(coalesce(cluster_id, id))")
    db.execute("create index if not exists items_source_fetched on items(source_id, fetched)")
    db.execute("create index if not exists events_place on events(place_id)")
    # The queue's order, so a page of it reads 100 index entries instead of sorting the
    # backlog (`relevance is null` first: items without a score go last).
    db.execute(
        "create index if not exists items_queue on items(status, relevance is null, "
        "relevance desc, coalesce(published, fetched) desc, id)"
    )
    db.execute(
        "create index if not exists items_queue_all on items(relevance is null, "
        "relevance desc, coalesce(published, fetched) desc, id)"
    )
    # The queue's index starts with the status too, and items_story finds a story's items
    # (cluster_id alone misses the story's first item): the old ones would only cost writes.
    db.execute("drop index if exists idx_items_status_relevance")
    db.execute("drop index if exists idx_items_cluster_id")
    # Change tracking for incremental publishing, kept by triggers so that every writer
    # (crawlers, editors, the CLI, plain SQL) is seen: stories whose items changed since
    # the last refresh_events, and events changed since the last export_public (a new
    # change of an event gives it a higher id, so an export clears only what it saw).
    db.execute("create table if not exists story_changes (story text primary key)")
    db.execute(
        "create table if not exists publish_pending "
        "(id integer primary key autoincrement, event_id text not null unique)"
    )
    # Items per status, for the queue's counts without counting a million rows.
    db.execute("create table if not exists item_status_counts (status text primary key, n integer)")
    for trigger in (
        "items_story_ai", "items_story_ad", "items_story_au", "items_status_au",
        "mentions_story_ai", "mentions_story_ad", "mentions_story_au",
        "events_publish_ai", "events_publish_ad", "events_publish_au", "places_publish_au",
    ):  # fmt: skip
        db.execute(f"drop trigger if exists {trigger}")
    # No "insert or ignore" here: a trigger takes the conflict policy of the statement that
    # fired it (sqlite-utils upserts with "insert or replace", a crawl with an upsert), so
    # every insert below is written so that it never conflicts.
    count = """insert into item_status_counts (status, n) select {s}, 0
          where not exists (select 1 from item_status_counts where status = {s});
          update item_status_counts set n = n {op} 1 where status = {s}"""
    story = """insert into story_changes (story) select {x}
          where not exists (select 1 from story_changes where story = {x})"""
    mention_story = """insert into story_changes (story)
          select coalesce(cluster_id, id) from items where id = {m}.item_id
          and not exists (select 1 from story_changes
                          where story = coalesce(items.cluster_id, items.id))"""
    # A new change of an event gets a new, higher id.
    publish = """delete from publish_pending where event_id = {e}.id;
          insert into publish_pending (event_id) values ({e}.id)"""
    db.executescript(
        f"""
        create trigger items_story_ai after insert on items begin
          {story.format(x=_NEW_STORY)};
          {count.format(s="new.status", op="+")};
        end;
        create trigger items_story_ad after delete on items begin
          {story.format(x=_OLD_STORY)};
          {count.format(s="old.status", op="-")};
        end;
        create trigger items_story_au after update of {_STORY_COLUMNS} on items begin
          {story.format(x=_OLD_STORY)};
          {story.format(x=_NEW_STORY)};
        end;
        create trigger items_status_au after update of status on items
        when old.status is not new.status begin
          {count.format(s="old.status", op="-")};
          {count.format(s="new.status", op="+")};
        end;
        create trigger mentions_story_ai after insert on mentions begin
          {mention_story.format(m="new")};
        end;
        create trigger mentions_story_ad after delete on mentions begin
          {mention_story.format(m="old")};
        end;
        create trigger mentions_story_au after update on mentions begin
          {mention_story.format(m="new")};
        end;
        create trigger events_publish_ai after insert on events begin
          {publish.format(e="new")};
        end;
        create trigger events_publish_ad after delete on events begin
          {publish.format(e="old")};
        end;
        create trigger events_publish_au after update on events begin
          {publish.format(e="new")};
        end;
        create trigger places_publish_au after update of name, kind, lat, lon, province,
          municipality, parent_id on places begin
          delete from publish_pending where event_id in (select id from events
            where place_id = new.id
               or place_id in (select id from places where parent_id = new.id));
          insert into publish_pending (event_id) select id from events
            where place_id = new.id
               or place_id in (select id from places where parent_id = new.id);
        end;
        """
    )
    # An existing newsroom: count once, and let the next publish look at everything once
    # (items stored since the last publish were never refreshed).
    db.execute("delete from item_status_counts")
    db.execute(
        "insert into item_status_counts (status, n) select status, count(*) from items "
        "group by status"
    )
    mark_all_stories(db)


def _newsroom_10_source_rename(db: sqlite_utils.Database) -> None:
    """A renamed source re-exports the events that list it: the public row names the
    source of its item and of every item in its story's sources."""
    db.execute("drop trigger if exists sources_publish_au")
    # Found through items_source_fetched (source_id first); costs what the source wrote.
    stories = """select events.id from events where events.id in
            (select coalesce(items.cluster_id, items.id) from items
              where items.source_id = new.id)"""
    db.executescript(
        f"""
        create trigger sources_publish_au after update of name on sources
        when old.name is not new.name begin
          delete from publish_pending where event_id in ({stories});
          insert into publish_pending (event_id) {stories};
        end;
        """
    )


def _newsroom_11_write_path_indexes(db: sqlite_utils.Database) -> None:
    """Drop the items indexes no query reads (every new item wrote into them at a random
    place: at a million items a page read and a page written per index; a story is found by
    canonical URL or guid_key, crawlers/identity.py, never by guid or hash); index what the
    queue's filters read."""
    db.execute("drop index if exists idx_items_guid")
    db.execute("drop index if exists idx_items_content_hash")
    # The queue filtered by dates, and by category: read the matches, not the backlog. New
    # items are today's, so this index grows at its end (one page per status and write).
    db.execute(
        "create index if not exists items_status_date on items(status, "
        "coalesce(published, fetched))"
    )
    db.execute("create index if not exists events_category on events(category)")


def mark_all_stories(db: sqlite_utils.Database) -> None:
    """Have the next refresh_events and export_public look at every story and event (after a
    change that affects them all, such as publishing unreviewed events or not)."""
    db.execute(
        "insert or ignore into story_changes (story) select distinct coalesce(cluster_id, id) "
        "from items where status in ('new', 'approved')"
    )
    db.execute("insert or ignore into story_changes (story) select id from events")


_UNINDEX_OLD = """insert into items_fts (items_fts, rowid, title, summary, full_text)
    select 'delete', old.rowid, old.title, old.summary, old.full_text where 1"""
_INDEX_NEW = """insert into items_fts (rowid, title, summary, full_text)
    select new.rowid, new.title, new.summary, new.full_text where 1"""


def index_pending_items(db: sqlite_utils.Database) -> int:
    """Add the items a crawl wrote to the search index, in one statement; their number."""
    with write_transaction(db):
        # Found through the pending-items index, read in rowid order: FTS5 builds its index
        # twice as fast from ascending rowids as in that index's order (by id, a hash).
        db.execute(
            """insert into items_fts (rowid, title, summary, full_text)
               select rowid, title, summary, full_text from items
               where rowid in (select rowid from items where search_pending)"""
        )
        # Not a text column: the update trigger leaves this alone.
        return db.execute("update items set search_pending = null where search_pending").rowcount


def _newsroom_13_mentions_review(db: sqlite_utils.Database) -> None:
    """A mention the analysis was unsure of waits for an editor, with the namesakes it
    weighed (JSON: [{"id", "name", "province", "lat", "lon"}], best first)."""
    columns = db["mentions"].columns_dict
    if "needs_review" not in columns:
        db["mentions"].add_column("needs_review", int)
    if "candidates" not in columns:
        db["mentions"].add_column("candidates", str)


def _newsroom_18_story_identity_and_notices(db: sqlite_utils.Database) -> None:
    """items.guid_key: a story's GUID beside its canonical URL (crawlers/identity.py);
    source_health.notice: what is not a failure but an editor should see (a server asking to
    wait, a source capped, a JavaScript-only site)."""
    if "guid_key" not in db["items"].columns_dict:
        db["items"].add_column("guid_key", str)
    db.execute(
        "create unique index if not exists items_guid_key on items(guid_key)"
        " where guid_key is not null"
    )
    if "notice" not in db["source_health"].columns_dict:
        db["source_health"].add_column("notice", str)
    db.execute("drop view if exists source_health_report")
    db.create_view(
        "source_health_report",
        """
        select sources.id, sources.name, sources.kind, sources.enabled,
               source_health.disabled_reason, source_health.last_success,
               source_health.last_error, source_health.consecutive_failures,
               source_health.entries_last, source_health.bozo_warnings,
               source_health.next_due, source_health.notice,
               (select round(count(*) / 7.0, 1) from items
                 where items.source_id = sources.id
                   and items.fetched >= datetime('now', '-7 days')) as items_per_day
        from sources left join source_health on source_health.source_id = sources.id
        order by source_health.consecutive_failures desc, sources.id
        """,
    )


def _newsroom_12_editor_language_and_report_places(db: sqlite_utils.Database) -> None:
    """users.language: the newsroom's language for each editor ("bg" or "en");
    submissions.place_text: the place as the reporter typed it, kept beside the analysis."""
    if "language" not in db["users"].columns_dict:
        db["users"].add_column("language", str)
    if "place_text" not in db["submissions"].columns_dict:
        db["submissions"].add_column("place_text", str)


def _newsroom_14_story_lead(db: sqlite_utils.Database) -> None:
    """items.story_lead: the item an editor chose to speak for its story (its title and
    place make the event's), set when merging; 0 or null lets the usual order decide."""
    if "story_lead" not in db["items"].columns_dict:
        db["items"].add_column("story_lead", int, not_null_default=0)


def _newsroom_19_relevance_scale(db: sqlite_utils.Database) -> None:
    """Stored relevance onto the curve scoring uses since issue 20, s / (s + 1.2 ln 2), from
    the old 1 - exp(-s / 1.2): the same order and threshold, so a queue does not mix the two
    scales (old scores all near 0.99 would sort above every new one)."""

    def rescale(old: float | None) -> float | None:
        if old is None or old <= 0:
            return old
        if old >= 1:
            return 1.0
        strength = -1.2 * math.log(1 - old)
        return round(strength / (strength + 1.2 * math.log(2)), 3)

    db.conn.create_function("romareact_rescale_relevance", 1, rescale, deterministic=True)
    db.execute(
        "update items set relevance = romareact_rescale_relevance(relevance) where relevance > 0"
    )


Migration = tuple[int, str, Callable[[sqlite_utils.Database], None]]

# ---- issue 17: server-side sessions and the server's own keys (editors never read them) ----


def _newsroom_15_sessions(db: sqlite_utils.Database) -> None:
    # One row per signed-in browser: the cookie carries the key, the table only its hash.
    db["sessions"].create(
        {"key_hash": str, "username": str, "issued_at": str, "expires_at": str},
        pk="key_hash",
        if_not_exists=True,
    )
    db["sessions"].create_index(["username"], if_not_exists=True)
    db["sessions"].create_index(["expires_at"], if_not_exists=True)
    db["server_keys"].create({"name": str, "value": str}, pk="name", if_not_exists=True)
    # Sign-in throttling counts failures per address.
    db["login_failures"].create_index(["address", "at"], if_not_exists=True)


def _newsroom_16_bad_entries(db: sqlite_utils.Database) -> None:
    # Feed entries skipped in the last fetch (a link that is no web address).
    if "bad_entries_last" not in db["source_health"].columns_dict:
        db["source_health"].add_column("bad_entries_last", int, not_null_default=0)


# ---- end issue 17 ----


NEWSROOM_MIGRATIONS: list[Migration] = [
    (1, "initial schema", _newsroom_1_initial),
    (2, "neighbourhoods: places.parent_id, places.needs_context", _newsroom_2_neighbourhoods),
    (3, "editor place corrections; geocoder cache", _newsroom_3_corrections_and_cache),
    (4, "source health and its report view", _newsroom_4_source_health),
    (5, "raw and flagged dates; story clusters", _newsroom_5_dates_and_clusters),
    (6, "events.sensitive, events.category_origin", _newsroom_6_event_curation),
    (7, "editors, submissions, settings; curation columns", _newsroom_7_curation),
    (8, "search index: only text changes; crawls index in bulk", _newsroom_8_search_index),
    (9, "indexes for writes and pages; change tracking; status counts", _newsroom_9_incremental),
    (10, "a renamed source re-exports its events", _newsroom_10_source_rename),
    (
        11,
        "no unread indexes on the write path; the queue filters' indexes",
        _newsroom_11_write_path_indexes,
    ),
    (12, "users.language; submissions.place_text", _newsroom_12_editor_language_and_report_places),
    (13, "mentions.needs_review, mentions.candidates", _newsroom_13_mentions_review),
    (14, "items.story_lead: the item an editor chose for a merged story", _newsroom_14_story_lead),
    (15, "server-side sessions; the server's keys", _newsroom_15_sessions),
    (16, "source_health.bad_entries_last", _newsroom_16_bad_entries),
    (18, "items.guid_key; source_health.notice", _newsroom_18_story_identity_and_notices),
    (19, "items.relevance on the curve that separates strong texts", _newsroom_19_relevance_scale),
]


def _public_2_neighbourhood(db: sqlite_utils.Database) -> None:
    if "neighbourhood" not in db["events"].columns_dict:
        db["events"].add_column("neighbourhood", str)


def _public_3_sources(db: sqlite_utils.Database) -> None:
    if "sources" not in db["events"].columns_dict:
        db["events"].add_column("sources", str)


def _public_5_tags(db: sqlite_utils.Database) -> None:
    if "tags" not in db["events"].columns_dict:
        db["events"].add_column("tags", str)
    db["events"].create_index(["source"], if_not_exists=True)


def _public_4_open_dataset(db: sqlite_utils.Database) -> None:
    columns = db["events"].columns_dict
    if "year" not in columns:
        db["events"].add_column("year", int)
    if "sensitive" not in columns:
        db["events"].add_column("sensitive", int, not_null_default=0)
    # Facets and the map's queries filter and group on these.
    for column in ("date", "province", "municipality", "category", "year", "published_at"):
        db["events"].create_index([column], if_not_exists=True)
    # Provinces and municipalities: where proportional symbols sit, and their population.
    db["areas"].create(
        {
            "id": str,
            "level": str,
            "name": str,
            "province": str,
            "lat": float,
            "lon": float,
            "settlements": int,
            "population": int,
            "population_settlements": int,
        },
        pk="id",
        if_not_exists=True,
    )
    # Settlements of the gazetteer (GeoNames), so researchers can ask "within N km of X".
    db["places"].create(
        {
            "id": str,
            "name": str,
            "municipality": str,
            "province": str,
            "lat": float,
            "lon": float,
            "population": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["places"].create_index(["name"], if_not_exists=True)
    db["changelog"].create(
        {"id": int, "at": str, "event_id": str, "change": str, "title": str},
        pk="id",
        if_not_exists=True,
    )
    db["changelog"].create_index(["at"], if_not_exists=True)
    db["snapshots"].create(
        {
            "version": int,
            "created_at": str,
            "file": str,
            "events": int,
            "last_change": int,
            "sha256": str,
        },
        pk="version",
        if_not_exists=True,
    )


def _public_6_filter_indexes(db: sqlite_utils.Database) -> None:
    # The map's filters (category, province, time) are what most table views, exports and
    # facets ask for: with these, their counts and facets read an index, not the table.
    db["events"].create_index(["category", "province", "year", "date"], if_not_exists=True)
    db["events"].create_index(["province", "year", "category", "date"], if_not_exists=True)


def _public_7_drop_prefix_indexes(db: sqlite_utils.Database) -> None:
    # Indexes on province alone and on category alone repeat the first column of the two
    # above, and they misled SQLite on full-text searches. The planner takes a search's matches
    # to be few, so with them it looked each match up ("province = ? and rowid = ?"): 100,000
    # lookups for a word found in every event. Without them it reads the province's rows and
    # checks each against the matches: a broad search filtered by province or category takes
    # about half the time, a narrow one a few milliseconds more (benchmarks/datasette_latency.py).
    for name in ("idx_events_province", "idx_events_category"):
        db.execute(f"drop index if exists {name}")


# Grid sizes (degrees) of the map's server-side clusters: level 0 for the whole country, finer
# levels as the map zooms in (mapping/tiles.py picks one per zoom).
MAP_GRID = {0: 1.0, 1: 0.25, 2: 0.0625}

_MAP_KEY = {
    "month": "coalesce(substr({r}.date, 1, 7), '')",
    "category": "coalesce({r}.category, '')",
    "province": "coalesce({r}.province, '')",
}


def _map_cells_in(r: str) -> str:
    """The map_cells rows one event (`new` or `old`) counts in, as a WHERE condition."""
    key = " and ".join(f"{column} = {expr.format(r=r)}" for column, expr in _MAP_KEY.items())
    return (
        f"(level, x, y) in (select level, cast(({r}.lat + 90) / size as int),"
        f" cast(({r}.lon + 180) / size as int) from map_grid) and {key}"
    )


def _map_add(r: str) -> str:
    month, category, province = (expr.format(r=r) for expr in _MAP_KEY.values())
    return f"""
        insert into map_cells (level, x, y, month, category, province, n, lat_sum, lon_sum)
          select level, cast(({r}.lat + 90) / size as int), cast(({r}.lon + 180) / size as int),
                 {month}, {category}, {province}, 1, {r}.lat, {r}.lon from map_grid where true
          on conflict do update set n = n + 1, lat_sum = lat_sum + excluded.lat_sum,
                                    lon_sum = lon_sum + excluded.lon_sum;
        insert into map_areas (province, municipality, category, month, n)
          values ({province}, coalesce({r}.municipality, ''), {category}, {month}, 1)
          on conflict do update set n = n + 1;
        insert into map_places (place, n) values (coalesce({r}.place, ''), 1)
          on conflict do update set n = n + 1;
        delete from events_rtree where id = {r}.rowid;
        insert into events_rtree values ({r}.rowid, {r}.lat, {r}.lat, {r}.lon, {r}.lon,
                                         {r}.category, {r}.province, {r}.date);"""


def _map_remove(r: str) -> str:
    month, category, province = (expr.format(r=r) for expr in _MAP_KEY.values())
    area = (
        f"province = {province} and municipality = coalesce({r}.municipality, '')"
        f" and category = {category} and month = {month}"
    )
    place = f"place = coalesce({r}.place, '')"
    return f"""
        update map_cells set n = n - 1, lat_sum = lat_sum - {r}.lat, lon_sum = lon_sum - {r}.lon
          where {_map_cells_in(r)};
        delete from map_cells where n <= 0 and {_map_cells_in(r)};
        update map_areas set n = n - 1 where {area};
        delete from map_areas where n <= 0 and {area};
        update map_places set n = n - 1 where {place};
        delete from map_places where n <= 0 and {place};"""


_MAP_POINT = "{r}.lat is not null and {r}.lon is not null"
_MAP_COLUMNS = ("lat", "lon", "date", "category", "province", "municipality", "place")


def _public_12_map_index(db: sqlite_utils.Database) -> None:
    # The map of a large dataset asks the server for what is in view (mapping/tiles.py):
    # counts per grid cell, month, topic and province for clusters and the timeline, counts
    # per municipality for proportional symbols, and an R*Tree for the events in a small
    # area. Triggers keep them in step with events, so publishing touches only what changed.
    db.execute("create table if not exists map_grid (level integer primary key, size real)")
    db.execute("delete from map_grid")
    db.conn.executemany("insert into map_grid values (?, ?)", MAP_GRID.items())
    db.execute(
        "create table if not exists map_cells (level integer, x integer, y integer, month text,"
        " category text, province text, n integer, lat_sum real, lon_sum real,"
        " primary key (level, x, y, month, category, province)) without rowid"
    )
    db.execute(
        "create table if not exists map_areas (province text, municipality text, category text,"
        " month text, n integer, primary key (province, municipality, category, month))"
        " without rowid"
    )
    db.execute(
        "create table if not exists map_places (place text primary key, n integer) without rowid"
    )
    db.execute(
        "create virtual table if not exists events_rtree using"
        # The filters ride along (auxiliary columns), so that the events in a box are
        # filtered without reading their rows.
        " rtree(id, min_lat, max_lat, min_lon, max_lon, +category, +province, +date)"
    )
    # The place search reads the bounds of a place from this index alone.
    db["events"].create_index(["place", "lat", "lon"], if_not_exists=True)
    for name in ("events_map_ai", "events_map_ad", "events_map_au_old", "events_map_au_new"):
        db.execute(f"drop trigger if exists {name}")
    for table in ("map_cells", "map_areas", "map_places", "events_rtree"):
        db.execute(f"delete from {table}")
    _map_backfill(db)
    new, old = _MAP_POINT.format(r="new"), _MAP_POINT.format(r="old")
    changed = " or ".join(f"old.{c} is not new.{c}" for c in _MAP_COLUMNS)
    # An update is the old row taken out and the new one put in (the R*Tree entry keeps its
    # id, so it is only taken out when the new row has no point).
    triggers = (
        f"""create trigger events_map_ai after insert on events when {new} begin
          {_map_add("new")}
        end""",
        f"""create trigger events_map_ad after delete on events when {old} begin
          {_map_remove("old")}
          delete from events_rtree where id = old.rowid;
        end""",
        f"""create trigger events_map_au_old after update on events when ({changed}) and {old}
        begin
          {_map_remove("old")}
          delete from events_rtree where id = old.rowid and not ({new});
        end""",
        f"""create trigger events_map_au_new after update on events when ({changed}) and {new}
        begin
          {_map_add("new")}
        end""",
    )
    for trigger in triggers:  # one by one: executescript would commit the migration halfway
        db.execute(trigger)


def _map_backfill(db: sqlite_utils.Database) -> None:
    """The map index of the events already there, in one pass per table."""
    month, category, province = (expr.format(r="events") for expr in _MAP_KEY.values())
    point = _MAP_POINT.format(r="events")
    db.execute(
        f"""insert into map_cells select level, cast((lat + 90) / size as int) as x,
              cast((lon + 180) / size as int) as y, {month} as m, {category} as c,
              {province} as p, count(*), sum(lat), sum(lon)
            from events, map_grid where {point} group by level, x, y, m, c, p"""
    )
    db.execute(
        f"""insert into map_areas select {province} as p, coalesce(municipality, '') as mu,
              {category} as c, {month} as m, count(*) from events where {point}
            group by p, mu, c, m"""
    )
    db.execute(
        f"insert into map_places select coalesce(place, '') as pl, count(*) from events"
        f" where {point} group by pl"
    )
    db.execute(
        "insert into events_rtree select rowid, lat, lat, lon, lon, category, province, date"
        f" from events where {point}"
    )


def _public_17_snapshot_files(db: sqlite_utils.Database) -> None:
    # Every file of a snapshot (the database, the events as CSV and GeoJSON, the changes) with
    # its size and SHA-256, for the downloads page. Older snapshots keep NULL: their database
    # file's SHA-256 is in `sha256`.
    if "files" not in db["snapshots"].columns_dict:
        db["snapshots"].add_column("files", str)


def _public_18_dataset_id(db: sqlite_utils.Database) -> None:
    # One identifier per deployment, drawn once: the Atom feed's IDs derive from it, so two
    # deployments never share one and a move to another address keeps them.
    db["dataset_info"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    if not db.execute("select 1 from dataset_info where key = 'id'").fetchone():
        db["dataset_info"].insert({"key": "id", "value": str(uuid.uuid4())})


def _public_8_changelog_withdrawals(db: sqlite_utils.Database) -> None:
    # (issue 17) The changelog shows an event's title as the public sees it now, and none once
    # the event is removed: lines written before kept titles that editors withdrew.
    db["changelog"].create_index(["event_id"], index_name="changelog_event", if_not_exists=True)
    db.execute(
        """update changelog
           set title = (select events.title from events where events.id = changelog.event_id)
           where title is not (select events.title from events
                               where events.id = changelog.event_id)"""
    )


PUBLIC_MIGRATIONS: list[Migration] = [
    (1, "initial schema", _public_1_initial),
    (2, "events.neighbourhood", _public_2_neighbourhood),
    (3, "events.sources: every outlet that told the story", _public_3_sources),
    (4, "open dataset: year, sensitive, areas, changelog, snapshots", _public_4_open_dataset),
    (5, "events.tags", _public_5_tags),
    (6, "indexes for filtered views and facets", _public_6_filter_indexes),
    (7, "no single-column province and category indexes", _public_7_drop_prefix_indexes),
    (8, "changelog: withdrawn titles gone; index on event_id", _public_8_changelog_withdrawals),
    (12, "map index: clusters, areas, places and an R*Tree kept by triggers", _public_12_map_index),
    (17, "snapshots.files: each file of a snapshot with its SHA-256", _public_17_snapshot_files),
    (18, "dataset_info: this deployment's dataset identifier", _public_18_dataset_id),
]


def migrate(db: sqlite_utils.Database, migrations: list[Migration]) -> list[int]:
    """Apply the migrations not yet recorded; returns the numbers applied now.

    Each one checks and applies under the write lock, so two processes opening a new
    database at the same moment apply it once.
    """
    with write_transaction(db):
        db["_migrations"].create(
            {"id": int, "name": str, "applied_at": str}, pk="id", if_not_exists=True
        )
    applied = []
    for number, name, apply in migrations:
        with write_transaction(db):
            if db.execute("select 1 from _migrations where id = ?", [number]).fetchone():
                continue
            apply(db)
            db["_migrations"].insert({"id": number, "name": name, "applied_at": utcnow()})
        applied.append(number)
    return applied


def open_newsroom(path: str | Path) -> sqlite_utils.Database:
    db = connect(path)
    migrate(db, NEWSROOM_MIGRATIONS)
    return db


def open_public(path: str | Path) -> sqlite_utils.Database:
    db = connect(path)
    migrate(db, PUBLIC_MIGRATIONS)
    return db


def audit(
    db: sqlite_utils.Database,
    action: str,
    table_name: str,
    row_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor: str = "system",
) -> None:
    """Append one entry to the audit log."""
    db["audit_log"].insert(
        {
            "at": utcnow(),
            "actor": actor,
            "action": action,
            "table_name": table_name,
            "row_id": row_id,
            "before": json.dumps(before, ensure_ascii=False) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False) if after is not None else None,
        }
    )
