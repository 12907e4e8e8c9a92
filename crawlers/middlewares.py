"""Downloader middlewares."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest


class WebOnlyMiddleware:
    """Refuse every request that is not http(s): a feed must never read local files."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request):
        if urlsplit(request.url).scheme not in ("http", "https"):
            self.stats.inc_value("romareact/refused_scheme")
            raise IgnoreRequest(f"refused non-web URL {request.url!r}")
        return None
