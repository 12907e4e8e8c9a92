"""The sitemap spider: sites without a usable feed that publish a sitemap or news sitemap.

An editor gives the sitemap's address, a pattern article URLs match and how recent they must
be; no CSS selectors. A sitemap index is followed to its most recently changed sitemaps.
Parsed with lxml as the feeds are: no entities resolved, no network.
"""

from __future__ import annotations

import datetime as dt
import re

import scrapy
from lxml import etree
from scrapy.utils.gz import gunzip

from crawlers.spiders.base import ArticleSpider
from crawlers.spiders.feed import FEED_PRIORITY
from romareact.dates import normalise_date

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
DEFAULT_MAX_AGE_DAYS = 7
MAX_DEPTH = 2  # an index of sitemaps, then the sitemaps: deeper is a loop or a trap
CHILD_SITEMAPS = 5  # of an index, the most recently changed ones
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, recover=True
)


def _text(element, path: str) -> str | None:
    found = element.find(path)
    return found.text.strip() if found is not None and found.text else None


def read_sitemap(body: bytes) -> tuple[str, list[dict]]:
    """("urlset" or "sitemapindex", its entries: loc, date, title)."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=50 * 1024 * 1024)
    root = etree.fromstring(body, _PARSER) if body.strip() else None
    if root is None:
        return "", []
    kind = etree.QName(root).localname
    entries = []
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname not in (
            "url",
            "sitemap",
        ):
            continue
        loc = _text(element, f"{SITEMAP}loc") or _text(element, "loc")
        if not loc:
            continue
        entries.append(
            {
                "loc": loc,
                "date": _text(element, f"{NEWS}news/{NEWS}publication_date")
                or _text(element, f"{SITEMAP}lastmod"),
                "title": _text(element, f"{NEWS}news/{NEWS}title"),
            }
        )
    return kind, entries


def _recent(entry: dict, oldest: dt.datetime) -> bool:
    stamp = normalise_date(entry["date"])[0] if entry["date"] else None
    if stamp is None:
        return True  # undated: kept, the per-source cap bounds it
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment >= oldest


class SitemapSpider(ArticleSpider):
    name = "sitemap"
    kind = "sitemap"

    async def start(self):
        for source in self.sources:
            yield self._sitemap_request(source["url"], source, 0, dont_filter=not self.filter_start)

    def _sitemap_request(self, url: str, source: dict, depth: int, dont_filter=False):
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            priority=FEED_PRIORITY,
            dont_filter=dont_filter,
            cb_kwargs={"source": source, "depth": depth},
        )

    def parse_sitemap(self, response, source: dict, depth: int):
        rules = source.get("rules") or {}
        kind, entries = read_sitemap(response.body)
        if kind == "sitemapindex":
            children = sorted(entries, key=lambda e: e["date"] or "", reverse=True)
            if depth == 0 and self.health is not None:
                self._report(source, response, len(children), "sitemaps")
            if depth + 1 < MAX_DEPTH:
                for child in children[:CHILD_SITEMAPS]:
                    yield self._sitemap_request(response.urljoin(child["loc"]), source, depth + 1)
            return
        pattern = re.compile(rules["pattern"]) if rules.get("pattern") else None
        days = int(rules.get("max_age_days", DEFAULT_MAX_AGE_DAYS))
        oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        chosen = [
            entry
            for entry in entries
            if (pattern is None or pattern.search(entry["loc"])) and _recent(entry, oldest)
        ]
        self.crawler.stats.inc_value("romareact/sitemap_urls", len(chosen))
        if depth == 0 and self.health is not None:
            self._report(source, response, len(chosen), "recent article URLs")
        for entry in chosen:
            known = {"title": entry["title"], "published_raw": entry["date"]}
            request = self.follow_article(response, entry["loc"], source, known)
            if request is not None:
                yield request

    def _report(self, source: dict, response, count: int, what: str) -> None:
        if count:
            self.health.success(source["id"], response.status, count)
        else:
            self.health.failure(
                source["id"], f"the sitemap lists no {what} (pattern and age)", response.status
            )

    def sitemap_failed(self, failure):
        self.crawler.stats.inc_value("romareact/sitemap_failed")
        self.logger.error("sitemap %s failed: %s", failure.request.url, failure.getErrorMessage())
        if failure.request.cb_kwargs.get("depth") == 0:
            self.record_failure(failure.request.cb_kwargs["source"], failure)
