"""Item pipelines, one job each: normalise -> dedup -> geocode -> relevance -> store.

Places come before relevance because a Roma neighbourhood named in a story makes it
Roma-related news (the same order as `romareact analyze`).
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawlers.identity import resolve_story
from geocode.gazetteer import Gazetteer
from geocode.resolve import find_places
from romareact import db as database
from romareact.analysis import roma_neighbourhoods
from romareact.clusters import find_cluster, index_sketch
from romareact.dates import normalise_date
from romareact.language import detect_language
from romareact.relevance import score_text
from romareact.sanitize import content_hash, sanitised_fields, text_of_clean_html
from romareact.urls import canonical_url, item_id


def _newsroom_path(crawler) -> str:
    path = crawler.settings.get("ROMAREACT_DB")
    if not path:
        raise NotConfigured("ROMAREACT_DB is not set")
    return path


def _body(adapter) -> str:
    """The text to analyse, as the NormalisePipeline made it."""
    return adapter.get("text") or ""


_ITEM_COLUMNS = (
    "id", "source_id", "url", "canonical_url", "guid", "title", "summary", "full_text", "author",
    "published", "published_raw", "date_flag", "fetched", "language", "relevance",
    "roma_related", "status", "content_hash", "analysed_at", "cluster_id", "sketch",
    "search_pending",
    "guid_key",  # issue 18: the story's GUID identity (crawlers/identity.py)
)  # fmt: skip
_KEPT_BY_EDITORS = {
    "status": "case when items.status in ('approved', 'rejected') then items.status"
    " else excluded.status end",
    "cluster_id": "case when items.cluster_locked then items.cluster_id"
    " else excluded.cluster_id end",
}
_UPSERT_ITEM = (
    f"insert into items ({', '.join(_ITEM_COLUMNS)})"
    f" values ({', '.join('?' for _ in _ITEM_COLUMNS)})"
    " on conflict(id) do update set "
    + ", ".join(
        f"{column} = {_KEPT_BY_EDITORS.get(column, f'excluded.{column}')}"
        for column in _ITEM_COLUMNS[1:]
    )
    + " returning cluster_locked"
)
_MENTION_COLUMNS = (
    "item_id", "place_id", "start", "end", "surface", "confidence", "is_primary",
    "needs_review", "candidates",  # issue 16: unsure namesakes wait for an editor
)  # fmt: skip
_QUOTED_MENTION_COLUMNS = ", ".join(f'"{c}"' for c in _MENTION_COLUMNS)  # "end": an SQL word
_INSERT_MENTION = (
    f"insert or replace into mentions ({_QUOTED_MENTION_COLUMNS})"
    f" values ({', '.join('?' for _ in _MENTION_COLUMNS)})"
)


class NormalisePipeline:
    """Canonical URL, plain-text title, sanitised summary, content hash."""

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = adapter["url"]
        page_canonical = adapter.get("canonical_url")
        # Trust a page's rel=canonical only on its own host: a page cannot claim another site's URL.
        if page_canonical and urlsplit(page_canonical).hostname == urlsplit(url).hostname:
            adapter["canonical_url"] = canonical_url(page_canonical)
        else:
            adapter["canonical_url"] = canonical_url(url)
        fields = sanitised_fields(
            adapter.get("title"), adapter.get("summary"), adapter.get("author")
        )
        adapter.update(fields)
        full_text = adapter.get("full_text")
        adapter["full_text"] = full_text = full_text.strip() if full_text else None
        adapter["content_hash"] = content_hash(full_text)
        # What the analysis reads: the article, else the feed's summary as plain text.
        adapter["text"] = text = full_text or text_of_clean_html(fields["summary"]) or ""
        adapter["language"] = detect_language(f"{fields['title'] or ''} {text}")
        raw = adapter.get("published_raw")
        adapter["published_raw"] = raw.strip()[:200] if raw else None
        # feedparser's reading first (it knows more formats), else the raw text.
        published, flag = normalise_date(adapter.get("published") or raw)
        adapter["published"], adapter["date_flag"] = published, flag
        return item


class DedupPipeline:
    """Drop the second copy of an article within one crawl (across crawls, storage upserts)."""

    def __init__(self, stats):
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        key = ItemAdapter(item)["canonical_url"]
        if key in self.seen:
            self.stats.inc_value("romareact/duplicate")
            # Routine (a feed listing one story twice), so not a warning with the whole item.
            raise DropItem(f"duplicate of {key} in this crawl", log_level="INFO")
        self.seen.add(key)
        return item


class GeocodePipeline:
    """Find the settlements an article mentions, with the gazetteer in the newsroom database."""

    def __init__(self, db_path: str, stats):
        self.db_path = db_path
        self.stats = stats
        self.gazetteer: Gazetteer | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_newsroom_path(crawler), crawler.stats)

    def open_spider(self):
        newsroom = database.open_newsroom(self.db_path)
        self.gazetteer = Gazetteer.from_db(newsroom)
        # A Bulgarian outlet writes about Bulgaria: its "Montana" is the Bulgarian town.
        self.bulgarian_sources = {
            row["id"] for row in newsroom["sources"].rows_where("country = 'BG'")
        }
        newsroom.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        adapter["places"] = find_places(
            _body(adapter),
            self.gazetteer,
            title=adapter.get("title"),
            lang=adapter.get("language"),
            in_bulgaria=adapter["source_id"] in self.bulgarian_sources,
        )
        self.stats.inc_value("geocode/placed" if adapter["places"] else "geocode/unresolved")
        return item


class RelevancePipeline:
    """Score Roma relevance, counting Roma neighbourhoods found by the GeocodePipeline before
    it, as `romareact analyze` does. Irrelevant items are kept, marked."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        places = adapter.get("places") or []
        relevance = score_text(
            _body(adapter), adapter.get("title"), roma_places=roma_neighbourhoods(places)
        )
        adapter["relevance"] = relevance.score
        adapter["roma_related"] = relevance.roma_related
        self.stats.inc_value(f"relevance/{'relevant' if relevance.roma_related else 'irrelevant'}")
        return item


