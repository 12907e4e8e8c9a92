"""Crawlers on other machines: analysed items and source health handed over through Redis.

The newsroom database is one SQLite file on one machine. A crawler elsewhere (`romareact
crawl --redis URL --hand-off`) shares the Redis frontier as usual, analyses what it fetches
with its own gazetteer, and instead of writing a database pushes each item, its places and
each source-health event onto Redis lists. `romareact collect --redis URL`, next to the
newsroom database, stores them with the same code the local crawler uses.

Delivery is at least once: the collector removes a batch from Redis only after committing
it, and storing an item twice is an upsert. A message that cannot be stored (an unknown
place, a malformed row) moves to the REJECTED list with the reason instead of blocking
the queue.
"""

from __future__ import annotations

import json

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawlers.health import HealthRecorder
from crawlers.pipelines import stored_row, write_item
from romareact.db import index_pending_items, write_transaction
from romareact.sanitize import sanitised_fields

ITEMS = "romareact:handoff:items"
HEALTH = "romareact:handoff:health"
SOURCES = "romareact:handoff:sources"
REJECTED = "romareact:handoff:rejected"
KNOWN = "romareact:handoff:known"  # canonical URLs handed over: not fetched again


def _server(url: str):
    import redis

    return redis.from_url(url)


class HandoffPipeline:
    """In place of the StorePipeline on a crawler without the newsroom: items to Redis."""

    FLUSH_ITEMS = 100

    def __init__(self, redis_url: str, crawler):
        self.crawler = crawler
        self.server = _server(redis_url)
        self.pending: list[str] = []
        self.known: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("ROMAREACT_HANDOFF_REDIS")
        if not url:
            raise NotConfigured("ROMAREACT_HANDOFF_REDIS is not set")
        return cls(url, crawler)

    def open_spider(self):
        # The collector registers the sources its newsroom does not know yet.
        sources = getattr(self.crawler.spider, "sources", None) or []
        for source in sources:
            row = {**source, "rules": json.dumps(source.get("rules") or {}, ensure_ascii=False)}
            self.server.hset(SOURCES, source["id"], json.dumps(row, ensure_ascii=False))

    def close_spider(self):
        self.flush()

    def flush(self) -> None:
        if self.pending:
            self.server.rpush(ITEMS, *self.pending)
            self.server.sadd(KNOWN, *self.known)
            self.crawler.stats.inc_value("romareact/handed_off", len(self.pending))
        self.pending, self.known = [], []

    def process_item(self, item):
        row, mentions = stored_row(ItemAdapter(item))
        self.pending.append(json.dumps({"row": row, "mentions": mentions}, ensure_ascii=False))
        self.known.append(row["canonical_url"])
        if len(self.pending) >= self.FLUSH_ITEMS:
            self.flush()
        return item


def _resanitised(row: dict) -> dict:
    """The crawler sanitised the text already; whoever can write to Redis could skip that,
    so the collector does it again (it changes nothing in clean text)."""
    return {**row, **sanitised_fields(row["title"], row["summary"], row["author"])}


def known_checker(redis_url: str):
    """is_known(canonical URL) for a crawler handing over: asks Redis, not a database."""
    server = _server(redis_url)
    return lambda canonical: bool(server.sismember(KNOWN, canonical))


def health_forwarder(redis_url: str):
    """A HealthRecorder `forward` callable that pushes each event to the collector."""
    server = _server(redis_url)

    def forward(event: str, fields: dict) -> None:
        server.rpush(HEALTH, json.dumps({"event": event, **fields}, ensure_ascii=False))

    return forward


def collect(db, redis_url: str, batch: int = 100) -> dict[str, int]:
    """Store everything remote crawlers handed over; the counts of what was done."""
    server = _server(redis_url)
    counts = {"sources": 0, "items": 0, "clustered": 0, "rejected": 0, "health": 0}
    with write_transaction(db):
        known = {row[0] for row in db.execute("select id from sources")}
        columns = db["sources"].columns_dict  # a crawler's row also holds its schedule
        for source_id, raw in server.hgetall(SOURCES).items():
            if source_id.decode() not in known:
                row = {k: v for k, v in json.loads(raw).items() if k in columns}
                db["sources"].insert(row, pk="id", ignore=True)
                counts["sources"] += 1
    while messages := server.lrange(ITEMS, 0, batch - 1):
        rejected = []
        with write_transaction(db):
            for message in messages:
                try:
                    db.execute("savepoint item")
                    data = json.loads(message)
                    counts["clustered"] += write_item(
                        db, _resanitised(data["row"]), data["mentions"]
                    )
                    db.execute("release item")
                    counts["items"] += 1
                except Exception as error:  # one bad message must not block the queue
                    db.execute("rollback to item")
                    db.execute("release item")
                    text = message.decode("utf-8", "replace")
                    reason = f"{type(error).__name__}: {error}"[:500]
                    rejected.append(json.dumps({"error": reason, "message": text}))
        if rejected:
            server.rpush(REJECTED, *rejected)
            counts["rejected"] += len(rejected)
        server.ltrim(ITEMS, len(messages), -1)  # only now: a crash before this re-delivers
    recorder = HealthRecorder(db)
    recorders = {
        "success": recorder.success, "failure": recorder.failure, "waiting": recorder.waiting,
        "capped": recorder.capped,
    }  # fmt: skip
    while events := server.lrange(HEALTH, 0, batch - 1):
        for raw in events:
            event = json.loads(raw)
            record = recorders.get(event.pop("event", None))
            if record is not None:  # anything else is not ours to act on
                record(**event)
                counts["health"] += 1
        server.ltrim(HEALTH, len(events), -1)
    index_pending_items(db)
    return counts
