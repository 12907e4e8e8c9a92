"""Reading RSS and Atom: a fast lxml path for well-formed feeds, feedparser for the rest.

feedparser copes with anything but is slow; most real feeds are well-formed RSS 2.0 or Atom,
which lxml reads many times faster. Entities are never resolved from outside the document
and the network is never used, whichever path reads the feed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html.entities
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import feedparser
from lxml import etree

from crawlers.encoding import as_utf8_xml
from romareact.dates import normalise_date

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)
# An "&" that does not start an XML entity or character reference; group 1: an HTML name.
_LOOSE_AMPERSAND = re.compile(
    rb"&(?!(?:lt|gt|amp|quot|apos);|#[0-9]+;|#x[0-9a-fA-F]+;)(?:([A-Za-z][A-Za-z0-9]*);)?"
)
_CONTROL_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ROOT_ENDS = (b"</rss", b"</feed", b"</rdf:RDF")
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]")
# The end of a feed's root element, whatever its namespace prefix.
_ROOT_START = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>]")
_ROOT_END = re.compile(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([\w.-]+)""")


@dataclass
class FeedEntry:
    title: str | None = None
    link: str | None = None
    guid: str | None = None
    summary: str | None = None
    author: str | None = None
    published: str | None = None  # a machine reading in UTC, when the parser made one
    published_raw: str | None = None


@dataclass
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    bozo: bool = False  # the document was not well-formed; read as far as possible
    error: str | None = None
    # The document stops before its root element ends: the connection closed early (a body
    # without Content-Length ends when the server hangs up). Its entries are not to be used.
    incomplete: bool = False


def _text(element) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _entry(element, **fields) -> FeedEntry:
    entry = FeedEntry(**fields)
    entry.published = normalise_date(entry.published_raw)[0]
    # A relative link counts from the xml:base in effect, as feedparser reads it.
    base = element.base
    if entry.link and base and not entry.link.startswith(("http://", "https://")):
        entry.link = urljoin(base, entry.link)
    return entry


def _rss(channel) -> list[FeedEntry]:
    entries = []
    for item in channel.iter("item"):
        guid = item.find("guid")
        link = _text(item.find("link"))
        # A GUID is a permalink unless it says otherwise, but only if it looks like one.
        if link is None and guid is not None and guid.get("isPermaLink", "true") == "true":
            candidate = _text(guid)
            link = candidate if candidate and candidate.startswith(("http:", "https:")) else None
        entries.append(
            _entry(
                item,
                title=_text(item.find("title")),
                link=link,
                guid=_text(guid),
                summary=_text(item.find(f"{CONTENT}encoded")) or _text(item.find("description")),
                author=_text(item.find(f"{DC}creator")) or _text(item.find("author")),
                published_raw=_text(item.find("pubDate")) or _text(item.find(f"{DC}date")),
            )
        )
    return entries


def _atom(feed) -> list[FeedEntry]:
    entries = []
    for entry in feed.iter(f"{ATOM}entry"):
        links = entry.findall(f"{ATOM}link")
        alternate = next(
            (ln.get("href") for ln in links if ln.get("rel", "alternate") == "alternate"), None
        )
        entries.append(
            _entry(
                entry,
                title=_text(entry.find(f"{ATOM}title")),
                link=alternate,
                guid=_text(entry.find(f"{ATOM}id")),
                summary=_text(entry.find(f"{ATOM}summary")) or _text(entry.find(f"{ATOM}content")),
                author=_text(entry.find(f"{ATOM}author/{ATOM}name")),
                published_raw=_text(entry.find(f"{ATOM}published"))
                or _text(entry.find(f"{ATOM}updated")),
            )
        )
    return entries


