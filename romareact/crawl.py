"""Running the Scrapy spiders over the sources, then publishing."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers import settings as default_settings
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.sitemap import SitemapSpider
from romareact.paths import newsroom_path
from romareact.workspace import Workspace


def redis_settings(url: str, run: str) -> dict:
    """Settings that make several crawler processes share one frontier through Redis.

    Every process of one run (same `run` name) takes requests from one queue and checks one
    duplicate filter, so each page is fetched once. Keys persist until the run's last
    process ends; a new run name starts fresh.
    """
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"romareact:{run}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"romareact:{run}:%(spider)s:dupefilter",
        "ROMAREACT_SHARED_FRONTIER": True,
        "EXTENSIONS": {"crawlers.extensions.SharedFrontierExtension": 500},
    }


def handoff_settings(url: str) -> dict:
    """Settings for a crawler without the newsroom database: analysed items and source
    health go to Redis, for `romareact collect` on the newsroom's machine."""
    pipelines = dict(default_settings.ITEM_PIPELINES)
    pipelines["crawlers.pipelines.StorePipeline"] = None
    pipelines["crawlers.handoff.HandoffPipeline"] = 900
    return {"ROMAREACT_HANDOFF_REDIS": url, "ITEM_PIPELINES": pipelines}


# Scrapy components and the setting that switches each on. Scrapy imports every component
# its lists name, switched on or not, and these pull in aiohttp and tldextract: a third of a
# second of every crawl's start-up. Switched off, they leave the lists.
_SWITCHABLE = {
    "EXTENSIONS_BASE": {
        "scrapy.extensions.remote_control.RemoteControl": "REMOTE_CONTROL_ENABLED",
        "scrapy.extensions.telnet.TelnetConsole": "TELNETCONSOLE_ENABLED",
    },
    "DOWNLOADER_MIDDLEWARES_BASE": {
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": "COOKIES_ENABLED",
    },
}


def crawl_settings(workspace: Workspace, overrides: dict[str, str] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("ROMAREACT_DB", str(newsroom_path(workspace.data_dir)), priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    for base, switches in _SWITCHABLE.items():
        components = {
            path: order
            for path, order in settings.getdict(base).items()
            if path not in switches or settings.getbool(switches[path])
        }
        settings.set(base, components, priority="project")
    return settings


def run_crawl(workspace: Workspace, sources: list[dict], overrides: dict | None = None) -> dict:
    """Crawl the given source rows once (blocking; once per process, as Twisted allows).

    Returns the crawl's counters, summed over the spiders.
    """
    process = CrawlerProcess(crawl_settings(workspace, overrides))
    crawlers = []
    for spider in (FeedSpider, ListingSpider, SitemapSpider):
        if any(s["kind"] == spider.kind for s in sources):
            crawler = process.create_crawler(spider)
            crawlers.append(crawler)
            process.crawl(crawler, sources=sources)
    if crawlers:
        process.start()
    return _summed(crawler.stats.get_stats() or {} for crawler in crawlers)


def run_crawl_processes(workspace: Workspace, sources: list[dict], overrides: dict | None,
                        processes: int) -> dict:  # fmt: skip
    """Crawl the sources with several processes, each a whole crawl of its share: this one
    and processes - 1 started for the purpose.

    Scrapy runs on one core; parsing, sanitising and analysing news is CPU work, so a
    machine with several cores crawls many sources faster this way. The processes write
    the same newsroom database, each in short transactions. With Redis settings every
    process gets every source and the shared frontier hands out each request once.
    Returns the counters, summed over the processes.
    """
    if (overrides or {}).get("ROMAREACT_SHARED_FRONTIER"):
        shares = [sources] * processes
    else:
        shares = [share for share in _shares_by_host(sources, processes) if share]
    if len(shares) < 2:
        return run_crawl(workspace, sources, overrides)
    others = shares[1:]
    # "spawn": each process starts clean, as Twisted needs (a forked reactor is unusable).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(others), mp_context=context) as pool:
        started = [
            pool.submit(_crawl_share, str(workspace.data_dir), share, overrides) for share in others
        ]
        counters = [run_crawl(workspace, shares[0], overrides)]
        counters += [future.result() for future in started]
    return {"romareact/processes": len(shares), **_summed(counters)}


def _summed(counters) -> dict[str, int]:
    """The integer counters of several crawls (or spiders), added up key by key."""
    totals: dict[str, int] = {}
    for counter in counters:
        for key, value in counter.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    return totals


def _shares_by_host(sources: list[dict], processes: int) -> list[list[dict]]:
    """The sources in `processes` shares of about equal size, each host's sources in one
    share: a site's politeness limits (delay, concurrency) hold per process, so one site
    must not be crawled by two at once."""
    by_host: dict[str, list[dict]] = {}
    for source in sources:
        by_host.setdefault(urlsplit(source["url"]).hostname or "", []).append(source)
    shares: list[list[dict]] = [[] for _ in range(processes)]
    for group in sorted(by_host.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    return shares


def _crawl_share(data_dir: str, sources: list[dict], overrides: dict | None) -> dict:
    from romareact.workspace import open_workspace

    workspace = open_workspace(data_dir)
    try:
        return run_crawl(workspace, sources, overrides)
    finally:
        workspace.close()
