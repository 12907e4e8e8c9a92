"""What the feed and listing spiders share: sources as arguments, article parsing."""

from __future__ import annotations

import codecs
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.encoding import decide_encoding
from crawlers.extract import extract_article
from crawlers.handoff import health_forwarder, known_checker
from crawlers.health import HealthRecorder
from crawlers.items import ArticleItem
from crawlers.middlewares import retry_after_seconds
from romareact import db as database
from romareact.urls import canonical_url


class ArticleSpider(scrapy.Spider):
    """Base for spiders that follow links to article pages. Not run on its own.

    With ROMAREACT_DB set, the spider records each source's health and skips article URLs
    the newsroom already holds (unless ROMAREACT_REFETCH_KNOWN is true).
    """

    kind: str = ""

    def __init__(self, sources: list[dict] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in (sources or []) if s.get("kind") == self.kind]
        self.db = None
        self.health: HealthRecorder | None = None
        self.refetch_known = False
        self.filter_start = False
        self.known_elsewhere = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = crawler.settings.get("ROMAREACT_DB")
        if path:
            spider.db = database.open_newsroom(path)
            handoff = crawler.settings.get("ROMAREACT_HANDOFF_REDIS")
            # A crawler handing its items over reports source health to the collector too.
            forward = health_forwarder(handoff) if handoff else None
            spider.health = HealthRecorder(spider.db, forward)
            spider.known_elsewhere = known_checker(handoff) if handoff else None
        spider.refetch_known = crawler.settings.getbool("ROMAREACT_REFETCH_KNOWN")
        # A shared frontier (Redis) must see start requests, or every process refetches them.
        spider.filter_start = crawler.settings.getbool("ROMAREACT_SHARED_FRONTIER")
        return spider

    def closed(self, reason):
        if self.db is not None:
            self.db.close()

    def is_known(self, url: str, guid_key: str | None = None) -> bool:
        """Already in the newsroom (by URL, or by GUID when the slug changed): an
        incremental crawl does not fetch it again."""
        if self.db is None or self.refetch_known:
            return False
        if guid_key and self.known_elsewhere is None:
            query = "select 1 from items where guid_key = ? limit 1"
            if self.db.execute(query, [guid_key]).fetchone():
                return True
        if self.known_elsewhere is not None:  # handing over: the newsroom is elsewhere
            return self.known_elsewhere(canonical_url(url))
        return bool(
            self.db.execute(
                "select 1 from items where canonical_url = ? limit 1", [canonical_url(url)]
            ).fetchone()
        )

    def follow_article(self, response, link: str, source: dict, known: dict):
        """A request for an article page, or None when the newsroom already has it."""
        url = response.urljoin(link)
        if self.is_known(url, known.get("guid_key")):
            self.crawler.stats.inc_value("romareact/known_skipped")
            return None
        return response.follow(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"source": source, "known": known},
        )

    def record_failure(self, source: dict, failure) -> None:
        # A connection reset has an empty message: its type says what happened.
        status = None
        message = failure.getErrorMessage() or failure.value.__class__.__name__
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            status = response.status
            message = f"HTTP {status} from {response.url}"
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            longest = self.crawler.settings.getfloat("ROMAREACT_MAX_RETRY_AFTER", 300)
            if status in (429, 503) and wait is not None and wait > longest and self.health:
                # Busy, not broken: come back when the server asked (RetryAfterMiddleware
                # left this for later as too long to wait within the crawl).
                self.health.waiting(source["id"], wait, status)
                return
            location = response.headers.get("Location", b"").decode("latin-1")
            if 300 <= status < 400 and location:
                web = urlsplit(response.urljoin(location)).scheme in ("http", "https")
                why = "one redirect too many" if web else "not a web address"
                message += f" redirecting to {location[:200]}: not followed ({why})"
        if self.health is not None:
            self.health.failure(source["id"], message, status)

    def parse_article(self, response, source: dict, known: dict):
        """Merge what the page says with what the feed or listing already told us."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("romareact/article_not_text")
            yield self._item(source, response.url, known)
            return
        response = self._in_real_encoding(response)
        page = extract_article(response)
        canonical = page.get("canonical")
        yield self._item(
            source,
            response.url,
            {
                "title": known.get("title") or page.get("title"),
                "summary": known.get("summary") or page.get("description"),
                "full_text": page.get("text"),
                "author": known.get("author") or page.get("author"),
                "published": known.get("published"),
                "published_raw": known.get("published_raw") or page.get("date"),
                "guid": known.get("guid"),
                "guid_key": known.get("guid_key"),
                "canonical_url": response.urljoin(canonical) if canonical else None,
            },
        )

    def _in_real_encoding(self, response: TextResponse) -> TextResponse:
        """The page read in the encoding its bytes have: Scrapy believes the HTTP charset,
        which on Bulgarian sites often says utf-8 over windows-1251 bytes."""
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        encoding = decide_encoding(response.body, content_type or None)
        if encoding == codecs.lookup(response.encoding).name:
            return response
        self.crawler.stats.inc_value("romareact/page_encoding_corrected")
        return response.replace(encoding=encoding)

    def article_failed(self, failure: Failure):
        """The article page could not be fetched: keep what the feed or listing gave."""
        request = failure.request
        self.logger.warning("article %s failed: %s", request.url, failure.getErrorMessage())
        self.crawler.stats.inc_value("romareact/article_failed")
        yield self._item(request.cb_kwargs["source"], request.url, request.cb_kwargs["known"])

    def _item(self, source: dict, url: str, fields: dict) -> ArticleItem:
        return ArticleItem(source_id=source["id"], url=url, **fields)
