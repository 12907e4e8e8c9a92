"""A sitemap source crawled from a local server: index, news sitemap, pattern and age."""

import subprocess
import sys

import sqlite_utils
from hostile_server import HostileServer

from crawlers.spiders.sitemap import read_sitemap


def test_a_news_sitemap_source_is_crawled(tmp_path):
    server = HostileServer()
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "map"\nname = "M"\nkind = "sitemap"\n'
        f'url = "{server.base}/sitemap_index.xml"\n'
        'rules = { pattern = "/a/", max_age_days = 7 }\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp_path),
               "--sources", str(sources), "--silent", "-s", "DOWNLOAD_DELAY=0"]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    newsroom = sqlite_utils.Database(tmp_path / "newsroom.db")
    items = list(newsroom["items"].rows)
    # The recent article only: the old one is past the age bound, the tag page not an article.
    assert [(i["url"], i["title"]) for i in items] == [
        (f"{server.base}/a/news-1", "Ромите в Сливен днес")
    ]
    assert items[0]["full_text"] and items[0]["published"]
    assert "/a/news-2" not in server.hits and "/tag/roma" not in server.hits
    health = newsroom["source_health"].get("map")
    assert (health["consecutive_failures"], health["entries_last"]) == (0, 1)


def test_read_sitemap_refuses_entities():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://n/a/&x;</loc></url></urlset>"
    )
    kind, entries = read_sitemap(body)
    assert kind == "urlset" and "root:" not in str(entries)
