"""Reading feeds: the lxml fast path, the feedparser fallback, and what both must agree on."""

from crawlers.feeds import _fast, parse_feed

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
<item><title>Ромите &amp; общината</title><link>https://n.example/a/1</link><guid>g1</guid>
<pubDate>Fri, 20 Nov 2026 09:15:00 +0200</pubDate><dc:creator>Мария</dc:creator>
<description>Кратко.</description><content:encoded><![CDATA[<p>Цял текст.</p>]]></content:encoded>
</item>
<item><title>Без връзка</title><guid isPermaLink="false">g2</guid></item>
<item><title>Връзка в GUID</title><guid>https://n.example/a/3</guid></item>
</channel></rss>""".encode()

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"
 xml:base="https://wiki.example/site/"><title>t</title>
<entry><title>Atom</title><link rel="alternate" href="now.html"/><id>urn:1</id>
<updated>2026-11-20T09:15:00Z</updated><summary>S</summary><author><name>A</name></author>
</entry></feed>"""

RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>t</title></channel>
<item rdf:about="https://n.example/r/1"><title>RDF</title><link>https://n.example/r/1</link>
</item></rdf:RDF>"""


def test_rss_by_the_fast_path():
    assert _fast(RSS) is not None
    first, second, third = parse_feed(RSS).entries
    assert (first.title, first.link, first.guid, first.author) == (
        "Ромите & общината", "https://n.example/a/1", "g1", "Мария"
    )  # fmt: skip
    assert first.summary == "<p>Цял текст.</p>"  # the full content wins over the description
    assert first.published == "2026-11-20T07:15:00+00:00"
    assert first.published_raw == "Fri, 20 Nov 2026 09:15:00 +0200"
    assert second.link is None and second.guid == "g2"
    assert third.link == "https://n.example/a/3"


def test_atom_by_the_fast_path_with_xml_base():
    [entry] = parse_feed(ATOM).entries
    assert (entry.title, entry.link, entry.guid, entry.author) == (
        "Atom", "https://wiki.example/site/now.html", "urn:1", "A"
    )  # fmt: skip
    assert entry.published == "2026-11-20T09:15:00+00:00"


def test_other_formats_and_broken_feeds_go_to_feedparser():
    assert _fast(RDF) is None
    assert [e.title for e in parse_feed(RDF).entries] == ["RDF"]
    broken = RSS.replace(b"</channel>", b"")
    assert _fast(broken) is None
    parsed = parse_feed(broken)
    assert parsed.bozo and parsed.error
    assert [e.title for e in parsed.entries][:1] == ["Ромите & общината"]


def test_both_paths_agree_on_the_same_feed():
    from crawlers.feeds import _slow

    fast, slow = parse_feed(RSS).entries, _slow(RSS, "application/rss+xml").entries
    for a, b in zip(fast, slow, strict=True):
        assert (a.title, a.link, a.guid, a.published) == (b.title, b.link, b.guid, b.published)
