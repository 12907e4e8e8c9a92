"""Benchmark: article text extraction inside the crawler vs trafilatura alone.

    python -m benchmarks.extraction [--data ../shared/data/article-extraction]

On the ScrapingHub article-extraction benchmark (181 real pages with ground truth), scores
the crawler's extraction step (crawlers.extract.extract_article on a Scrapy response) and
plain `trafilatura.extract` by word-shingle F1 (the benchmark's own measure: 4-word shingles,
precision and recall per page, averaged), with pages per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

import trafilatura
from scrapy.http import HtmlResponse

from crawlers.extract import extract_article

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "article-extraction"
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall((text or "").lower())
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def f1(predicted: str, truth: str) -> float:
    got, want = shingles(predicted), shingles(truth)
    if not got or not want:
        return float(got == want)
    hits = len(got & want)
    if not hits:
        return 0.0
    precision, recall = hits / len(got), hits / len(want)
    return 2 * precision * recall / (precision + recall)


def run(name: str, extract, pages: list[tuple[str, str, bytes]]) -> tuple[str, float, float]:
    start = time.perf_counter()
    texts = [extract(url, html) for url, _, html in pages]
    seconds = time.perf_counter() - start
    score = sum(f1(text, truth) for text, (_, truth, _) in zip(texts, pages, strict=True))
    return name, score / len(pages), len(pages) / seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    truth_file = args.data / "ground-truth.json"
    if not truth_file.exists():
        sys.exit(f"no benchmark at {args.data}: give --data PATH")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    html_dir = args.data / "html"
    pages = [
        (
            entry["url"],
            entry["articleBody"],
            gzip.decompress((html_dir / f"{key}.html.gz").read_bytes()),
        )
        for key, entry in sorted(truth.items())
    ]

    def crawler(url, html):
        response = HtmlResponse(url, body=html, headers={"Content-Type": "text/html"})
        return extract_article(response).get("text") or ""

    def plain(url, html):
        return trafilatura.extract(html, url=url) or ""

    results = [run("trafilatura.extract alone", plain, pages),
               run("romareact crawler (extract_article)", crawler, pages)]  # fmt: skip
    print(f"{len(pages)} pages with ground truth")
    print(f"{'extractor':<38}{'F1':>8}{'pages/s':>10}")
    for name, score, speed in results:
        print(f"{name:<38}{score:>8.3f}{speed:>10.1f}")


if __name__ == "__main__":
    main()
