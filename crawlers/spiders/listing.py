"""The listing spider: sites without feeds, read with per-source CSS/XPath rules."""

from __future__ import annotations

import json

import scrapy

from crawlers.spiders.base import ArticleSpider

DEFAULT_MAX_PAGES = 3
# A page with less visible text than this and a script to build it is a JavaScript-only site.
_JS_ONLY_TEXT = 200


def javascript_only(response) -> str | None:
    """Why the page looks built by JavaScript in the browser, or None: the crawler reads
    HTML as served, and such a page serves scripts and an empty mount point."""
    scripts = len(response.xpath("//script"))
    text = " ".join(
        response.xpath("//body//text()[not(ancestor::script or ancestor::noscript"
                       " or ancestor::style)]").getall()
    ).split()  # fmt: skip
    visible = len(" ".join(text))
    if scripts and visible < _JS_ONLY_TEXT:
        return (
            f"the page is built by JavaScript ({scripts} scripts, {visible} characters of text"
            " without them): give its feed or sitemap instead"
        )
    return None


class ListingSpider(ArticleSpider):
    name = "listing"
    kind = "listing"

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(
                source["url"],
                callback=self.parse_listing,
                # Alone, a crawl fetches each source once anyway, and filtering would hide a
                # redirect loop back to the same address; several processes must filter.
                dont_filter=not self.filter_start,
                errback=self.listing_failed,
                cb_kwargs={"source": source, "page": 1},
            )

    def parse_listing(self, response, source: dict, page: int):
        rules = source.get("rules") or {}
        if isinstance(rules, str):
            rules = json.loads(rules)
        links = []
        if rules.get("links"):
            links += response.css(rules["links"]).getall()
        if rules.get("links_xpath"):
            links += response.xpath(rules["links_xpath"]).getall()
        if not links:
            self.crawler.stats.inc_value("romareact/listing_empty")
            self.logger.warning("listing %s: the rules matched no links", response.url)
        if self.health is not None and page == 1:
            if links:
                self.health.success(source["id"], response.status, len(links))
            else:
                why = javascript_only(response) or "the listing rules matched no links"
                self.health.failure(source["id"], why, response.status)
        for link in dict.fromkeys(link.strip() for link in links if link.strip()):
            request = self.follow_article(response, link, source, {})
            if request is not None:
                yield request
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
        if failure.request.cb_kwargs.get("page") == 1:
            self.record_failure(failure.request.cb_kwargs["source"], failure)
