"""Spiders and pipelines, offline: responses built from bytes, a crawler from settings."""

import pytest
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from crawlers.items import ArticleItem
from crawlers.middlewares import WebOnlyMiddleware
from crawlers.pipelines import (
    DedupPipeline,
    GeocodePipeline,
    NormalisePipeline,
    RelevancePipeline,
    StorePipeline,
)
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.listing import ListingSpider
from romareact import db
from romareact.workspace import open_workspace

FEED_SOURCE = {"id": "s1", "kind": "feed", "url": "https://news.example/rss"}
LISTING_SOURCE = {
    "id": "s2",
    "kind": "listing",
    "url": "https://news.example/list/",
    "rules": {"links": "ul.news a::attr(href)", "next_page": "a.next::attr(href)", "max_pages": 2},
}
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Новини</title>
<item><title>Ромите от Сливен &lt;b&gt;протестират&lt;/b&gt;</title>
<link>https://news.example/a/1?utm_source=rss</link><guid>g-1</guid>
<pubDate>Fri, 20 Nov 2026 09:15:00 +0200</pubDate><description>Кратко.</description></item>
<item><title>Без връзка</title><guid>g-2</guid></item>
<item><title>Относителна връзка</title><link>/a/2</link></item>
</channel></rss>""".encode()


def _spider(cls, source):
    crawler = get_crawler(cls)
    return cls.from_crawler(crawler, sources=[source])


def test_feed_spider_follows_entries_with_feed_metadata():
    spider = _spider(FeedSpider, FEED_SOURCE)
    response = XmlResponse(
        FEED_SOURCE["url"], body=RSS, headers={"Content-Type": "application/rss+xml"}
    )
    requests = list(spider.parse_feed(response, source=FEED_SOURCE))
    assert [r.url for r in requests[::2]] == [
        "https://news.example/a/1?utm_source=rss",
        "https://news.example/a/2",
    ]
    # The entry without a link is kept from the feed alone, under a stable address.
    assert requests[1].url == "https://news.example/rss?romareact_entry=g-2"
    assert requests[1].title == "Без връзка"
    known = requests[0].cb_kwargs["known"]
    assert known["guid"] == "g-1"
    assert known["published"] == "2026-11-20T07:15:00+00:00"
    assert spider.crawler.stats.get_value("romareact/entry_without_link") == 1


def test_feed_spider_flags_a_page_that_is_not_a_feed():
    spider = _spider(FeedSpider, FEED_SOURCE)
    response = HtmlResponse(FEED_SOURCE["url"], body=b"<html><body>Moved</body></html>")
    assert list(spider.parse_feed(response, source=FEED_SOURCE)) == []
    assert spider.crawler.stats.get_value("romareact/feed_empty") == 1


def test_listing_spider_follows_rule_links_and_bounded_pages():
    spider = _spider(ListingSpider, LISTING_SOURCE)
    body = b"""<html><body><ul class="news"><li><a href="/a/1">1</a></li>
    <li><a href="/a/2">2</a></li><li><a href="/a/1">1 again</a></li></ul>
    <a class="next" href="/list/?page=2">next</a></body></html>"""
    response = HtmlResponse(LISTING_SOURCE["url"], body=body)
    first = list(spider.parse_listing(response, source=LISTING_SOURCE, page=1))
    assert [r.url for r in first] == [
        "https://news.example/a/1",
        "https://news.example/a/2",
        "https://news.example/list/?page=2",
    ]
    last = list(spider.parse_listing(response, source=LISTING_SOURCE, page=2))
    assert "https://news.example/list/?page=2" not in [r.url for r in last]


def test_article_page_is_extracted_and_feed_data_wins():
    spider = _spider(FeedSpider, FEED_SOURCE)
    paragraphs = "".join(
        f"<p>Абзац {n}: ромските семейства в квартала чакат ремонта на улицата.</p>"
        for n in range(6)
    )
    body = f"""<html><head><title>Заглавие на страницата</title>
    <link rel="canonical" href="https://news.example/a/1"></head>
    <body><nav>Меню</nav><article><h1>Заглавие</h1>{paragraphs}</article></body></html>"""
    response = HtmlResponse("https://news.example/a/1?utm_source=rss", body=body.encode())
    known = {"title": "От фийда", "guid": "g-1", "published": "2026-11-20T07:15:00+00:00"}
    [item] = list(spider.parse_article(response, source=FEED_SOURCE, known=known))
    assert item.title == "От фийда"
    assert item.guid == "g-1"
    assert "Абзац 5" in item.full_text and "Меню" not in item.full_text
    assert item.canonical_url == "https://news.example/a/1"


def test_failed_article_keeps_the_feed_entry():
    from twisted.python.failure import Failure

    spider = _spider(FeedSpider, FEED_SOURCE)
    request = Request(
        "https://news.example/a/9",
        cb_kwargs={"source": FEED_SOURCE, "known": {"title": "Само във фийда"}},
    )
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = request
    [item] = list(spider.article_failed(failure))
    assert (item.url, item.title, item.full_text) == (
        "https://news.example/a/9",
        "Само във фийда",
        None,
    )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "data:,x"])
def test_non_web_urls_are_refused(url):
    middleware = WebOnlyMiddleware.from_crawler(get_crawler())
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(url))
    assert middleware.process_request(Request("https://example.org/feed")) is None


def test_normalise_pipeline():
    item = ArticleItem(
        source_id="s1",
        url="https://news.example/a/1?utm_source=rss",
        title="<i>Ромите</i> &amp; общината",
        summary='<p>Текст<script>x()</script><a href="javascript:x()">a</a></p>',
        canonical_url="https://evil.example/other",
        full_text="  Текст  ",
    )
    NormalisePipeline().process_item(item)
    # A canonical link to another host is ignored.
    assert item.canonical_url == "https://news.example/a/1"
    assert item.title == "Ромите & общината"
    assert "script" not in item.summary and "javascript" not in item.summary
    assert item.full_text == "Текст" and item.content_hash


def test_dedup_pipeline_drops_the_second_copy():
    pipeline = DedupPipeline.from_crawler(get_crawler())
    first = ArticleItem(source_id="s", url="u", canonical_url="https://a/1")
    pipeline.process_item(first)
    with pytest.raises(DropItem):
        pipeline.process_item(ArticleItem(source_id="t", url="v", canonical_url="https://a/1"))


@pytest.fixture
def workspace(tmp_path):
    """A data directory with one registered source, "s1"."""
    workspace = open_workspace(tmp_path)
    workspace.newsroom["sources"].insert(
        {"id": "s1", "name": "N", "kind": "feed", "url": "https://n/"}
    )
    return workspace


def _crawler(workspace):
    return get_crawler(settings_dict={"ROMAREACT_DB": str(workspace.data_dir / "newsroom.db")})


def test_relevance_geocode_and_store(workspace):
    crawler = _crawler(workspace)
    relevance = RelevancePipeline.from_crawler(crawler)
    geocode = GeocodePipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    geocode.open_spider()
    store.open_spider()

    def run(title, text, url):
        item = ArticleItem(source_id="s1", url=url, title=title, full_text=text)
        NormalisePipeline().process_item(item)
        for pipeline in (geocode, relevance, store):
            pipeline.process_item(item)

    run("Ромите в Ямбол", "Ромите от квартала в Ямбол искат ремонт.", "https://n/1")
    run("Бюджет", "Общината в Шумен прие бюджета.", "https://n/2")
    run("Ромите в Ямбол", "Ромите от квартала в Ямбол искат ремонт и вода.", "https://n/1?utm_x=1")
    store.close_spider()
    newsroom = db.open_newsroom(workspace.data_dir / "newsroom.db")
    rows = {r["url"]: r for r in newsroom["items"].rows}
    assert len(rows) == 2  # the re-crawl of /1 updated its row
    relevant = rows["https://n/1?utm_x=1"]
    assert (relevant["status"], relevant["roma_related"], relevant["language"]) == ("new", 1, "bg")
    assert relevant["full_text"].endswith("и вода.")
    assert rows["https://n/2"]["status"] == "irrelevant"
    mentions = list(
        newsroom.query(
            "select p.name, m.is_primary from mentions m join places p on p.id = m.place_id"
            " where m.item_id = ?",
            [relevant["id"]],
        )
    )
    assert mentions == [{"name": "Ямбол", "is_primary": 1}]


def test_store_keeps_an_editors_decision(workspace):
    crawler = _crawler(workspace)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    item = ArticleItem(
        source_id="s1", url="https://n/1", canonical_url="https://n/1", roma_related=True
    )
    store.process_item(item)
    store.flush()  # items are written in batches
    workspace.newsroom["items"].update(
        next(workspace.newsroom["items"].rows)["id"], {"status": "rejected"}
    )
    store.process_item(item)
    store.close_spider()
    assert next(workspace.newsroom["items"].rows)["status"] == "rejected"


def test_store_writes_in_batches_and_everything_at_close(workspace):
    store = StorePipeline.from_crawler(_crawler(workspace))
    store.open_spider()
    store.FLUSH_SECONDS = 3600  # only the size of a batch triggers a write here
    for n in range(store.FLUSH_ITEMS + 5):
        store.process_item(
            ArticleItem(source_id="s1", url=f"https://n/{n}", canonical_url=f"https://n/{n}")
        )
    assert workspace.newsroom["items"].count == store.FLUSH_ITEMS
    store.close_spider()
    assert workspace.newsroom["items"].count == store.FLUSH_ITEMS + 5


@pytest.mark.parametrize(
    ("published", "raw", "expected", "flag"),
    [
        ("2026-11-20T07:15:00+00:00", "Fri, 20 Nov 2026 09:15:00 +0200",
         "2026-11-20T07:15:00+00:00", None),
        (None, "2026-11-20 09:15", "2026-11-20T07:15:00+00:00", None),  # Sofia local time
        (None, "2026-11-20", "2026-11-20", None),
        (None, "вчера следобед", None, "unparseable"),
        (None, None, None, "missing"),
        (None, "2099-01-01T00:00:00Z", None, "future"),
    ],
)  # fmt: skip
def test_dates_are_normalised_and_doubtful_ones_flagged(published, raw, expected, flag):
    item = ArticleItem(source_id="s", url="https://n/1", published=published, published_raw=raw)
    NormalisePipeline().process_item(item)
    assert (item.published, item.date_flag) == (expected, flag)
    assert item.published_raw == raw


def _search(newsroom, word: str) -> list[str]:
    return [
        row["url"]
        for row in newsroom.query(
            "select items.url from items join items_fts on items.rowid = items_fts.rowid"
            " where items_fts match ? order by items.url",
            [word],
        )
    ]


def _store(workspace, items, close=True) -> StorePipeline:
    store = StorePipeline.from_crawler(_crawler(workspace))
    store.open_spider()
    for item in items:
        store.process_item(item)
    if close:
        store.close_spider()
    else:
        store.flush()  # written, then the process dies before the end of the crawl
    return store


def test_crawled_items_join_the_search_index_in_bulk_and_once(workspace):
    newsroom = workspace.newsroom
    first = ArticleItem(source_id="s1", url="https://n/1", canonical_url="https://n/1",
                        title="Наводнение в Сливен", summary="<p>Реката преля.</p>")  # fmt: skip
    second = ArticleItem(source_id="s1", url="https://n/2", canonical_url="https://n/2",
                         title="Училище в Ямбол", summary="Нова сграда.")  # fmt: skip
    _store(workspace, [first, second])
    assert _search(newsroom, "наводнение") == ["https://n/1"]
    assert _search(newsroom, "сграда") == ["https://n/2"]
    # A re-crawl with new text: the old words leave the index, the new ones come in, once.
    first.title, first.summary = "Ремонт в Сливен", "<p>Пътят е готов.</p>"
    _store(workspace, [first])
    assert _search(newsroom, "наводнение") == []
    assert _search(newsroom, "ремонт") == ["https://n/1"]
    assert _search(newsroom, "сливен") == ["https://n/1"]
    assert newsroom.execute("select count(*) from items_fts").fetchone()[0] == 2
    newsroom.execute("insert into items_fts(items_fts) values ('integrity-check')")
    # An editor's status change does not touch the index; a text edit re-indexes the row.
    newsroom["items"].update(next(newsroom["items"].rows)["id"], {"status": "approved"})
    newsroom.execute("update items set title = 'Концерт в Ямбол' where url = 'https://n/2'")
    assert _search(newsroom, "концерт") == ["https://n/2"]
    assert _search(newsroom, "училище") == []
    newsroom.execute("insert into items_fts(items_fts) values ('integrity-check')")


def test_items_of_a_killed_crawl_join_the_index_at_the_end_of_the_next(workspace):
    newsroom = workspace.newsroom
    killed = ArticleItem(source_id="s1", url="https://n/k", canonical_url="https://n/k",
                         title="Пожар в Кюстендил")  # fmt: skip
    _store(workspace, [killed], close=False)
    assert newsroom["items"].count == 1
    assert _search(newsroom, "пожар") == []  # written, not yet indexed
    later = ArticleItem(source_id="s1", url="https://n/l", canonical_url="https://n/l",
                        title="Пожарникари в Дупница")  # fmt: skip
    _store(workspace, [later])
    assert _search(newsroom, "пожар") == ["https://n/k"]
    assert _search(newsroom, "пожарникари") == ["https://n/l"]
    newsroom.execute("insert into items_fts(items_fts) values ('integrity-check')")


def test_a_javascript_only_listing_is_reported_as_such(tmp_path):
    from crawlers.health import HealthRecorder

    newsroom = db.open_newsroom(tmp_path / "n.db")
    newsroom["sources"].insert({"id": "s2", "name": "N", "kind": "listing", "url": "https://n/"})
    spider = _spider(ListingSpider, LISTING_SOURCE)
    spider.health = HealthRecorder(newsroom)
    app = b"""<html><head><script src="/app.js"></script></head><body><div id="root"></div>
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <script>window.__STATE__ = {"news": []}</script></body></html>"""
    assert list(spider.parse_listing(HtmlResponse("https://n/", body=app), LISTING_SOURCE, 1)) == []
    error = newsroom["source_health"].get("s2")["last_error"]
    assert error.startswith("the page is built by JavaScript (2 scripts")
    # A served page whose rules are wrong is still told apart.
    page = b"<html><body>" + b"<p>" + "Новини от региона. ".encode() * 30 + b"</p></body></html>"
    list(spider.parse_listing(HtmlResponse("https://n/", body=page), LISTING_SOURCE, 1))
    error = newsroom["source_health"].get("s2")["last_error"]
    assert error == "the listing rules matched no links"
