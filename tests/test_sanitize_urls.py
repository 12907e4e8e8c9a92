"""Canonical URLs and cleaning untrusted text on the way in."""

import pytest

from romareact.sanitize import clean_summary, content_hash, plain_text
from romareact.urls import canonical_url, item_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG/news/1?utm_source=x&id=5#top", "https://example.org/news/1?id=5"),
        ("http://example.org:80/a?fbclid=1&gclid=2", "http://example.org/a"),
        ("https://example.org:8443/a?b=2&a=1", "https://example.org:8443/a?a=1&b=2"),
        ("https://example.org", "https://example.org/"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_item_id_is_stable_per_canonical_url():
    first = item_id(canonical_url("https://example.org/a?utm_medium=rss"))
    assert first == item_id(canonical_url("https://EXAMPLE.org/a"))
    assert first != item_id(canonical_url("https://example.org/b"))


def test_titles_become_plain_text():
    assert plain_text("<b>Ромски</b> &amp; <script>alert(1)</script>деца\n в  града") == (
        "Ромски & деца в града"
    )
    assert plain_text("") is None
    assert len(plain_text("а" * 600, 500)) == 500


def test_a_title_escaped_twice_is_not_stored_as_markup():
    # The XML parser turns "&amp;lt;img ...&amp;gt;" into this text:
    assert plain_text('Ромите &lt;img src=x onerror="alert(1)"&gt;в Сливен') == "Ромите в Сливен"
    assert plain_text("&lt;b&gt;Ромски&lt;/b&gt; деца") == "Ромски деца"
    assert plain_text("5 &lt; 7 и 3 &gt; 2") == "5 < 7 и 3 > 2"  # not markup: kept


def test_summaries_keep_safe_markup_only():
    dirty = (
        '<p onclick="steal()">Текст <a href="javascript:alert(1)">връзка</a> '
        '<a href="https://example.org/x">добра</a><img src=x onerror=alert(1)>'
        "<script>alert(2)</script><style>p{}</style></p>"
    )
    clean = clean_summary(dirty)
    for bad in ("onclick", "javascript:", "<img", "onerror", "<script", "<style", "alert"):
        assert bad not in clean
    assert '<a href="https://example.org/x" rel="noopener noreferrer nofollow">добра</a>' in clean


def test_content_hash_ignores_spacing_and_case():
    assert content_hash("Ромите  от\nСливен") == content_hash("ромите от сливен")
    assert content_hash(None) is None
