"""Article text and metadata from a downloaded page, with trafilatura."""

from __future__ import annotations

from scrapy.http import TextResponse


def extract_article(response: TextResponse) -> dict:
    """Title, text, author, date and canonical link of an article page (missing keys are None)."""
    import trafilatura  # on first use: a feed-only crawl never needs it, and it loads slowly

    document = trafilatura.bare_extraction(
        response.text,
        url=response.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    canonical = response.css('link[rel="canonical"]::attr(href)').get()
    # Page metadata carries the time zone; trafilatura's date is only the day.
    stamped = (
        response.css('meta[property="article:published_time"]::attr(content)').get()
        or response.css('meta[itemprop="datePublished"]::attr(content)').get()
        or response.css("time[datetime]::attr(datetime)").get()
    )
    if document is None:
        return {"title": response.css("title::text").get(), "canonical": canonical,
                "date": stamped}  # fmt: skip
    return {
        "title": document.title,
        "text": document.text,
        "author": document.author,
        "date": stamped or document.date,
        "description": document.description,
        "canonical": canonical,
    }
