"""The feed spider: RSS/Atom feeds, then each entry's article page."""

from __future__ import annotations

import calendar
import datetime as dt

import feedparser
import scrapy

from crawlers.spiders.base import ArticleSpider


def _entry_date(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        stamp = calendar.timegm(parsed)
        return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat()
    return entry.get("published") or entry.get("updated")


class FeedSpider(ArticleSpider):
    name = "feed"
    kind = "feed"

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(
                source["url"],
                callback=self.parse_feed,
                errback=self.feed_failed,
                cb_kwargs={"source": source},
            )

    def parse_feed(self, response, source: dict):
        # Parse the bytes Scrapy already downloaded; feedparser never touches the network.
        # Its own sanitiser is off: the pipelines sanitise with nh3, which is far faster.
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        parsed = feedparser.parse(
            response.body,
            response_headers={"content-type": content_type} if content_type else None,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if parsed.bozo:
            self.crawler.stats.inc_value("romareact/feed_bozo")
            self.logger.warning(
                "feed %s is malformed: %s", response.url, parsed.get("bozo_exception")
            )
        if not parsed.entries:
            self.crawler.stats.inc_value("romareact/feed_empty")
            self.logger.warning("feed %s has no entries", response.url)
        for entry in parsed.entries:
            link = entry.get("link")
            if entry.get("guidislink") and not link.startswith(("http://", "https://")):
                link = None  # feedparser took a GUID like "g-2" for a permalink
            if not link:
                self.crawler.stats.inc_value("romareact/entry_without_link")
                continue
            known = {
                "title": entry.get("title"),
                "summary": entry.get("summary"),
                "author": entry.get("author"),
                "published": _entry_date(entry),
                "guid": entry.get("id"),
            }
            yield response.follow(
                link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"source": source, "known": known},
            )

    def feed_failed(self, failure):
        self.crawler.stats.inc_value("romareact/feed_failed")
        self.logger.error("feed %s failed: %s", failure.request.url, failure.getErrorMessage())
