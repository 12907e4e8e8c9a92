"""Extensions: keeping crawler processes that share a Redis frontier working together."""

from __future__ import annotations

import os
import socket
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

BUSY_EXPIRES = 600  # a worker silent this long is taken for dead, not busy
JOIN_GRACE = 10  # seconds a new process waits for the others of its run to show up


class SharedFrontierExtension:
    """Keeps an idle crawler process alive while others of its run still find work.

    Alone, a process closes as soon as its queue is empty; with a shared frontier the queue
    refills while another process is still parsing pages, so an idle process waits (the
    engine asks again every few seconds) until every process is idle and the queue empty.
    """

    def __init__(self, crawler):
        import redis

        settings = crawler.settings
        self.crawler = crawler
        self.server = redis.from_url(settings["REDIS_URL"])
        self.queue_template = settings["SCHEDULER_QUEUE_KEY"]
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ROMAREACT_SHARED_FRONTIER"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.busy, signal=signals.spider_opened)
        crawler.signals.connect(extension.busy, signal=signals.request_reached_downloader)
        crawler.signals.connect(extension.idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def _keys(self) -> tuple[str, str]:
        queue = self.queue_template % {"spider": self.crawler.spider.name}
        return queue, f"{queue}:workers"

    def busy(self, *args, **kwargs) -> None:
        self.server.hset(self._keys()[1], self.me, f"busy {time.time()}")

    def idle(self, *args, **kwargs) -> None:
        queue, workers = self._keys()
        self.server.hset(workers, self.me, f"idle {time.time()}")
        now = time.time()
        others_busy = any(
            state.startswith(b"busy") and now - float(state.split()[1]) < BUSY_EXPIRES
            for worker, state in self.server.hgetall(workers).items()
            if worker.decode() != self.me
        )
        if others_busy or self._queued(queue):
            raise DontCloseSpider("other processes of this run are still finding pages")
        if time.monotonic() - self.started < JOIN_GRACE:
            # Processes of one run start a moment apart: the others may not have said so yet.
            raise DontCloseSpider("waiting for the other processes of this run")

    def _queued(self, queue: str) -> int:
        kind = self.server.type(queue)
        if kind == b"zset":  # scrapy-redis's default priority queue
            return self.server.zcard(queue)
        return self.server.llen(queue) if kind == b"list" else 0

    def closed(self, *args, **kwargs) -> None:
        self.server.hdel(self._keys()[1], self.me)
