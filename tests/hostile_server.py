"""A local HTTP server that misbehaves on purpose, one way per path, for crawler tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import socketserver
import threading
import time

ARTICLE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    + "<p>Ромските семейства от квартала в Сливен чакат ремонта на улицата.</p>" * 5
    + "</article></body></html>"
)


def rss(items: list[tuple[str, str, str]], extra: str = "", prolog: str = "") -> str:
    """An RSS document; items are (title, link, guid)."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{g}</guid>{extra}</item>"
        for t, link, g in items
    )
    head = prolog or '<?xml version="1.0" encoding="utf-8"?>'
    return f'{head}<rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


class HostileHandler(socketserver.StreamRequestHandler):
    server: HostileServer

    def send(self, status: str, body: bytes, headers: dict | None = None) -> None:
        lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def handle(self) -> None:
        # The crawler giving up on a bad answer is exactly what is being tested.
        with contextlib.suppress(ConnectionError, BrokenPipeError):
            self._handle()

    def _handle(self) -> None:
        request_line = self.rfile.readline().decode("latin-1")
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # headers are not needed
        path = request_line.split(" ")[1] if " " in request_line else "/"
        self.server.hits.append(path)
        self.server.times.append((path, time.monotonic()))
        base = self.server.base
        xml = {"Content-Type": "application/rss+xml; charset=utf-8"}
        good = [("Ромите в Сливен", f"{base}/a/1", "g1"), ("Ромите в Ямбол", f"{base}/a/2", "g2")]
        if path == "/robots.txt":
            self.send("404 Not Found", b"")
        elif path == "/good.xml":
            self.send("200 OK", rss(good).encode(), xml)
        elif path.startswith("/a/"):
            body = ARTICLE.format(title=f"Статия {path}").encode()
            self.send("200 OK", body, {"Content-Type": "text/html; charset=utf-8"})
        elif path == "/malformed.xml":
            body = rss([("Счупен <b>фийд", f"{base}/a/3", "m1")]).replace("</channel>", "")
            self.send("200 OK", body.encode(), xml)
        elif path == "/html.xml":
            page = b"<html><body><h1>Our new website</h1></body></html>"
            self.send("200 OK", page, {"Content-Type": "text/html"})
        elif path == "/empty.xml":
            self.send("200 OK", rss([]).encode(), xml)
        elif path == "/bomb.xml":
            entities = '<!ENTITY a0 "ха">' + "".join(
                f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
            )
            prolog = f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
            body = rss([("&a9;", f"{base}/a/4", "b1")], prolog=prolog)
            self.send("200 OK", body.encode(), xml)
        elif path == "/xxe.xml":
            prolog = '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            body = rss([("Тайна &x;", f"{base}/a/5", "x1")], prolog=prolog)
            self.send("200 OK", body.encode(), xml)
        elif path == "/cp1251.xml":
            # windows-1251 bytes, declared in the prolog, while the header claims UTF-8.
            prolog = '<?xml version="1.0" encoding="windows-1251"?>'
            body = rss([("Ромите от Лом", f"{base}/a/6", "c1")], prolog=prolog)
            self.send("200 OK", body.encode("cp1251"), xml)
        elif path == "/cp1251bare.xml":
            # windows-1251 with no declaration anywhere; its article page lies about it.
            items = [("Ромите от Сливен", f"{base}/a1251/1", "w1")]
            body = rss(items, prolog="<?xml version='1.0'?>")
            self.send("200 OK", body.encode("cp1251"), {"Content-Type": "application/rss+xml"})
        elif path == "/cp1251lie.xml":
            # windows-1251 bytes under a prolog and a header that both say utf-8.
            body = rss([("Ромите от Ямбол", f"{base}/a/61", "w2")])
            self.send("200 OK", body.encode("cp1251"), xml)
        elif path == "/cp1252lie.xml":
            # windows-1251 bytes declared windows-1252: decodes, but as "Ðîìèòå".
            prolog = '<?xml version="1.0" encoding="windows-1252"?>'
            body = rss([("Ромите от Видин", f"{base}/a/62", "w3")], prolog=prolog)
            self.send("200 OK", body.encode("cp1251"), {"Content-Type": "application/rss+xml"})
        elif path.startswith("/a1251/"):
            body = ARTICLE.format(title="Статия на кирилица").encode("cp1251")
            self.send("200 OK", body, {"Content-Type": "text/html; charset=utf-8"})
        elif path == "/author.xml":
            author = f"<author>{'А' * 1_000_000}</author>"
            self.send("200 OK", rss([("Дълъг автор", f"{base}/a/7", "l1")], author).encode(), xml)
        elif path == "/escaped.xml":
            # A title escaped twice: the XML parser hands over "&lt;img ...&gt;" as text.
            title = "Ромите &amp;lt;img src=x onerror=&amp;quot;alert(1)&amp;quot;&amp;gt;в Бяла"
            self.send("200 OK", rss([(title, f"{base}/a/esc", "e1")]).encode(), xml)
        elif path == "/big.xml":
            self.send("200 OK", b"<rss>" + b" " * 5_000_000 + b"</rss>", xml)
        elif path == "/gzipbomb.xml":
            bomb = gzip.compress(b"\0" * 60_000_000)
            self.send("200 OK", bomb, {**xml, "Content-Encoding": "gzip"})
        elif path == "/tofile.xml":
            self.send("302 Found", b"", {"Location": "file:///etc/passwd"})
        elif path == "/reset.xml":
            # A reset, not a close: the client sees ECONNRESET with nothing to read.
            import socket
            import struct

            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.request.close()
        elif path == "/loop":
            self.send("302 Found", b"", {"Location": f"{base}/loop"})
        elif path == "/stall.xml":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<rss>")
            self.wfile.flush()
            time.sleep(self.server.stall_seconds)
        elif path == "/cut.xml":
            # No Content-Length: the body ends when the server hangs up, here mid-entry.
            whole = rss([*good, ("Третата", f"{base}/a/63", "g3")]).encode()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
            self.wfile.write(head + b"Connection: close\r\n\r\n" + whole[: whole.rindex(b"<link>")])
        elif path == "/drop.xml":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss><channel>")
        elif path == "/busy.xml":
            if self.server.hits.count(path) == 1:  # busy the first time, fine after
                self.send("429 Too Many Requests", b"slow down", {"Retry-After": "1"})
            else:
                self.send("200 OK", rss([("Зает", f"{base}/a/9", "r1")]).encode(), xml)
        elif path == "/toolong.xml":
            self.send("503 Service Unavailable", b"later", {"Retry-After": "86400"})
        elif path == "/sameguid.xml":
            # One story listed twice under one GUID and two links, and one other story.
            items = [
                ("Една история", f"{base}/a/70", "s1"),
                ("Една история", f"{base}/a/70-updated", "s1"),
                ("Друга история", f"{base}/a/72", "s2"),
            ]
            self.send("200 OK", rss(items).encode(), xml)
        elif path == "/oneguid.xml":
            # A feed that puts one GUID on every entry: the GUID names nothing.
            items = [(f"Новина {n}", f"{base}/a/8{n}", "same") for n in range(3)]
            self.send("200 OK", rss(items).encode(), xml)
        elif path == "/slug.xml":
            # The story's address changes between crawls, its GUID does not.
            slug = f"{base}/a/story-v{self.server.hits.count(path)}"
            item = [("Историята с нов адрес", slug, "slug-story")]
            self.send("200 OK", rss(item).encode(), xml)
        elif path == "/huge.xml":
            items = [(f"Новина номер {n}", f"{base}/a/h{n}", f"h{n}") for n in range(1000)]
            self.send("200 OK", rss(items).encode(), xml)
        elif path == "/sitemap_index.xml":
            body = (
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                f'sitemap/0.9"><sitemap><loc>{base}/sitemap-news.xml</loc></sitemap>'
                "</sitemapindex>"
            )
            self.send("200 OK", body.encode(), {"Content-Type": "application/xml"})
        elif path == "/sitemap-news.xml":
            now = dt.datetime.now(dt.UTC)
            urls = [
                (f"{base}/a/news-1", now - dt.timedelta(hours=3), "Ромите в Сливен днес"),
                (f"{base}/a/news-2", now - dt.timedelta(days=60), "Стара новина"),
                (f"{base}/tag/roma", now, None),  # not an article: the pattern leaves it out
            ]
            entries = "".join(
                f"<url><loc>{loc}</loc><news:news><news:publication_date>{when.isoformat()}"
                f"</news:publication_date>{f'<news:title>{title}</news:title>' if title else ''}"
                "</news:news></url>"
                for loc, when, title in urls
            )
            body = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                f"{entries}</urlset>"
            )
            self.send("200 OK", body.encode(), {"Content-Type": "application/xml"})
        elif path == "/dupguid.xml":
            items = [
                ("Същата", f"{base}/a/8?utm_source=rss", "d1"),
                ("Същата", f"{base}/a/8", "d2"),
            ]
            self.send("200 OK", rss(items).encode(), xml)
        else:
            self.send("404 Not Found", b"not here")


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stall_seconds: float = 20):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.hits: list[str] = []
        self.times: list[tuple[str, float]] = []
        self.stall_seconds = stall_seconds
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
