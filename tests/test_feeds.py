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


def test_rss_1_0_by_the_fast_path():
    assert _fast(RDF) is not None
    [entry] = parse_feed(RDF).entries
    assert (entry.title, entry.link) == ("RDF", "https://n.example/r/1")


def test_small_flaws_are_repaired_without_losing_text():
    flawed = (
        RSS.replace("Кратко.".encode(), "Кратко&nbsp;&colon; R&D\x02.".encode()).replace(
            "<title>Ромите &amp; общината".encode(), "<title>Ромите & общината".encode()
        )
        + b"\n<script>junk()</script>"
    )
    assert _fast(flawed) is not None  # no feedparser needed
    parsed = parse_feed(flawed)
    assert parsed.bozo and parsed.error  # still reported as malformed
    first = parsed.entries[0]
    assert first.title == "Ромите & общината"
    assert len(parsed.entries) == 3


def test_flawed_description_keeps_every_character():
    feed = (
        RSS.replace(
            "<description>Кратко.</description>".encode(),
            b"<description>a&nbsp;b &colon; c &amp; d &lt;p&gt; &unknown; e</description>",
        )
        .replace(b"<content:encoded><![CDATA[<p>", b"<x><![CDATA[<p>")
        .replace(b"</p>]]></content:encoded>", b"</p>]]></x>")
    )
    first = parse_feed(feed).entries[0]
    assert first.summary == "a\xa0b : c & d <p> &unknown; e"


def test_structurally_broken_and_mis_encoded_feeds_go_to_feedparser():
    broken = RSS.replace(b"</channel>", b"")
    assert _fast(broken) is None
    parsed = parse_feed(broken)
    assert parsed.bozo and parsed.error
    assert [e.title for e in parsed.entries][:1] == ["Ромите & общината"]
    # Declared UTF-8, written in windows-1251, with a flaw: not repaired, feedparser decides.
    cp1251 = RSS.decode().replace("Кратко.", "Кратко&nbsp;").encode("cp1251", "replace")
    assert _fast(cp1251) is None


def test_both_paths_agree_on_the_same_feed():
    from crawlers.feeds import _slow

    fast, slow = parse_feed(RSS).entries, _slow(RSS, "application/rss+xml").entries
    for a, b in zip(fast, slow, strict=True):
        assert (a.title, a.link, a.guid, a.published) == (b.title, b.link, b.guid, b.published)


def test_a_feed_cut_short_is_incomplete_and_gives_no_entries():
    whole = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>http://example.org/1</link></item>"
        b"<item><title>Two</title><link>http://example.org/2</link></item></channel></rss>"
    )
    assert len(parse_feed(whole).entries) == 2
    for cut in (whole.rindex(b"<link>"), whole.rindex(b"</channel>"), len(whole) - 3):
        parsed = parse_feed(whole[:cut])
        assert parsed.incomplete and not parsed.entries and "cut short" in parsed.error
