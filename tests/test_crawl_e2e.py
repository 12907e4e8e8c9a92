"""End to end: crawl local sites with the real spiders into a temporary data directory."""

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import sqlite_utils

from romareact.demo_site import base_url, demo_sources, load_articles, serve_demo_site

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--silent"]


def romareact(*args, check=True):
    result = subprocess.run(
        [sys.executable, "-P", "-m", "romareact", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The demo site plus a broken source, crawled twice into one data directory."""
    data_dir = tmp_path_factory.mktemp("crawl")
    site = serve_demo_site()
    base = base_url(site)
    broken = f"""
[[source]]
id = "broken-feed"
name = "A feed that is an error page"
kind = "feed"
url = "{base}/no-such-feed.xml"

[[source]]
id = "unreachable"
name = "Nothing listens here"
kind = "feed"
url = "http://127.0.0.1:9/rss"
"""
    sources = data_dir / "sources.toml"
    sources.write_text(demo_sources(base) + broken, encoding="utf-8")
    crawl = ("crawl", "--data-dir", str(data_dir), "--sources", str(sources), *FAST)
    # No editor here: what the crawler judged relevant is published, marked unreviewed.
    romareact("config", "publish-unreviewed", "on", "--data-dir", str(data_dir))
    first = romareact(*crawl)
    # Everything again, known articles refetched: upserts must not duplicate anything.
    second = romareact(*crawl, "--all", "-s", "ROMAREACT_REFETCH_KNOWN=1")
    # And incrementally: known articles are not fetched at all.
    third = romareact(*crawl, "--all")
    not_due = romareact(*crawl)
    check = romareact("sources", "check", "--data-dir", str(data_dir), check=False)
    site.shutdown()
    site.server_close()
    return {
        "data_dir": data_dir,
        "first": first,
        "second": second,
        "third": third,
        "not_due": not_due,
        "check": check,
        "base": base,
    }


def _newsroom(crawled):
    return sqlite_utils.Database(crawled["data_dir"] / "newsroom.db")


def test_every_article_is_stored_once_even_after_a_recrawl(crawled):
    items = list(_newsroom(crawled)["items"].rows)
    articles = load_articles()
    assert len(items) == len(articles) == 34
    paths = sorted(item["url"].removeprefix(crawled["base"]) for item in items)
    assert paths == sorted(a.path for a in articles)
    assert "34 items stored" in crawled["second"].stdout
    assert "0 new or changed" in crawled["second"].stdout


def test_a_recrawl_skips_known_articles_and_sources_not_yet_due(crawled):
    assert "0 items stored" in crawled["third"].stdout
    assert "34 known skipped" in crawled["third"].stdout
    # Sources polled a moment ago are not due; the broken ones are backing off.
    assert "crawled 0 sources" in crawled["not_due"].stdout


def test_broken_sources_do_not_stop_the_others(crawled):
    assert "crawled 4 sources: 34 items stored" in crawled["first"].stdout


def test_source_health_is_reported(crawled):
    check = crawled["check"]
    assert check.returncode == 1  # some sources are failing
    lines = {line.split()[0]: line for line in check.stdout.splitlines() if line[:1].strip()}
    assert " ok " in lines["demo-feed"] and "entries: 20" in lines["demo-feed"]
    assert " ok " in lines["demo-regional"]
    assert "FAILING" in lines["broken-feed"] and "failures in a row: 3" in lines["broken-feed"]
    assert "FAILING" in lines["unreachable"]
    assert "404" in check.stdout


def test_feed_and_listing_items_have_text_and_metadata(crawled):
    rows = {r["url"].rsplit("/", 1)[1]: r for r in _newsroom(crawled)["items"].rows}
    feed_item = rows["kiten-zdravni-mediatori.html"]
    assert feed_item["source_id"] == "demo-feed"
    assert feed_item["guid"] == "demo-kiten-zdravni-mediatori"
    assert feed_item["published"] == "2026-11-18T12:05:00+00:00"
    assert feed_item["author"] == "Елена Димова"
    assert "джипито от Приморско" in feed_item["full_text"]
    listing_item = rows["petrich-futbol.html"]
    assert listing_item["source_id"] == "demo-regional"
    # The page's own timestamp, with its zone, read into UTC; the raw value kept beside.
    assert listing_item["published"] == "2026-11-13T17:20:00+00:00"
    assert listing_item["published_raw"] == "2026-11-13T19:20:00+02:00"
    assert listing_item["date_flag"] is None
    assert listing_item["title"].startswith("Отбор на ромски младежи")


def test_relevance_flags_match_the_editors_judgement(crawled):
    gold = {a.path: a.gold_relevant for a in load_articles()}
    for item in _newsroom(crawled)["items"].rows:
        path = item["url"].removeprefix(crawled["base"])
        assert bool(item["roma_related"]) == gold[path], item["title"]
        assert item["status"] == ("new" if gold[path] else "irrelevant")


def test_primary_places_match_the_editors_judgement(crawled):
    gold = {a.path: a.gold_place for a in load_articles()}
    # A mention names the most precise place: a neighbourhood stands for its settlement here.
    query = """select items.url,
                      coalesce(parent.name, places.name) || ', ' || places.province as place
               from items left join mentions on mentions.item_id = items.id and mentions.is_primary
               left join places on places.id = mentions.place_id
               left join places as parent on parent.id = places.parent_id"""
    for row in _newsroom(crawled).query(query):
        assert row["place"] == gold[row["url"].removeprefix(crawled["base"])], row["url"]


def test_neighbourhoods_are_kept_with_their_settlement(crawled):
    public = sqlite_utils.Database(crawled["data_dir"] / "public.db")
    quarters = {
        (e["neighbourhood"], e["place"], e["precision"])
        for e in public["events"].rows_where("neighbourhood is not null")
    }
    assert ("Столипиново", "Пловдив", "neighbourhood") in quarters
    assert ("Надежда", "Сливен", "neighbourhood") in quarters


def test_public_database_holds_only_relevant_placed_events(crawled):
    public = sqlite_utils.Database(crawled["data_dir"] / "public.db")
    events = list(public["events"].rows)
    assert len(events) == sum(a.gold_relevant for a in load_articles()) == 24
    assert {e["review_status"] for e in events} == {"unreviewed"}
    kiten = {(e["place"], e["province"]) for e in events if e["place"] == "Китен"}
    assert kiten == {("Китен", "Бургас"), ("Китен", "Варна")}
    assert all(e["source_url"].startswith(crawled["base"]) for e in events)
    columns = set(public["events"].columns_dict)
    assert "full_text" not in columns


def test_map_and_geojson_from_the_crawl(crawled, tmp_path):
    romareact("map", "--out", str(tmp_path), "--data-dir", str(crawled["data_dir"]))
    features = json.loads((tmp_path / "events.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == 24
    dunavtsi = sorted(
        (f["properties"]["province"], f["geometry"]["coordinates"])
        for f in features
        if f["properties"]["place"] == "Дунавци"
    )
    assert [p for p, _ in dunavtsi] == ["Видин", "Стара Загора"]
    vidin_lon, vidin_lat = dunavtsi[0][1]
    assert (round(vidin_lat, 1), round(vidin_lon, 1)) == (43.9, 22.8)
    markers = (tmp_path / "data" / "markers.js").read_text(encoding="utf-8")
    assert "Дунавци" in markers and '"count": 24' in markers


def test_robots_txt_is_obeyed(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Открита</title><link>{httpserver.url_for("/open/1")}</link></item>
<item><title>Забранена</title><link>{httpserver.url_for("/private/2")}</link></item>
</channel></rss>"""
    httpserver.expect_request("/rss").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/open/1").respond_with_data(
        "<html><body><article><p>Текст.</p></article></body></html>", content_type="text/html"
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "t"\nname = "T"\nkind = "feed"\nurl = "{httpserver.url_for("/rss")}"\n',
        encoding="utf-8",
    )
    romareact("crawl", "--data-dir", str(tmp_path / "d"), "--sources", str(sources), *FAST)
    requested = [request.path for request, _ in httpserver.log]
    assert "/open/1" in requested and "/private/2" not in requested
    items = {
        r["title"]: r for r in sqlite_utils.Database(tmp_path / "d" / "newsroom.db")["items"].rows
    }
    # The disallowed page was never fetched; its feed entry is kept, without page text.
    assert items["Забранена"]["full_text"] is None
    assert items["Открита"]["full_text"] == "Текст."


def test_an_invalid_sources_file_is_refused_clearly(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nid = "x"\nname = "X"\nkind = "feed"\nurl = "file:///etc/passwd"\n'
    )
    result = romareact("crawl", "--data-dir", str(tmp_path), "--sources", str(sources), check=False)
    assert result.returncode == 1
    assert "'url' must be an http(s) URL" in result.stderr


def test_several_processes_share_the_sources_and_store_the_same(crawled, tmp_path):
    """`--processes 2`: the sources split between two crawler processes (by host) writing
    one newsroom; the result is the single-process crawl's, every item once, searchable."""
    site = serve_demo_site()
    base = base_url(site)
    # The listing under another host name: a share of its own.
    other = base.replace("127.0.0.1", "localhost")
    broken = f'[[source]]\nid = "broken-feed"\nname = "x"\nkind = "feed"\nurl = "{base}/none.xml"\n'
    sources = tmp_path / "sources.toml"
    text = demo_sources(base).replace(f"{base}/regionalni/", f"{other}/regionalni/") + broken
    sources.write_text(text, encoding="utf-8")
    try:
        result = romareact("crawl", "--data-dir", str(tmp_path), "--sources", str(sources),
                           "--processes", "2", *FAST)  # fmt: skip
    finally:
        site.shutdown()
        site.server_close()
    assert "[2 processes] crawled 3 sources: 34 items stored" in result.stdout
    newsroom = sqlite_utils.Database(tmp_path / "newsroom.db")
    paths = sorted(urlsplit(row["url"]).path for row in newsroom["items"].rows)
    assert paths == sorted(a.path for a in load_articles())
    hosts = {urlsplit(row["url"]).hostname for row in newsroom["items"].rows}
    assert hosts == {"127.0.0.1", "localhost"}
    single = {
        urlsplit(row["canonical_url"]).path: (row["roma_related"], row["title"])
        for row in _newsroom(crawled)["items"].rows
    }
    both = {
        urlsplit(row["canonical_url"]).path: (row["roma_related"], row["title"])
        for row in newsroom["items"].rows
    }
    assert both == single
    health = {row["source_id"]: row for row in newsroom["source_health"].rows}
    assert health["demo-feed"]["consecutive_failures"] == 0
    assert health["demo-regional"]["consecutive_failures"] == 0
    assert health["broken-feed"]["consecutive_failures"] == 1
    assert newsroom.execute("select count(*) from items where search_pending").fetchone()[0] == 0
    assert newsroom.execute("select count(*) from items_fts").fetchone()[0] == 34
    newsroom.execute("insert into items_fts(items_fts) values ('integrity-check')")


def test_sources_are_shared_out_by_host():
    from romareact.crawl import _shares_by_host

    sources = [{"id": f"s{n}", "url": f"https://site{n % 3}.example/feed{n}"} for n in range(9)]
    sources.append({"id": "lone", "url": "https://lone.example/rss"})
    shares = _shares_by_host(sources, 2)
    assert sorted(s["id"] for share in shares for s in share) == sorted(s["id"] for s in sources)
    for share in shares:  # no host in two shares
        hosts = {urlsplit(s["url"]).hostname for s in share}
        others = {urlsplit(s["url"]).hostname for other in shares if other is not share
                  for s in other}  # fmt: skip
        assert not hosts & others
    assert sorted(len(share) for share in shares) == [4, 6]


def test_components_switched_off_are_left_out_and_remote_control_is_off(tmp_path):
    from romareact.crawl import crawl_settings
    from romareact.workspace import open_workspace

    workspace = open_workspace(tmp_path)
    try:
        default = crawl_settings(workspace)
        cookies_on = crawl_settings(workspace, {"COOKIES_ENABLED": "true"})
    finally:
        workspace.close()
    # Scrapy's remote control runs Python code sent over HTTP: never on in a crawler.
    assert default.getbool("REMOTE_CONTROL_ENABLED") is False
    extensions = default.getwithbase("EXTENSIONS")
    assert "scrapy.extensions.remote_control.RemoteControl" not in extensions
    assert "scrapy.extensions.telnet.TelnetConsole" not in extensions
    assert "scrapy.extensions.corestats.CoreStats" in extensions
    cookies = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
    assert cookies not in default.getwithbase("DOWNLOADER_MIDDLEWARES")
    # Switched on from the command line, a component is back.
    assert cookies in cookies_on.getwithbase("DOWNLOADER_MIDDLEWARES")
