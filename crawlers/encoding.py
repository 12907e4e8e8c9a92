"""Deciding the text encoding of a feed or page from its bytes.

Bulgarian sites still serve windows-1251, often undeclared or under a declaration that lies
(an XML prolog saying utf-8, a header saying windows-1252). The declared encodings are
tried in order of authority - byte order mark, HTTP charset, XML declaration, HTML meta -
and each is kept only when the text it gives is plausible: it decodes without errors and
does not read as mojibake (Latin-1 letters where Cyrillic was meant, "Ñëèâåí" for Сливен).
When none is, charset-normalizer chooses among the encodings Bulgarian and Western sites
use (unrestricted, it takes a short windows-1251 text for windows-1250), and the choice is
checked the same way.
"""

from __future__ import annotations

import codecs
import itertools
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# Where charset-normalizer may look when nothing declared is plausible.
_CANDIDATES = ["utf_8", "cp1251", "koi8_r", "iso8859_5", "mac_cyrillic", "cp1252"]
# How much of the document is looked at: enough to judge, bounded for a 10 MB feed.
_SAMPLE = 200_000
_LETTERS = re.compile(r"[^\W\d_]+")
_LATIN1_LETTERS = re.compile(r"[\u00c0-\u00ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _python_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None  # "x-unknown", typos: as if nothing was declared


def declared_encodings(body: bytes, content_type: str | None = None) -> list[str]:
    """The encodings the document and its header claim, most authoritative first."""
    found = []
    head = body[:2048]
    for bom, name in _BOMS:
        if head.startswith(bom):
            found.append(name)
            break
    if content_type:
        match = _HTTP_CHARSET.search(content_type)
        found.append(_python_name(match.group(1)) if match else None)
    for pattern in (_XML_DECLARATION, _META_CHARSET):
        match = pattern.search(head)
        found.append(_python_name(match.group(1).decode("ascii")) if match else None)
    return list(dict.fromkeys(name for name in found if name))


def mojibake_share(text: str) -> float:
    """The share of non-ASCII letters that are Latin-1 accented letters in words mostly made
    of them: "Ñëèâåí" is 1.0, "Café Zürich" 0.0. Real French or German words have one or two
    such letters; Cyrillic read as Latin-1 has nothing else. Markup (ASCII) does not count,
    so one short title among many tags weighs fully."""
    foreign = suspicious = 0
    for word in _LETTERS.findall(text):
        if word.isascii():
            continue
        accented = len(_LATIN1_LETTERS.findall(word))
        foreign += sum(1 for char in word if not char.isascii())
        if accented * 2 > len(word) and len(word) > 1:
            suspicious += accented
    return suspicious / foreign if foreign else 0.0


def _case_noise(text: str) -> float:
    """The share of Cyrillic words with a capital after a small letter: windows-1251 read as
    KOI8-R swaps the cases ("оНЛХРЕ"), real text nearly never does."""
    words = [w for w in _LETTERS.findall(text) if _CYRILLIC.match(w) and len(w) > 2]
    if not words:
        return 0.0
    noisy = sum(
        1 for w in words if any(a.islower() and b.isupper() for a, b in itertools.pairwise(w))
    )
    return noisy / len(words)


def plausible(text: str) -> bool:
    """Text that reads as a real language rather than the wrong code page."""
    return mojibake_share(text) < 0.2 and _case_noise(text) < 0.2


def _decodes(sample: bytes, encoding: str) -> str | None:
    try:
        # A sample may end inside a multi-byte character: the incremental decoder waits.
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def decide_encoding(body: bytes, content_type: str | None = None) -> str:
    """The Python codec name to read `body` with."""
    sample = body[:_SAMPLE]
    declared = declared_encodings(body, content_type)
    for encoding in declared:
        text = _decodes(sample, encoding)
        if text is not None and plausible(text):
            return encoding
    if "utf-8" not in declared:
        text = _decodes(sample, "utf-8")
        if text is not None and plausible(text):
            return "utf-8"
    best = charset_normalizer.from_bytes(sample, cp_isolation=_CANDIDATES).best()
    if best is not None and plausible(str(best)):
        return codecs.lookup(best.encoding).name
    # Nothing fits well: utf-8 with replacement characters loses least.
    return declared[0] if declared else "utf-8"


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The text of `body` and the encoding it was read with (undecodable bytes replaced)."""
    encoding = decide_encoding(body, content_type)
    text = body.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def as_utf8_xml(body: bytes, content_type: str | None = None) -> tuple[bytes, str]:
    """An XML document re-encoded as UTF-8 with its declaration saying so, for parsers that
    trust the declaration; and the encoding it was read in."""
    encoding = decide_encoding(body, content_type)
    if encoding == "utf-8" and not body.startswith(codecs.BOM_UTF8):
        return body, encoding  # the common case costs no copy
    text, encoding = decode(body, content_type)
    text = re.sub(
        r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][\w.:-]+["']""", r'\1"utf-8"', text, count=1
    )
    return text.encode("utf-8"), encoding