def stored_row(adapter) -> tuple[dict, list[dict]]:
    """The items row and the mentions rows of an analysed item."""
    key = item_id(adapter["canonical_url"])
    now = database.utcnow()
    row = {
        "id": key,
        "source_id": adapter["source_id"],
        "url": adapter["url"],
        "canonical_url": adapter["canonical_url"],
        "guid": adapter.get("guid"),
        "guid_key": adapter.get("guid_key"),
        "title": adapter.get("title"),
        "summary": adapter.get("summary"),
        "full_text": adapter.get("full_text"),
        "author": adapter.get("author"),
        "published": adapter.get("published"),
        "published_raw": adapter.get("published_raw"),
        "date_flag": adapter.get("date_flag"),
        "fetched": now,
        "language": adapter.get("language"),
        "relevance": adapter.get("relevance"),
        "roma_related": int(bool(adapter.get("roma_related"))),
        "status": "new" if adapter["roma_related"] else "irrelevant",
        "content_hash": adapter.get("content_hash"),
        "analysed_at": now,
    }
    mentions = [
        {
            "item_id": key,
            # The most precise place known: the neighbourhood where one was named.
            "place_id": (mention.neighbourhood or mention.place).id,
            "start": mention.start,
            "end": mention.end,
            "surface": mention.surface,
            "confidence": mention.confidence,
            "is_primary": int(mention.primary),
            "needs_review": int(mention.needs_review),
            "candidates": (
                json.dumps(mention.candidate_dicts(), ensure_ascii=False)
                if mention.needs_review
                else None
            ),
        }
        for mention in adapter.get("places") or []
    ]
    return row, mentions


def write_item(db, row: dict, mentions: list[dict]) -> bool:
    """Upsert one item and its mentions (inside a transaction); True if it joined another
    story's cluster."""
    # issue 18: the item already holding this story (by canonical URL, else by GUID).
    row = resolve_story(db, row)
    key = row["id"]
    mentions = [{**m, "item_id": key} for m in mentions]
    cluster, sketch = find_cluster(db, key, row["full_text"])
    row = {
        **row,
        "cluster_id": cluster,
        "sketch": json.dumps(sketch) if sketch else None,
        "search_pending": 1,  # indexed for search in bulk: index_pending_items
    }
    # One statement per item: a re-crawl refreshes the text but keeps an editor's
    # decision (approved/rejected) and an editor's merge or split (cluster_locked).
    locked = db.execute(_UPSERT_ITEM, [row[c] for c in _ITEM_COLUMNS]).fetchone()[0]
    index_sketch(db, key, sketch)
    clustered = not locked and cluster not in (None, key)
    # An editor's place (start < 0) outlives a re-crawl and stays the primary one.
    db.execute("delete from mentions where item_id = ? and start >= 0", [key])
    chosen = db.execute(
        "select 1 from mentions where item_id = ? and start < 0 and is_primary", [key]
    ).fetchone()
    if mentions:
        if chosen:
            mentions = [{**m, "is_primary": 0} for m in mentions]
        rows = [[m.get(c) for c in _MENTION_COLUMNS] for m in mentions]  # older hand-offs lack some
        db.conn.executemany(_INSERT_MENTION, rows)
    return clustered


class StorePipeline:
    """Upsert items and their mentions into the newsroom database, in short transactions.

    Items are written in small batches (up to FLUSH_ITEMS, or every FLUSH_SECONDS): one
    transaction per batch instead of per item. A killed crawl loses at most the last
    unwritten batch, which the next crawl fetches again; the database stays sound.
    Written items join the search index in bulk, every INDEX_ITEMS and at the end (the
    items of a killed crawl join it at the end of the next).
    (A writer thread was tried and measured slower: each SQLite call gives up Python's lock
    and then waits to get it back from the busy crawl thread.)
    """

    FLUSH_ITEMS = 100
    FLUSH_SECONDS = 1.0
    INDEX_ITEMS = 5000

    def __init__(self, db_path: str, stats):
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.pending: list[tuple[dict, list[dict]]] = []
        self.last_flush = time.monotonic()
        self.unindexed = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_newsroom_path(crawler), crawler.stats)

    def open_spider(self):
        self.db = database.open_newsroom(self.db_path)

    def close_spider(self):
        if self.db is not None:
            self.flush()
            database.index_pending_items(self.db)
            self.db.close()

    def flush(self) -> None:
        """Write every pending item in one transaction."""
        if not self.pending:
            return
        with database.write_transaction(self.db):
            for row, mentions in self.pending:
                if write_item(self.db, row, mentions):
                    self.stats.inc_value("romareact/clustered")
        self.stats.inc_value("romareact/stored", len(self.pending))
        self.unindexed += len(self.pending)
        self.pending = []
        self.last_flush = time.monotonic()
        if self.unindexed >= self.INDEX_ITEMS:
            database.index_pending_items(self.db)
            self.unindexed = 0

    def process_item(self, item):
        row, mentions = stored_row(ItemAdapter(item))
        self.pending.append((row, mentions))
        if (
            len(self.pending) >= self.FLUSH_ITEMS
            or time.monotonic() - self.last_flush >= self.FLUSH_SECONDS
        ):
            self.flush()
        return item
