"""Article text and metadata from a downloaded page, with trafilatura."""

from __future__ import annotations

import trafilatura
from scrapy.http import TextResponse


def extract_article(response: TextResponse) -> dict:
    """Title, text, author, date and canonical link of an article page (missing keys are None)."""
    document = trafilatura.bare_extraction(
        response.text,
        url=response.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    canonical = response.css('link[rel="canonical"]::attr(href)').get()
    if document is None:
        return {"title": response.css("title::text").get(), "canonical": canonical}
    return {
        "title": document.title,
        "text": document.text,
        "author": document.author,
        "date": document.date,
        "description": document.description,
        "canonical": canonical,
    }
