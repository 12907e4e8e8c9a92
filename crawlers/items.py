"""What the spiders produce: one article per item."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    source_id: str
    url: str
    title: str | None = None
    summary: str | None = None
    full_text: str | None = None
    author: str | None = None
    published: str | None = None  # the best machine reading of the date, if any
    published_raw: str | None = None  # the date exactly as the source gave it
    guid: str | None = None
    guid_key: str | None = None  # set where the GUID identifies the story (crawlers/identity.py)
    canonical_url: str | None = None
    # Filled by the pipelines.
    language: str | None = None
    relevance: float | None = None
    roma_related: bool | None = None
    content_hash: str | None = None
    date_flag: str | None = None
    places: list = field(default_factory=list)
    text: str | None = None  # what the analysis reads: the article, else the summary as text
