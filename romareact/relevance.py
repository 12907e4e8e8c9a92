"""Relevance v1: is a text about Roma people or communities? A lexicon score in 0..1."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache

from romareact.paths import shipped_data

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
THRESHOLD = 0.5
HALF_STRENGTH = 1.2 * math.log(2)  # the strength scored THRESHOLD
_NUMERALS = {
    "двама", "трима", "четирима", "петима", "шестима", "седмина", "осмина", "деветима",
    "десетима", "няколко", "много", "стотина", "хиляди", "стотици", "десетки",
}  # fmt: skip


@dataclass(frozen=True)
class Relevance:
    score: float
    roma_related: bool
    matched: tuple[str, ...]


@dataclass(frozen=True)
class _Lexicon:
    strong: frozenset[str]
    context: frozenset[str]
    traps: tuple[str, ...]
    count_form: str | None
    stems: tuple[str, ...] = ()  # a word beginning with one is a hit (inflections, typos)


@cache
def _lexicons() -> dict[str, _Lexicon]:
    with open(shipped_data() / "lexicons" / "relevance.toml", "rb") as handle:
        raw = tomllib.load(handle)
    lexicons, seen = {}, set()
    for lang, entry in raw.items():
        # A word shared by two languages (роми, ромски) counts once, for the first.
        strong = frozenset(entry["strong"]) - seen
        seen |= strong
        lexicons[lang] = _Lexicon(
            strong=strong,
            context=frozenset(entry["context"]),
            traps=tuple(entry.get("traps", ())),
            count_form=entry.get("count_form"),
            stems=tuple(entry.get("stems", ())),
        )
    return lexicons


def _strong_hits(
    words: list[str], original: list[str], lexicon: _Lexicon, stem_words: set[str]
) -> list[str]:
    """`stem_words`: the text's words that begin with any lexicon's stem."""
    stemmed = set()
    if lexicon.stems and stem_words:
        stemmed = {w for w in stem_words if w.startswith(lexicon.stems)}
    if lexicon.strong.isdisjoint(words) and (lexicon.count_form not in words) and not stemmed:
        return []
    hits = []
    for index, word in enumerate(words):
        if word in lexicon.strong or word in stemmed:
            # English "Roma" is a proper noun; lower-case "roma" is mostly noise.
            if word == "roma" and not original[index][0].isupper():
                continue
            # "rom" is lower case in French and Italian ("quartier rom", "famiglie rom");
            # "Rom" is Rome in German.
            if word == "rom" and original[index][0].isupper():
                continue
            hits.append(word)
        elif word == lexicon.count_form and index > 0:
            before = words[index - 1]
            if original[index].islower() and (before.isdigit() or before in _NUMERALS):
                hits.append(word)
    return hits


def score_text(text: str, title: str | None = None, roma_places: int = 0) -> Relevance:
    """Score a text (and its title, which weighs more) for Roma relevance.

    `roma_places`: how many known Roma neighbourhoods the text names ("Столипиново остана
    без ток" is Roma news without the word "роми").
    """
    lexicons = _lexicons()
    lowered = f"{title or ''}\n{text}".lower()
    # Most news names no Roma word at all: a few substring tests skip the tokenising.
    if not _may_hit(lowered):
        return _relevance(0.0, [], roma_places)
    body_original = _WORD.findall(text)
    title_original = _WORD.findall(title or "")
    strength = 0.0
    matched: list[str] = []
    body_words = [w.lower() for w in body_original]
    title_words = [w.lower() for w in title_original]
    # Over distinct words, once for all lexicons: a text repeats most of its words.
    stems = _stems()
    stem_words = {w for w in {*body_words, *title_words} if w.startswith(stems)}
    for lexicon in lexicons.values():
        body = _strong_hits(body_words, body_original, lexicon, stem_words)
        head = _strong_hits(title_words, title_original, lexicon, stem_words)
        traps = sum(lowered.count(trap) for trap in lexicon.traps)
        hits = max(0, len(body) + len(head) - traps)
        if not hits:
            continue
        context = sum(1 for w in body_words if w in lexicon.context)
        found = 1.0 + 0.5 * (min(hits, 7) - 1) + (1.5 if head else 0.0) + min(context, 5) * 0.3
        if hits == 1 and not head and len(body_original) > 400:
            found *= 0.6  # one word in passing in a long text on something else
        strength += found
        matched.extend([*head, *body])
    return _relevance(strength, matched, roma_places)


def _relevance(strength: float, matched: list[str], roma_places: int) -> Relevance:
    if roma_places:
        strength += 1.0
        matched.append("roma-neighbourhood")
    # s / (s + HALF) keeps separating strong texts, where 1 - exp(-s) put every one at 0.99
    # (issue 20); HALF is the strength the old curve put at the threshold, so the same
    # texts count as Roma-related.
    score = strength / (strength + HALF_STRENGTH)
    return Relevance(round(score, 3), score >= THRESHOLD, tuple(dict.fromkeys(matched)))


@cache
def _trigger_words() -> frozenset[str]:
    """Every word that can make a hit, in lower case."""
    words = set()
    for lexicon in _lexicons().values():
        words |= {w.lower() for w in lexicon.strong}
        if lexicon.count_form:
            words.add(lexicon.count_form.lower())
        words |= set(lexicon.stems)
    return frozenset(words)


@cache
def _stems() -> tuple[str, ...]:
    return tuple(stem for lexicon in _lexicons().values() for stem in lexicon.stems)


@cache
def _needles() -> tuple[str, ...]:
    """Short substrings, at least one of which occurs in every word that can make a hit:
    four letters from each word's stem ("anti-" and "анти" set aside, so "antiziganism"
    gives "ziga"), fewer where one word holds another's."""
    words = _trigger_words()
    stems = {w.removeprefix("anti").removeprefix("анти").lstrip("-") or w for w in words}
    needles = {stem[:4] for stem in stems}
    for needle in sorted(needles):
        rest = needles - {needle}
        if all(any(n in w for n in rest) for w in words if needle in w):
            needles = rest
    return tuple(sorted(needles))


def _may_hit(lowered: str) -> bool:
    """Whether the lower-cased text holds a whole word that can make a hit."""
    words = _trigger_words()
    for needle in _needles():
        at = lowered.find(needle)
        while at != -1:
            start = at  # back to the beginning of the word (hyphenated words are one word)
            while start and (lowered[start - 1].isalpha() or lowered[start - 1] == "-"):
                start -= 1
            while lowered[start] == "-":  # a word begins with a letter
                start += 1
            word = _WORD.match(lowered, start)
            if word and (word.group() in words or word.group().startswith(_stems())):
                return True
            at = lowered.find(needle, at + 1)
    return False
