"""Finding place names in Bulgarian and English text: tokens, name n-grams and context cues."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from geocode.gazetteer import Gazetteer, Place, normalise_name
from geocode.importers import load_provinces
from romareact.paths import shipped_data

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Words that announce a settlement or quarter right before its name.
SETTLEMENT_MARKERS = {
    "гр", "град", "града", "градче", "с", "село", "селото", "селата", "сс", "кв", "квартал",
    "квартала", "town", "village", "city",
}  # fmt: skip
NEAR_WORDS = {"край", "близо до", "near", "около", "до"}
PROVINCE_WORDS = {"област", "областта", "обл", "province", "region"}
MUNICIPALITY_WORDS = {"община", "общината", "общ", "municipality"}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class NameMatch:
    surface: str
    start: int
    end: int
    candidates: tuple[Place, ...]
    after_marker: bool
    after_near: bool = False  # "край Пазарджик": a landmark, rarely where the event is


@dataclass
class Cues:
    """What the text says about where it is, besides settlement names."""

    provinces: set[str]  # ISO codes of provinces named or implied
    municipalities: set[str]  # normalised municipality names


@cache
def ambiguous_names() -> frozenset[str]:
    path = shipped_data() / "lexicons" / "ambiguous_place_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        normalise_name(line) for line in lines if line.strip() and not line.startswith("#")
    )


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def _previous_word(tokens: list[Token], index: int) -> str:
    return tokens[index - 1].text.lower() if index > 0 else ""


def find_names(text: str, gazetteer: Gazetteer) -> list[NameMatch]:
    """Every gazetteer name in the text, longest match first, proper-noun forms only."""
    tokens = tokenize(text)
    ambiguous = ambiguous_names()
    matches = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.text[0].isupper():
            index += 1
            continue
        found = None
        for width in range(min(gazetteer.max_name_words, len(tokens) - index), 0, -1):
            last = tokens[index + width - 1]
            surface = text[token.start : last.end]
            if "\n" in surface:
                continue
            candidates = gazetteer.candidates(surface)
            if candidates:
                found = (width, surface, last.end, candidates)
                break
        if found is None:
            index += 1
            continue
        width, surface, end, candidates = found
        previous = _previous_word(tokens, index)
        after_marker = previous in SETTLEMENT_MARKERS
        is_region_name = previous in PROVINCE_WORDS or previous in MUNICIPALITY_WORDS
        following = tokens[index + width] if index + width < len(tokens) else None
        # "Сливен област" names the province; "Огняново, община Гърмен" does not.
        followed_by_region = (
            following is not None
            and text[end : following.start].isspace()
            and (following.text.lower() in PROVINCE_WORDS | MUNICIPALITY_WORDS)
        )
        risky = normalise_name(surface) in ambiguous
        if not is_region_name and not followed_by_region and (after_marker or not risky):
            near = previous in NEAR_WORDS or (
                index > 1 and f"{tokens[index - 2].text} {previous}".lower() in NEAR_WORDS
            )
            matches.append(
                NameMatch(surface, token.start, end, tuple(candidates), after_marker, near)
            )
        index += width
    return matches


def find_cues(text: str, gazetteer: Gazetteer) -> Cues:
    """Provinces and municipalities named: "област Сливен", "Сливенско", "община Гърмен"."""
    provinces = load_provinces()
    tokens = tokenize(text)
    cues = Cues(provinces=set(), municipalities=set())
    stems = [(p.adjective_stem.lower(), p.iso) for p in provinces]
    by_name = {normalise_name(p.name_bg): p.iso for p in provinces}
    by_name.update({normalise_name(p.name_en): p.iso for p in provinces})
    for index, token in enumerate(tokens):
        word = token.text.lower()
        for stem, iso in stems:
            if word.startswith(stem) and len(word) - len(stem) <= 4:
                cues.provinces.add(iso)
        previous = _previous_word(tokens, index)
        if previous in PROVINCE_WORDS or previous in MUNICIPALITY_WORDS:
            for width in (3, 2, 1):
                if index + width > len(tokens):
                    continue
                name = normalise_name(text[token.start : tokens[index + width - 1].end])
                if previous in PROVINCE_WORDS and name in by_name:
                    cues.provinces.add(by_name[name])
                    break
                if previous in MUNICIPALITY_WORDS and name in gazetteer.municipalities:
                    cues.municipalities.add(name)
                    break
                if previous in MUNICIPALITY_WORDS:
                    # Without municipality data, "община Провадия" still implies a province.
                    regions = {p.province_code for p in gazetteer.candidates(name)}
                    if len(regions) == 1:
                        cues.provinces |= regions
                        break
    return cues
