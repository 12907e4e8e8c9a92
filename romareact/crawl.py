"""Running the Scrapy spiders over the sources, then publishing."""

from __future__ import annotations

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers import settings as default_settings
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.listing import ListingSpider
from romareact.paths import newsroom_path
from romareact.workspace import Workspace


def crawl_settings(workspace: Workspace, overrides: dict[str, str] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("ROMAREACT_DB", str(newsroom_path(workspace.data_dir)), priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(workspace: Workspace, sources: list[dict], overrides: dict | None = None) -> dict:
    """Crawl the given source rows once (blocking; once per process, as Twisted allows).

    Returns the crawl's counters, summed over the spiders.
    """
    process = CrawlerProcess(crawl_settings(workspace, overrides))
    crawlers = []
    for spider in (FeedSpider, ListingSpider):
        if any(s["kind"] == spider.kind for s in sources):
            crawler = process.create_crawler(spider)
            crawlers.append(crawler)
            process.crawl(crawler, sources=sources)
    if crawlers:
        process.start()
    totals: dict[str, int] = {}
    for crawler in crawlers:
        for key, value in (crawler.stats.get_stats() or {}).items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    return totals
