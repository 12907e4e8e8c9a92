"""Database schema and numbered migrations for the newsroom and public databases.

Both databases are plain SQLite files in WAL mode, written with sqlite-utils. Every
migration is recorded in ``_migrations`` and written so that running it twice is harmless.
"""

from __future__ import annotations

import datetime as dt
import json
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
    (15, "server-side sessions; the server's keys", _newsroom_15_sessions),
    (16, "source_health.bad_entries_last", _newsroom_16_bad_entries),
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


PUBLIC_MIGRATIONS: list[Migration] = [
    (1, "initial schema", _public_1_initial),
    (2, "events.neighbourhood", _public_2_neighbourhood),
    (3, "events.sources: every outlet that told the story", _public_3_sources),
    (4, "open dataset: year, sensitive, areas, changelog, snapshots", _public_4_open_dataset),
    (5, "events.tags", _public_5_tags),
    (6, "indexes for filtered views and facets", _public_6_filter_indexes),
    (7, "no single-column province and category indexes", _public_7_drop_prefix_indexes),
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
