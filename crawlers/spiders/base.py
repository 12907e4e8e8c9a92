"""What the feed and listing spiders share: sources as arguments, article parsing."""

from __future__ import annotations

import scrapy
from scrapy.http import TextResponse
from twisted.python.failure import Failure

from crawlers.extract import extract_article
from crawlers.items import ArticleItem


class ArticleSpider(scrapy.Spider):
    """Base for spiders that follow links to article pages. Not run on its own."""

    kind: str = ""

    def __init__(self, sources: list[dict] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in (sources or []) if s.get("kind") == self.kind]

    def parse_article(self, response, source: dict, known: dict):
        """Merge what the page says with what the feed or listing already told us."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("romareact/article_not_text")
            yield self._item(source, response.url, known)
            return
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
                "published": known.get("published") or page.get("date"),
                "guid": known.get("guid"),
                "canonical_url": response.urljoin(canonical) if canonical else None,
            },
        )

    def article_failed(self, failure: Failure):
        """The article page could not be fetched: keep what the feed or listing gave."""
        request = failure.request
        self.logger.warning("article %s failed: %s", request.url, failure.getErrorMessage())
        self.crawler.stats.inc_value("romareact/article_failed")
        yield self._item(request.cb_kwargs["source"], request.url, request.cb_kwargs["known"])

    def _item(self, source: dict, url: str, fields: dict) -> ArticleItem:
        return ArticleItem(source_id=source["id"], url=url, **{k: v for k, v in fields.items()})
