"""Downloader middlewares."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


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


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, but a 429 or 503 waits as long as the server's Retry-After asks.

    A server that asks for longer than ROMAREACT_MAX_RETRY_AFTER seconds is not retried in
    this crawl: the source's health records the refusal and backs off.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("ROMAREACT_MAX_RETRY_AFTER", 300)

    async def process_response(self, request, response):
        if response.status in (429, 503) and not request.meta.get("dont_retry", False):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > self.max_wait:
                logger.warning(
                    "%s asks to retry after %.0f s, longer than %.0f s: not retrying now",
                    request.url, wait, self.max_wait,
                )  # fmt: skip
                return response
            if wait:
                # Other downloads go on meanwhile: only this response waits.
                await asyncio.sleep(wait)
        return super().process_response(request, response)