def _rdf(root) -> list[FeedEntry]:
    entries = []
    for item in root.iter(f"{RSS1}item"):
        link = _text(item.find(f"{RSS1}link")) or item.get(f"{RDF}about")
        entries.append(
            _entry(
                item,
                title=_text(item.find(f"{RSS1}title")),
                link=link,
                guid=item.get(f"{RDF}about") or link,
                summary=_text(item.find(f"{CONTENT}encoded"))
                or _text(item.find(f"{RSS1}description")),
                author=_text(item.find(f"{DC}creator")),
                published_raw=_text(item.find(f"{DC}date")),
            )
        )
    return entries


def _read(root) -> ParsedFeed | None:
    if root is None:
        return None
    if root.tag == "rss" and root.find("channel") is not None:
        return ParsedFeed(_rss(root.find("channel")))
    if root.tag == f"{ATOM}feed":
        return ParsedFeed(_atom(root))
    if root.tag == f"{RDF}RDF":
        return ParsedFeed(_rdf(root))
    return None  # old Atom, anything unusual: feedparser knows them


def _fast(body: bytes) -> ParsedFeed | None:
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        return _recovered(body, error)
    return _read(root)


def _recovered(body: bytes, error: Exception) -> ParsedFeed | None:
    """A feed with a common small flaw, repaired without losing a character: HTML entities
    XML does not know (&nbsp; &colon;) written as character references, a bare "&" as
    &amp;, stray control characters dropped, junk after the closing root tag cut off. Only
    for text that decodes cleanly in its declared encoding (else the charset is wrong and
    feedparser guesses better), and only if every entry the document opens comes out;
    anything else goes to feedparser."""
    declared = _DECLARED_ENCODING.match(body)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding.startswith(("utf-16", "utf-32", "ucs")):
        return None  # byte-level repairs need an ASCII-compatible encoding
    try:
        body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    repaired = _CONTROL_CHARS.sub(b"", _LOOSE_AMPERSAND.sub(_as_reference, body))
    end = max(repaired.rfind(tag) for tag in _ROOT_ENDS)
    if end != -1:
        repaired = repaired[: repaired.index(b">", end) + 1]
    try:
        parsed = _read(etree.fromstring(repaired, _PARSER))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if parsed is None or len(parsed.entries) != len(_ENTRY_TAG.findall(body)):
        return None
    parsed.bozo, parsed.error = True, str(error)
    return parsed


def _as_reference(match: re.Match) -> bytes:
    name = match.group(1)
    if name is None:
        return b"&amp;"
    text = html.entities.html5.get(name.decode("ascii") + ";")
    if text is None:
        return b"&amp;" + name + b";"  # not an entity at all: the text as written
    return b"".join(b"&#%d;" % ord(char) for char in text)


def _slow(body: bytes, content_type: str | None) -> ParsedFeed:
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": content_type} if content_type else None,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if entry.get("guidislink") and link and not link.startswith(("http://", "https://")):
            link = None  # feedparser took a GUID like "g-2" for a permalink
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        entries.append(
            FeedEntry(
                title=entry.get("title"),
                link=link,
                guid=entry.get("id"),
                summary=entry.get("summary"),
                author=entry.get("author"),
                published=dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.UTC).isoformat()
                if stamp
                else None,
                published_raw=entry.get("published") or entry.get("updated"),
            )
        )
    error = str(parsed.get("bozo_exception")) if parsed.bozo else None
    return ParsedFeed(entries, bool(parsed.bozo), error)


def parse_feed(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Entries of an RSS/Atom document, by the fast path when it is well-formed.

    The bytes are first read in the encoding they really have (crawlers/encoding.py) and
    handed on as UTF-8: lxml gives up on a lying declaration and feedparser guesses
    windows-1252 for undeclared windows-1251."""
    body, _ = as_utf8_xml(body, content_type)
    if _ROOT_START.search(body[:4096]) and not _ROOT_END.search(body):
        return ParsedFeed(
            bozo=True,
            error="the feed is cut short: the document ends before its root element closes",
            incomplete=True,
        )
    media_type = (content_type or "application/xml").split(";")[0].strip()
    return _fast(body) or _slow(body, f"{media_type}; charset=utf-8")
