"""Item pipelines, one job each: normalise -> dedup -> geocode -> relevance -> store.

Places come before relevance because a Roma neighbourhood named in a story makes it
Roma-related news (the same order as `romareact analyze`).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from geocode.gazetteer import Gazetteer
from geocode.resolve import find_places
from romareact import db as database
from romareact.analysis import roma_neighbourhoods
from romareact.clusters import assign_cluster
from romareact.dates import normalise_date
from romareact.language import detect_language
from romareact.relevance import score_text
from romareact.sanitize import MAX_TITLE, clean_summary, content_hash, plain_text
from romareact.urls import canonical_url, item_id


def _newsroom_path(crawler) -> str:
    path = crawler.settings.get("ROMAREACT_DB")
    if not path:
        raise NotConfigured("ROMAREACT_DB is not set")
    return path


def _body(adapter) -> str:
    """The text to analyse: the article, else the feed's summary as plain text."""
    return adapter.get("full_text") or plain_text(adapter.get("summary")) or ""


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
        adapter["title"] = plain_text(adapter.get("title"), MAX_TITLE)
        adapter["summary"] = clean_summary(adapter.get("summary"))
        adapter["author"] = plain_text(adapter.get("author"), 200)
        text = adapter.get("full_text")
        adapter["full_text"] = text.strip() if text else None
        adapter["content_hash"] = content_hash(adapter["full_text"])
        adapter["language"] = detect_language(f"{adapter.get('title') or ''} {_body(adapter)}")
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
            raise DropItem(f"duplicate of {key} in this crawl")
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


class StorePipeline:
    """Upsert items and their mentions into the newsroom database, in short transactions.

    Items are written in small batches (up to FLUSH_ITEMS, or every FLUSH_SECONDS): one
    transaction per batch instead of per item. A killed crawl loses at most the last
    unwritten batch, which the next crawl fetches again; the database stays sound.
    """

    FLUSH_ITEMS = 100
    FLUSH_SECONDS = 1.0

    def __init__(self, db_path: str, stats):
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.pending: list[tuple[dict, list[dict]]] = []
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_newsroom_path(crawler), crawler.stats)

    def open_spider(self):
        self.db = database.open_newsroom(self.db_path)

    def close_spider(self):
        if self.db is not None:
            self.flush()
            self.db.close()

    def flush(self) -> None:
        """Write every pending item in one transaction."""
        if not self.pending:
            return
        with database.write_transaction(self.db):
            for row, mentions in self.pending:
                self._write(row, mentions)
        self.stats.inc_value("romareact/stored", len(self.pending))
        self.pending = []
        self.last_flush = time.monotonic()

    def _write(self, row: dict, mentions: list[dict]) -> None:
        key = row["id"]
        previous = self.db.execute(
            "select status, cluster_locked from items where id = ?", [key]
        ).fetchone()
        if previous and previous[0] in ("approved", "rejected"):
            row["status"] = previous[0]  # an editor's decision outlives a re-crawl
        self.db["items"].upsert(row, pk="id")
        cluster = assign_cluster(self.db, key, row["full_text"])
        if not (previous and previous[1]):  # an editor's merge or split stays
            self.db["items"].update(key, {"cluster_id": cluster})
            if cluster not in (None, key):
                self.stats.inc_value("romareact/clustered")
        # An editor's place (start < 0) outlives a re-crawl and stays the primary one.
        self.db["mentions"].delete_where("item_id = ? and start >= 0", [key])
        chosen = self.db.execute(
            "select 1 from mentions where item_id = ? and start < 0 and is_primary", [key]
        ).fetchone()
        if mentions:
            if chosen:
                mentions = [{**m, "is_primary": 0} for m in mentions]
            self.db["mentions"].insert_all(mentions)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = item_id(adapter["canonical_url"])
        row = {
            "id": key,
            "source_id": adapter["source_id"],
            "url": adapter["url"],
            "canonical_url": adapter["canonical_url"],
            "guid": adapter.get("guid"),
            "title": adapter.get("title"),
            "summary": adapter.get("summary"),
            "full_text": adapter.get("full_text"),
            "author": adapter.get("author"),
            "published": adapter.get("published"),
            "published_raw": adapter.get("published_raw"),
            "date_flag": adapter.get("date_flag"),
            "fetched": database.utcnow(),
            "language": adapter.get("language"),
            "relevance": adapter.get("relevance"),
            "roma_related": int(bool(adapter.get("roma_related"))),
            "status": "new" if adapter["roma_related"] else "irrelevant",
            "content_hash": adapter.get("content_hash"),
            "analysed_at": database.utcnow(),
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
            }
            for mention in adapter.get("places") or []
        ]
        self.pending.append((row, mentions))
        if (
            len(self.pending) >= self.FLUSH_ITEMS
            or time.monotonic() - self.last_flush >= self.FLUSH_SECONDS
        ):
            self.flush()
        return item
