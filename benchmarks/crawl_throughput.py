"""Benchmark: crawl throughput on a local site of 2,000 article pages.

    python -m benchmarks.crawl_throughput [--pages 2000]

Serves a generated site (a listing of 2,000 articles built from the demo site's texts), runs
`romareact crawl` on it with politeness delays off, and reports article pages per second end
to end (fetch, extract, analyse, store), beside the cost of the extraction step alone on the
same pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scrapy.http import HtmlResponse

from crawlers.extract import extract_article
from romareact import demo_site
from romareact.demo_site import DemoSite, base_url, load_articles, serve_demo_site


def generated_articles(count: int) -> list:
    """`count` distinct articles, cycling through the demo texts."""
    originals = load_articles()
    return [
        dataclasses.replace(
            originals[n % len(originals)],
            slug=f"statia-{n:05d}",
            section="regional",
            title=f"{originals[n % len(originals)].title} ({n})",
        )
        for n in range(count)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args(argv)
    demo_site.LISTING_PAGE_SIZE = 50
    site = DemoSite(generated_articles(args.pages))
    server = serve_demo_site(site)
    base = base_url(server)
    listing_pages = args.pages // demo_site.LISTING_PAGE_SIZE + 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "sources.toml").write_text(
            f'[[source]]\nid = "local"\nname = "Local"\nkind = "listing"\n'
            f'url = "{base}/regionalni/"\n[source.rules]\n'
            f'links = "ul.articles a::attr(href)"\nnext_page = "a.next::attr(href)"\n'
            f"max_pages = {listing_pages}\n",
            encoding="utf-8",
        )
        command = [
            sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp / "data"),
            "--sources", str(tmp / "sources.toml"), "--all", "--silent",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        crawl_seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(result.stderr[-3000:])
    pages = [(f"{base}{a.path}", site.article_page(a, base).encode("utf-8")) for a in site.articles]
    server.shutdown()
    start = time.perf_counter()
    for url, body in pages:
        extract_article(HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}))
    extract_seconds = time.perf_counter() - start
    print(result.stdout.strip())
    print(f"{args.pages} article pages (+{listing_pages} listing pages), one process")
    print(f"end to end (whole command): {crawl_seconds:.1f} s, "
          f"{args.pages / crawl_seconds:.1f} pages/s")  # fmt: skip
    print(f"extraction alone on the same pages: {extract_seconds:.1f} s, "
          f"{args.pages / extract_seconds:.1f} pages/s "
          f"({100 * extract_seconds / crawl_seconds:.0f}% of the end-to-end time)")  # fmt: skip


if __name__ == "__main__":
    main()
