"""Repairing text that was decoded with the wrong encoding, before it is analysed.

Two cases are common on Bulgarian sites: windows-1251 bytes read as Latin-1/windows-1252
("Ñëèâåí" for "Сливен"), which ftfy does not undo (it repairs UTF-8 read as a single-byte
encoding, and it is used for that second case).
"""

from __future__ import annotations

import re

_LATIN1_LETTERS = re.compile(r"[\u00c0-\u00ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTERS = re.compile(r"[^\W\d_]")
# Share of letters in À..ÿ above which a text without Cyrillic is windows-1251 misread.
MISREAD_SHARE = 0.5
# UTF-8 read as windows-1252 or Latin-1 leaves these lead characters behind ("Ð¡").
_UTF8_TRACES = ("Ð", "Ñ", "Ã", "â€")


def repair(text: str) -> str:
    """The text with a wrong decoding undone; unchanged when nothing looks wrong."""
    if not text or _CYRILLIC.search(text[:2000]):
        return text
    letters = len(_LETTERS.findall(text[:2000]))
    misread = len(_LATIN1_LETTERS.findall(text[:2000]))
    if not letters or misread / letters < MISREAD_SHARE:
        return text
    fixed = _utf8_misread(text)
    if fixed is not None:
        return fixed
    for single_byte in ("cp1252", "latin-1"):
        try:
            candidate = text.encode(single_byte).decode("cp1251")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(_CYRILLIC.findall(candidate)) > letters / 2:
            return candidate  # one character for one: offsets stay where they were
    return text


def _utf8_misread(text: str) -> str | None:
    if not any(trace in text for trace in _UTF8_TRACES):
        return None
    import ftfy

    fixed = ftfy.fix_encoding(text)
    return fixed if _CYRILLIC.search(fixed) else None
