"""The listing spider: sites without feeds, read with per-source CSS/XPath rules."""

from __future__ import annotations

import scrapy

from crawlers.spiders.base import ArticleSpider

DEFAULT_MAX_PAGES = 3


class ListingSpider(ArticleSpider):
    name = "listing"
    kind = "listing"

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(
                source["url"],
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"source": source, "page": 1},
            )

    def parse_listing(self, response, source: dict, page: int):
        rules = source.get("rules") or {}
        links = []
        if rules.get("links"):
            links += response.css(rules["links"]).getall()
        if rules.get("links_xpath"):
            links += response.xpath(rules["links_xpath"]).getall()
        if not links:
            self.crawler.stats.inc_value("romareact/listing_empty")
            self.logger.warning("listing %s: the rules matched no links", response.url)
        for link in dict.fromkeys(link.strip() for link in links if link.strip()):
            yield response.follow(
                link,
                callback=self.parse_article,
                errback=self.article_failed,
                cb_kwargs={"source": source, "known": {}},
            )
        next_page = response.css(rules["next_page"]).get() if rules.get("next_page") else None
        if next_page and page < int(rules.get("max_pages", DEFAULT_MAX_PAGES)):
            yield response.follow(
                next_page,
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"source": source, "page": page + 1},
            )

    def listing_failed(self, failure):
        self.crawler.stats.inc_value("romareact/listing_failed")
        self.logger.error("listing %s failed: %s", failure.request.url, failure.getErrorMessage())
