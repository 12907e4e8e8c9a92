"""The bundled demo news site, served on localhost: an RSS feed, a listing page, articles.

The articles live in data/demo/articles.toml (our own writing, in Bulgarian). Section "feed"
articles appear in /rss.xml; section "regional" articles only on the paginated listing
/regionalni/, which has no feed, so the listing spider has work to do.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import threading
import tomllib
from dataclasses import dataclass
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from romareact.paths import shipped_data

SITE_NAME = "Демо вестник"
LISTING_PAGE_SIZE = 6


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    section: str
    date: str
    author: str
    title: str
    body: str
    gold_relevant: bool
    gold_place: str | None = None  # "Name, Province" of the primary place, for tests

    @property
    def path(self) -> str:
        folder = "novini" if self.section == "feed" else "regionalni"
        return f"/{folder}/{self.slug}.html"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


def load_articles(path: Path | None = None) -> list[DemoArticle]:
    path = path or shipped_data() / "demo" / "articles.toml"
    with open(path, "rb") as handle:
        return [DemoArticle(**entry) for entry in tomllib.load(handle)["article"]]


def _page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="bg"><head><meta charset="utf-8"><title>{html.escape(title)} – {SITE_NAME}</title>
</head><body>
<header><a href="/">{SITE_NAME}</a> · <nav><a href="/regionalni/">Регионални новини</a>
· <a href="/rss.xml">RSS</a></nav></header>
{main}
<footer><p>{SITE_NAME} е измислена медия за демонстрация на romareact.
Всички текстове са написани от проекта.</p></footer>
</body></html>"""


class DemoSite:
    """Renders the demo site's pages for a given base URL."""

    def __init__(self, articles: list[DemoArticle] | None = None):
        self.articles = articles if articles is not None else load_articles()

    @cached_property
    def by_path(self) -> dict[str, DemoArticle]:
        return {a.path: a for a in self.articles}

    def section(self, name: str) -> list[DemoArticle]:
        return sorted(
            (a for a in self.articles if a.section == name), key=lambda a: a.date, reverse=True
        )

    def article_page(self, article: DemoArticle, base: str) -> str:
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        main = f"""<link rel="canonical" href="{base}{article.path}">
<meta name="author" content="{html.escape(article.author)}">
<main><article><h1>{html.escape(article.title)}</h1>
<p class="byline">{html.escape(article.author)} ·
<time datetime="{article.date}">{article.date[:10]}</time></p>
{paragraphs}
</article></main>
<aside><h2>Още от {SITE_NAME}</h2><p>Абонирайте се за нашия бюлетин.</p></aside>"""
        return _page(article.title, main).replace(
            "<head>", f'<head><link rel="canonical" href="{base}{article.path}">', 1
        )

    def listing_page(self, page: int) -> str | None:
        articles = self.section("regional")
        chunk = articles[(page - 1) * LISTING_PAGE_SIZE : page * LISTING_PAGE_SIZE]
        if not chunk and page > 1:
            return None
        items = "\n".join(
            f'<li><a href="{a.path}">{html.escape(a.title)}</a> <span>{a.date[:10]}</span></li>'
            for a in chunk
        )
        more = page * LISTING_PAGE_SIZE < len(articles)
        next_link = (
            f'<a class="next" href="/regionalni/?page={page + 1}">Следваща</a>' if more else ""
        )
        main = (
            f'<main><h1>Регионални новини</h1><ul class="articles">{items}</ul>{next_link}</main>'
        )
        return _page("Регионални новини", main)

    def rss(self, base: str) -> str:
        entries = []
        for a in self.section("feed"):
            stamp = email.utils.format_datetime(dt.datetime.fromisoformat(a.date))
            entries.append(
                f"""<item><title>{html.escape(a.title)}</title>
<link>{base}{a.path}</link><guid isPermaLink="false">demo-{a.slug}</guid>
<pubDate>{stamp}</pubDate><dc:creator>{html.escape(a.author)}</dc:creator>
<description>{html.escape(a.paragraphs[0])}</description></item>"""
            )
        return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>{SITE_NAME}</title><link>{base}/</link><description>Демо новини</description>
{"".join(entries)}
</channel></rss>"""

    def home(self) -> str:
        latest = "\n".join(
            f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>' for a in self.section("feed")
        )
        return _page("Начало", f"<main><h1>{SITE_NAME}</h1><ul>{latest}</ul></main>")

    def respond(self, path: str, base: str) -> tuple[int, str, str]:
        """(status, content type, body) for a request path."""
        route, _, query = path.partition("?")
        if route == "/robots.txt":
            return 200, "text/plain; charset=utf-8", "User-agent: *\nDisallow: /private/\n"
        if route == "/rss.xml":
            return 200, "application/rss+xml; charset=utf-8", self.rss(base)
        if route == "/":
            return 200, "text/html; charset=utf-8", self.home()
        if route == "/regionalni/":
            page = (
                int(query.split("=", 1)[1])
                if query.startswith("page=") and query[5:].isdigit()
                else 1
            )
            body = self.listing_page(page)
            if body is not None:
                return 200, "text/html; charset=utf-8", body
        article = self.by_path.get(route)
        if article is not None:
            return 200, "text/html; charset=utf-8", self.article_page(article, base)
        return 404, "text/plain; charset=utf-8", "not found"


class _Handler(BaseHTTPRequestHandler):
    site: DemoSite

    def do_GET(self):
        host, port = self.server.server_address[:2]
        status, content_type, body = self.site.respond(self.path, f"http://{host}:{port}")
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # the demo's output is the summary, not access logs
        pass


def serve_demo_site(site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0):
    """Start the demo site in a background thread on a free port; returns the server."""
    handler = type("DemoHandler", (_Handler,), {"site": site or DemoSite()})
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="demo-site").start()
    return server


def base_url(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def demo_sources(base: str) -> str:
    """The sources TOML that points the crawlers at a running demo site."""
    return f"""[[source]]
id = "demo-feed"
name = "{SITE_NAME} (RSS)"
homepage = "{base}/"
kind = "feed"
url = "{base}/rss.xml"
language = "bg"
country = "BG"
category = "demo"

[[source]]
id = "demo-regional"
name = "{SITE_NAME} – регионални новини"
homepage = "{base}/"
kind = "listing"
url = "{base}/regionalni/"
language = "bg"
country = "BG"
category = "demo"

[source.rules]
links = "ul.articles a::attr(href)"
next_page = "a.next::attr(href)"
max_pages = 5
"""
