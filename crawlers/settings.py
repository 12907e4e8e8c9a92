"""Scrapy settings for the romareact crawlers: polite by default.

`romareact crawl` starts from these and adds ROMAREACT_DB; `-s NAME=VALUE` overrides any.
"""

from romareact import __version__

BOT_NAME = "romareact"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Politeness: say who we are, obey robots.txt, adapt the pace to the server.
USER_AGENT = f"romareact/{__version__} (open-source Roma news map; polite crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bounded work per request: a hostile or broken server costs at most this much.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control is an HTTP endpoint that runs Python code sent to it: a crawler
# that reads hostile pages needs no such door.
REMOTE_CONTROL_ENABLED = False
# Scrapy re-reads and parses each generator callback's source on every response to warn
# about `return value` in generators; ours have none, and the check costs a millisecond.
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.WebOnlyMiddleware": 50,
    # Retries that honour Retry-After, in place of Scrapy's own.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.RetryAfterMiddleware": 550,
}
ROMAREACT_MAX_RETRY_AFTER = 300
# Fetch each feed entry's page for its full text; false keeps what the feed says.
ROMAREACT_FOLLOW_ARTICLES = True
# Fair shares: at most this many new article pages per source and crawl (0: no limit).
ROMAREACT_MAX_ARTICLES_PER_SOURCE = 300

ITEM_PIPELINES = {
    "crawlers.pipelines.NormalisePipeline": 100,
    "crawlers.pipelines.DedupPipeline": 200,
    "crawlers.pipelines.GeocodePipeline": 300,
    "crawlers.pipelines.RelevancePipeline": 400,
    "crawlers.pipelines.StorePipeline": 900,
}

# The newsroom database the StorePipeline writes to; set by `romareact crawl`.
ROMAREACT_DB = None
