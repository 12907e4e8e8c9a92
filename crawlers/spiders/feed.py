"""The feed spider: RSS/Atom feeds, then each entry's article page."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urljoin, urlsplit

import scrapy

from crawlers.feeds import parse_feed
from crawlers.identity import usable_guids
from crawlers.spiders.base import ArticleSpider


def _entry_address(feed_url: str, entry) -> str:
    """A stable address for an entry without a link: the feed plus the entry's GUID."""
    key = entry.guid or hashlib.sha1(f"{entry.title}|{entry.summary}".encode()).hexdigest()[:16]
    separator = "&" if "?" in feed_url else "?"
    return f"{feed_url}{separator}romareact_entry={quote(str(key), safe='')}"


def _web_entries(feed_url: str, entries: list) -> tuple[list, int]:
    """The entries whose link (if any) is an http(s) address, and how many were not."""
    kept = [e for e in entries if not e.link or urlsplit(urljoin(feed_url, e.link)).scheme
            in ("http", "https")]  # fmt: skip
    return kept, len(entries) - len(kept)


FEED_PRIORITY = 100


class FeedSpider(ArticleSpider):
    """Feeds, then each entry's page; with ROMAREACT_FOLLOW_ARTICLES false, the feed alone."""

    name = "feed"
    kind = "feed"

    # Article pages found before every feed was requested wait here. Scrapy takes start
    # requests lazily (only while the downloader has room), so a feed not yet yielded has
    # no place in the scheduler's priority order, and a huge feed's pages would pass it.
    _held_articles: list | None = None

    async def start(self):
        self._held_articles = []
        for source in self.sources:
            # Conditional GET: an unchanged feed answers 304 and costs nothing.
            headers = self.health.validators(source["id"]) if self.health else {}
            yield scrapy.Request(
                source["url"],
                headers=headers,
                callback=self.parse_feed,
                # Every feed before any article page: a huge feed's pages must not queue
                # ahead of the other sources' feeds on the same host.
                priority=FEED_PRIORITY,
                # Alone, a crawl fetches each source once anyway, and filtering would hide a
                # redirect loop back to the same address; several processes must filter.
                dont_filter=not self.filter_start,
                errback=self.feed_failed,
                cb_kwargs={"source": source},
                meta={"handle_httpstatus_list": [304]},
            )
        # Every feed is now scheduled, ahead of any article page by its priority. The held
        # pages go out as start output, so the spider middlewares (URL length) still see them.
        held, self._held_articles = self._held_articles, None
        for request in held:
            yield request

    def parse_feed(self, response, source: dict):
        if response.status == 304:
            self.crawler.stats.inc_value("romareact/feed_not_modified")
            if self.health:
                self.health.success(source["id"], 304, 0)
            return
        # Parse the bytes Scrapy already downloaded: the parsers never touch the network.
        # Nothing is sanitised here: the pipelines sanitise with nh3, which is far faster.
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        parsed = parse_feed(response.body, content_type or None)
        if parsed.incomplete or "dataloss" in response.flags:
            # Half a feed gives half-read entries, and the whole one later gives them again.
            self.crawler.stats.inc_value("romareact/feed_incomplete")
            self.logger.error("feed %s is cut short: no entries taken", response.url)
            if self.health:
                self.health.failure(
                    source["id"],
                    parsed.error or "the body ended before its announced length",
                    response.status,
                )
            return
        if parsed.bozo:
            self.crawler.stats.inc_value("romareact/feed_bozo")
            self.logger.warning("feed %s is malformed: %s", response.url, parsed.error)
        if not parsed.entries:
            self.crawler.stats.inc_value("romareact/feed_empty")
            self.logger.warning("feed %s has no entries", response.url)
        entries, bad = _web_entries(response.url, parsed.entries)
        if bad:
            # (issue 17) one bad entry is skipped and counted, never the rest of the feed.
            self.crawler.stats.inc_value("romareact/entry_bad_link", bad)
            self.logger.warning("feed %s: %d entries without a web address", response.url, bad)
        self._record(source, response, parsed, content_type, bad)
        follow = self.crawler.settings.getbool("ROMAREACT_FOLLOW_ARTICLES", True)
        identities = usable_guids(source["id"], parsed.entries, response.url)
        listed: set[str] = set()
        # Fair shares: at most this many new article pages per source and crawl; the rest
        # of a huge feed is kept as the feed gives it, and the source is marked capped.
        cap = self.crawler.settings.getint("ROMAREACT_MAX_ARTICLES_PER_SOURCE", 0)
        followed = unfollowed = 0
        for entry in entries:
            story = identities.get((entry.guid or "").strip())
            if story is not None:
                if story in listed:
                    # The feed lists one story twice (under two links, say): once is enough.
                    self.crawler.stats.inc_value("romareact/duplicate_guid")
                    continue
                listed.add(story)
            link, follow_this = entry.link, follow
            if not link:
                # Nothing to follow, but the entry is news all the same: keep what the feed
                # says, identified by the feed and the entry's GUID (or its text).
                self.crawler.stats.inc_value("romareact/entry_without_link")
                link, follow_this = _entry_address(response.url, entry), False
            known = {
                "title": entry.title,
                "summary": entry.summary,
                "author": entry.author,
                "published": entry.published,
                "published_raw": entry.published_raw,
                "guid": entry.guid,
                "guid_key": story,
            }
            if not follow_this:
                # Against the feed's address: response.urljoin would decode the whole feed
                # as text to look for an HTML <base>, which a feed does not have.
                yield self._item(source, urljoin(response.url, link), known)
                continue
            if cap and followed >= cap:
                if not self.is_known(urljoin(response.url, link), story):
                    unfollowed += 1
                    yield self._item(source, urljoin(response.url, link), known)
                continue
            request = self.follow_article(response, link, source, known)
            if request is not None:
                followed += 1
                if self._held_articles is not None:
                    request.headers.setdefault("Referer", response.url)  # as from the feed
                    self._held_articles.append(request)
                else:
                    yield request
        if unfollowed:
            self.crawler.stats.inc_value("romareact/capped_entries", unfollowed)
            if self.health:
                self.health.capped(source["id"], cap, unfollowed)

    def _record(self, source: dict, response, parsed, content_type: str, bad: int = 0) -> None:
        if self.health is None:
            return
        if not parsed.entries:
            # 200 with no entries: the address no longer serves a feed.
            what = "an HTML page" if "html" in content_type else "a document"
            self.health.failure(
                source["id"], f"answered {response.status} with {what} holding no feed entries",
                response.status,
            )  # fmt: skip
            return
        self.health.success(
            source["id"],
            response.status,
            len(parsed.entries),
            bozo=bool(parsed.bozo),
            etag=response.headers.get("ETag", b"").decode("latin-1") or None,
            last_modified=response.headers.get("Last-Modified", b"").decode("latin-1") or None,
            bad_entries=bad,
        )

    def feed_failed(self, failure):
        self.crawler.stats.inc_value("romareact/feed_failed")
        self.logger.error("feed %s failed: %s", failure.request.url, failure.getErrorMessage())
        self.record_failure(failure.request.cb_kwargs["source"], failure)
