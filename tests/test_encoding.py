"""Deciding a document's encoding from its bytes (crawlers/encoding.py)."""

import pytest

from crawlers.encoding import decide_encoding, decode, mojibake_share, plausible
from crawlers.feeds import parse_feed

TEXT = "Ромските семейства от квартала в Сливен чакат ремонта на улицата."


def _feed(prolog: str = '<?xml version="1.0"?>') -> str:
    return (
        f"{prolog}<rss version='2.0'><channel><title>t</title><item><title>Сливен</title>"
        f"<link>http://example.org/a</link><description>{TEXT}</description></item>"
        "</channel></rss>"
    )


@pytest.mark.parametrize(
    ("prolog", "content_type"),
    [
        ('<?xml version="1.0"?>', None),  # undeclared
        ('<?xml version="1.0" encoding="utf-8"?>', None),  # the prolog lies
        ('<?xml version="1.0" encoding="windows-1252"?>', None),  # lies, but decodes
        ('<?xml version="1.0"?>', "application/rss+xml; charset=utf-8"),  # the header lies
        ('<?xml version="1.0"?>', "text/xml; charset=iso-8859-1"),
        ('<?xml version="1.0" encoding="windows-1251"?>', "text/xml; charset=utf-8"),
    ],
)
def test_windows_1251_feeds_are_read_as_such(prolog, content_type):
    body = _feed(prolog).encode("cp1251")
    assert decide_encoding(body, content_type) == "cp1251"
    [entry] = parse_feed(body, content_type).entries
    assert (entry.title, entry.summary) == ("Сливен", TEXT)


def test_truthful_declarations_are_believed():
    assert decide_encoding(_feed().encode("utf-8")) == "utf-8"
    koi8 = _feed('<?xml version="1.0" encoding="koi8-r"?>').encode("koi8-r")
    assert decide_encoding(koi8) == "koi8-r"
    western = "<p>Café in Zürich, Größe, façade</p>".encode("cp1252")
    assert decide_encoding(western, "text/html; charset=windows-1252") == "cp1252"


def test_a_byte_order_mark_decides():
    body = "\ufeff".encode("utf-16-le") + _feed().encode("utf-16-le")
    text, encoding = decode(body)
    assert encoding == "utf-16-le" and text.startswith("<?xml") and "Сливен" in text


def test_html_meta_charset_and_undeclared_pages():
    page = f'<html><head><meta charset="windows-1251"></head><body>{TEXT}</body></html>'
    assert decide_encoding(page.encode("cp1251")) == "cp1251"
    bare = f"<html><body><p>{TEXT}</p></body></html>".encode("cp1251")
    assert decide_encoding(bare, "text/html") == "cp1251"


def test_mostly_utf8_with_a_broken_byte_stays_utf8():
    body = f"<html><body><p>{TEXT * 3}</p>".encode() + b"\xff" + b"</body></html>"
    text, encoding = decode(body, "text/html")
    assert encoding == "utf-8" and TEXT in text


def test_plausibility():
    assert mojibake_share(TEXT.encode("cp1251").decode("cp1252")) > 0.9
    assert mojibake_share("Café in Zürich, Größe") == 0
    assert not plausible(TEXT.encode("cp1251").decode("koi8-r"))
    assert plausible(TEXT)
