"""Finding place names in Bulgarian and English text: tokens, names, derived words, cues.

Precision first: a wrong dot on a public map is worse than a missing one. A name is taken
as a settlement only when nothing around it says it is something else: a river, a party, a
person, a newspaper, an ordinary word at the start of a sentence, a quarter of a town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from geocode.derived import CAPITAL_FORMS
from geocode.gazetteer import Gazetteer, Place, normalise_name
from geocode.importers import load_provinces
from geocode.translit import fold_latin, latin_variants
from romareact.paths import shipped_data

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ABBREVIATED = re.compile(r"\b[^\W\d_a-zа-я]{2,}-[^\W\d_]")  # "РУП-Средец"
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
SENTENCE_END = re.compile(r"[.!?:;\n]\s*[\"„“”«»'(]*\s*$")
BULGARIA_WORDS = ("bulgari", "българ", "бугари", "болгар", "bulgar")


def mentions_bulgaria(*texts: str) -> bool:
    """Whether any of the texts names Bulgaria or Bulgarians (substring tests: fast)."""
    for text in texts:
        lowered = text.lower()
        if any(word in lowered for word in BULGARIA_WORDS):
            return True
    return False


SETTLEMENT_MARKERS = {
    "гр", "град", "града", "градче", "с", "село", "селото", "селата", "сс", "town", "village",
    "city",
}  # fmt: skip
LATIN_QUARTER_NOUNS = {"neighbourhood", "neighborhood", "district", "quarter", "quartier"}
QUARTER_MARKERS = {
    "кв", "квартал", "квартала", "ж", "жк", "махала", "махалата", "neighbourhood",
    # the same words in Latin letters, as people type an address ("Sliven, kv. Nadezhda")
    "kv", "kvartal", "zhk", "jk", "mahala",
}  # fmt: skip
PROVINCE_WORDS = {"област", "областта", "обл", "province", "region"}
MUNICIPALITY_WORDS = {"община", "общината", "общ", "municipality"}
# A name right after these is not a settlement: a river, a party, a club, a street...
NOT_A_SETTLEMENT_AFTER = {
    "река", "реката", "р", "планина", "планината", "връх", "върха", "язовир", "язовира", "яз",
    "вестник", "вестника", "в-к", "партия", "партията", "отбор", "отбора", "клуб", "клуба",
    "фк", "пфк", "улица", "улицата", "ул", "булевард", "булеварда", "бул", "площад",
    "площада", "пл", "хотел", "хотела", "ресторант", "стадион", "стадиона", "фирма",
    "фирмата", "компания", "компанията", "фондация", "фондацията", "сдружение", "кино",
    "river", "mount", "party", "club", "street", "hotel",
    # Radio and television stations and clubs named with a town ("Дарик Сливен",
    # "Локомотив Пловдив"), monuments and churches named after people.
    "радио", "радиото", "дарик", "бнр", "бнт", "бтв", "тв", "телевизия", "локомотив",
    "левски", "цска", "ботев", "славия", "спартак", "берое", "черноморец", "етър",
    "лудогорец", "паметник", "паметника", "паметникът", "храм", "храма", "църква",
    "църквата", "читалище", "читалището", "библиотека", "библиотеката",
}  # fmt: skip
# "Софийският университет" names an institution; "хисарското село" still names the town
# (the label rule of the real set: the municipality's town is meant).
NOT_A_MENTION_BEFORE = {"университет", "университета", "университетът"}
COUNCIL_WORDS = {"общински", "общинския", "общинският", "общинска", "общинската", "областен"}
VILLAGE_WORDS = {"село", "селище", "села", "селата"}
NEAR_WORDS = {"край", "близо", "около", "near", "до"}
ORIGIN_WORDS = {"от", "from"}
IN_WORDS = {"в", "във", "in", "at"}
# Institutions located in a town are not where the news happens ("Полицията в Казанлък").
INSTITUTIONS = {
    "полицията", "общината", "прокуратурата", "съдът", "съда", "кметът", "кмета",
    "областният", "управител", "управителят", "болницата", "министърът", "министерството",
    "министерство", "агенцията", "дирекцията", "police", "court", "mayor", "ministry",
}  # fmt: skip
SURNAME_ENDINGS = ("ов", "ев", "ова", "ева", "ски", "ска", "ин", "ина", "ич", "ян", "ски")
# Latin names that mostly mean a place abroad in English text.
FOREIGN_LATIN = {"montana", "kula", "lom", "roman", "tran", "bov", "troyan", "levski"}
COMMON_WORD_ZIPF = 4.0
# Quotes around names of schools, clubs, streets; a name within this many characters of both.
OPENING_QUOTES = ("„", "«", '"', "“")
CLOSING_QUOTES = ("“", "”", "»", '"')
QUOTED_NAME_CHARS = 30
# A name after these is the person who wrote or photographed the story.
BYLINE_WORDS = {"автор", "снимка", "снимки", "фото", "репортер", "author", "photo", "by"}
LATIN_NEWS_LANGUAGES = ("en", "de", "fr")
# A misspelt town: at least this long and this close (rapidfuzz ratio, 0..100) to a spelling.
FUZZY_MIN_CHARS = 6
FUZZY_MIN_SCORE = 90
DERIVED_WORD_ZIPF = 2.5  # a small town's adjective this common is another word
ENGLISH_WORD_ZIPF = 3.0
LATIN_PLACE_NOUNS = {
    "city", "municipality", "province", "region", "district", "airport", "court", "county",
}  # fmt: skip


@dataclass(frozen=True)
class NameMatch:
    surface: str
    start: int
    end: int
    candidates: tuple[Place, ...]
    after_marker: bool = False
    role: str = "other"  # event, origin, landmark, possessive, institution, other
    via: str = "name"  # name, derived, neighbourhood


@dataclass
class Cues:
    """What the text says about where it is, besides settlement names."""

    provinces: set[str] = field(default_factory=set)  # ISO codes named or implied
    municipalities: set[str] = field(default_factory=set)  # normalised municipality names


class Token(NamedTuple):
    text: str
    lower: str
    start: int
    end: int


@cache
def ambiguous_names() -> frozenset[str]:
    path = shipped_data() / "lexicons" / "ambiguous_place_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        normalise_name(line) for line in lines if line.strip() and not line.startswith("#")
    )


@cache
def _province_forms() -> dict[str, str]:
    """Adjective and regional forms of provinces ("сливенска", "Сливенско") -> ISO code."""
    forms = {}
    for province in load_provinces():
        stem = province.adjective_stem.lower()
        for ending in ("а", "о", "ата", "ото", "и", "ия", "ият"):
            forms[stem + ending] = province.iso
    return forms


@cache
def _province_names() -> dict[str, str]:
    names = {}
    for province in load_provinces():
        names[normalise_name(province.name_bg)] = province.iso
        names[normalise_name(province.name_en)] = province.iso
    return names


def tokenize(text: str) -> list[Token]:
    lowered = text.lower()  # one call for the whole text; same offsets for Cyrillic and Latin
    if len(lowered) != len(text):  # a few characters change length when lowered ("İ")
        tokens = [Token(m[0], m[0].lower(), m.start(), m.end()) for m in WORD.finditer(text)]
    else:
        tokens = [Token(m[0], lowered[m.start() : m.end()], *m.span()) for m in WORD.finditer(text)]
    if "-" in text and ABBREVIATED.search(text):
        tokens = [part for token in tokens for part in _split_abbreviation(token)]
    return tokens


def _split_abbreviation(token: Token) -> list[Token]:
    """ "РУП-Средец", "СУПЗ-Варна": an institution's abbreviation and its town, two words."""
    head, _, rest = token.text.partition("-")
    if not rest or len(head) < 2 or not head.isupper() or not rest[:1].isupper():
        return [token]
    cut = token.start + len(head) + 1
    return [
        Token(head, token.lower[: len(head)], token.start, token.start + len(head)),
        Token(rest, token.lower[len(head) + 1 :], cut, token.end),
    ]


def _sentence_start(text: str, tokens: list[Token], index: int) -> bool:
    if index == 0:
        return True
    return bool(SENTENCE_END.search(text[tokens[index - 1].end : tokens[index].start]))


def _role(tokens: list[Token], index: int) -> str:
    """What the words before a name say about it: where it happens, or only a reference."""
    for back in range(1, 5):
        if index - back < 0:
            break
        word = tokens[index - back].lower
        if word in NEAR_WORDS:
            return "landmark"
        if word in ORIGIN_WORDS:
            return "origin"
        if word in IN_WORDS or word in SETTLEMENT_MARKERS:
            before = tokens[index - back - 1].lower if index - back > 0 else ""
            return "institution" if before in INSTITUTIONS else "event"
        if word == "на":
            before = tokens[index - back - 1].lower if index - back > 0 else ""
            return "institution" if before in INSTITUTIONS else "possessive"
        if word not in {"и", "или", "and"} and not tokens[index - back].text[0].isupper():
            break
    return "other"


def _confirmed_nearby(tokens: list[Token], after: int, gazetteer: Gazetteer) -> bool:
    """An apposition confirms a name: "Бяла, Варненска област", "Баня край Карлово"."""
    window = [t.lower for t in tokens[after : after + 4]]
    if any(word in _province_forms() for word in window):
        return True
    if window[:1] and window[0] in PROVINCE_WORDS | MUNICIPALITY_WORDS:
        return True
    if window[:1] and window[0] in NEAR_WORDS and len(window) > 1:
        return bool(gazetteer.candidates(tokens[after + 1].text))
    return False


def _is_person(text: str, tokens: list[Token], index: int, width: int) -> bool:
    """ "Роман Илиев", "Борис Михайлов": a first name followed by a surname."""
    following = tokens[index + width] if index + width < len(tokens) else None
    between = text[tokens[index + width - 1].end : following.start] if following else ""
    return bool(
        following
        and between.isspace()
        and following.text[0].isupper()
        and following.lower.endswith(SURNAME_ENDINGS)
        and not following.text.isupper()
    )


def _word_frequency(word: str, lang: str) -> float:
    """How common a word is (Zipf scale). wordfreq is imported on first use: loading it
    takes a quarter of a second, and most texts never ask."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


def _latin_place(text, key, tokens, index, width, settlements, latin_context) -> bool:
    """Is a Latin-script name in (mostly English) text a Bulgarian settlement?"""
    following = tokens[index + width] if index + width < len(tokens) else None
    if (
        following
        and following.text[0].isupper()
        and following.lower not in LATIN_PLACE_NOUNS
        # "Sofia, Plovdiv" and "Sliven.\nRoma" are lists and sentence ends, not full names.
        and text[tokens[index + width - 1].end : following.start] == " "
    ):
        return False  # "Sofia Jaramillo", "Vladimir Dedijer": a person
    if any(p.is_town for p in settlements):
        return latin_context or key not in FOREIGN_LATIN
    # A village's Latin name is often a word of the text's language or a first name ("German",
    # "Vladimir", "Bela"): English, German and French are the languages of most foreign news.
    return latin_context and all(
        _word_frequency(key, lang) < ENGLISH_WORD_ZIPF for lang in LATIN_NEWS_LANGUAGES
    )


def _derived_is_word(place: Place, token: Token, tokens: list[Token], index: int) -> bool:
    """A derived form that means something else here: "столицата Букурещ" (another capital,
    named in apposition), or a small town's adjective that is a common word ("опашки")."""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.lower in CAPITAL_FORMS and following and following.text[0].isupper():
        return True
    return not place.is_town and _word_frequency(token.lower, "bg") >= DERIVED_WORD_ZIPF


def _is_page_furniture(text: str, start: int, end: int, town: bool) -> bool:
    """A name glued to a number or a domain ("Plovdiv24.bg", "Сливен.бг") is a website; a
    village's name that is a common word followed by a colon is a label ("Източник:"), where
    a town's is a weather ticker or a headline ("Русе: +7", which names the town)."""
    after = text[end : end + 2]
    if after[:1].isdigit() or (after[:1] == "." and after[1:2].isalpha()):
        return True
    if after[:1] != ":" or town:
        return False
    return _word_frequency(text[start:end].lower(), "bg") >= COMMON_WORD_ZIPF


def _in_short_quotes(text: str, start: int, end: int) -> bool:
    """A name in a short quoted name ("ДГ „Детелина“", "читалище „Светлина 1922“",
    "ул. „Перущица“ 16"): schools, clubs, streets and the like. Settlements are not quoted;
    a long quoted span is speech, which can name places."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - QUOTED_NAME_CHARS) : start]
    opening = max(before.rfind(q) for q in OPENING_QUOTES)
    if opening == -1 or any(q in before[opening + 1 :] for q in CLOSING_QUOTES):
        return False
    rest = text[end : end + QUOTED_NAME_CHARS]
    closing = [i for i in (rest.find(q) for q in CLOSING_QUOTES) if i != -1]
    return bool(closing) and "\n" not in rest[: min(closing)]


@cache
def first_names() -> frozenset[str]:
    path = shipped_data() / "lexicons" / "first_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    names = {normalise_name(line) for line in lines if line.strip() and not line.startswith("#")}
    latin = {spelling for name in names for spelling in latin_variants(name)}  # "Vasil"
    return frozenset(names | latin)


def _first_name_like(surface: str) -> bool:
    """Whether a village's name is a first name ("Боряна") or starts with one ("Васил
    Левски"): as often a person as the village."""
    first = normalise_name(surface.split()[0])
    return first in first_names() or (is_latin(first) and fold_latin(first) in first_names())


def _longest_name(text, tokens, index, gazetteer) -> tuple[int, str, list, list] | None:
    """The longest gazetteer name (settlement or quarter) starting at token `index`."""
    token = tokens[index]
    latin = is_latin(token.text)  # a name starting in Latin script is Latin throughout
    for width in range(min(gazetteer.max_name_words, len(tokens) - index), 0, -1):
        surface = text[token.start : tokens[index + width - 1].end]
        if "\n" in surface:
            continue
        key = normalise_name(surface)
        settlements = gazetteer.by_name.get(key, [])
        quarters = gazetteer.quarters.get(key, [])
        if width == 2 and not (settlements or quarters) and " " in key:
            # A compound name written apart: "Зли дол" for Злидол.
            settlements = gazetteer.by_name.get(key.replace(" ", ""), [])
        if latin and not quarters:
            # Another spelling system than the gazetteer's ("Plowdiw", "Katuniţa").
            folded = key if key.isascii() else fold_latin(key)
            settlements = settlements or gazetteer.latin.get(folded, [])
            quarters = gazetteer.latin_quarters.get(folded, [])
        if settlements or quarters:
            return width, surface, settlements, quarters
    return None


def _close_latin_town(text, tokens, index, gazetteer) -> tuple[int, str, list, list] | None:
    """A town's Latin name spelt a little differently ("Veliko Turnov"), in text about
    Bulgaria: the closest spelling of a town with the same initial, if close enough."""
    choices = gazetteer.latin_towns_by_initial.get(tokens[index].lower[:1])
    if not choices:
        return None
    spellings = gazetteer.latin_town_spellings[tokens[index].lower[:1]]
    if _word_frequency(tokens[index].lower, "en") >= COMMON_WORD_ZIPF:
        return None  # "The", "Police": a common word opens no misspelt town's name
    for width in (2, 1):
        last = index + width - 1
        if last >= len(tokens) or not tokens[last].text[0].isupper():
            continue
        surface = text[tokens[index].start : tokens[last].end]
        if len(surface) < FUZZY_MIN_CHARS or "\n" in surface:
            continue
        best = process.extractOne(
            fold_latin(surface), spellings, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if best is not None:
            return width, surface, list(choices[best[0]]), []
    return None


def is_latin(surface: str) -> bool:
    """Whether a name is written in Latin script (not Cyrillic)."""
    return not CYRILLIC.search(surface)


def find_names(
    text: str,
    gazetteer: Gazetteer,
    tokens: list[Token] | None = None,
    context: str = "",
    in_bulgaria: bool = False,
    russian: bool = False,
) -> list[NameMatch]:
    """Every settlement the text names, directly, through a quarter, or by a derived word.

    `context` (the title, say) helps decide quarters whose names are ordinary words;
    `in_bulgaria` says the text is known to be about Bulgaria (a Bulgarian source), so Latin
    names like "Montana" mean the Bulgarian town; `russian` that the text is Russian, so
    "Софии" and "пловдивское" are the towns' case forms.
    """
    tokens = tokens if tokens is not None else tokenize(text)
    ambiguous = ambiguous_names()
    latin_context = in_bulgaria or mentions_bulgaria(text, context)
    matches: list[NameMatch] = []
    said = _Said(text, context)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        previous = tokens[index - 1].lower if index > 0 else ""
        derived = gazetteer.derived.get(token.lower)
        if derived is None and russian:
            derived = gazetteer.russian.get(token.lower)
            if derived and derived[1] == "name" and not token.text[0].isupper():
                derived = None
        if derived and previous not in SETTLEMENT_MARKERS:
            following = tokens[index + 1].lower if index + 1 < len(tokens) else ""
            # "Русенска област", "Варненско" and "хисарското село" are cues, not mentions;
            # "Софийският университет" is an institution's name.
            if (
                derived[1] != "region"
                and following not in PROVINCE_WORDS | MUNICIPALITY_WORDS | NOT_A_MENTION_BEFORE
                and previous not in NOT_A_SETTLEMENT_AFTER
                and not _derived_is_word(derived[0], token, tokens, index)
            ):
                place, _ = derived
                # "плевенското село Буковлък": the town only says where the village is.
                role = "landmark" if following in VILLAGE_WORDS else _role(tokens, index)
                if following in COUNCIL_WORDS:  # "Столичният общински съвет": an institution
                    role = "institution"
                matches.append(
                    NameMatch(token.text, token.start, token.end, (place,), False, role, "derived")
                )
            index += 1
            continue
        if not token.text[0].isupper():
            index += 1
            continue
        found = _longest_name(text, tokens, index, gazetteer)
        if found is None and latin_context and is_latin(token.text):
            found = _close_latin_town(text, tokens, index, gazetteer)
        if found is None:
            index += 1
            continue
        width, surface, settlements, quarters = found
        key = normalise_name(surface)
        end = tokens[index + width - 1].end
        following = tokens[index + width] if index + width < len(tokens) else None
        role = _role(tokens, index)
        index += width
        if previous in NOT_A_SETTLEMENT_AFTER or previous in PROVINCE_WORDS | MUNICIPALITY_WORDS:
            continue
        if (
            following
            and text[end : following.start].isspace()
            and (following.lower in PROVINCE_WORDS | MUNICIPALITY_WORDS)
        ):
            continue  # "Сливен област" names the province
        quarter_cue = previous in QUARTER_MARKERS or (
            following is not None and following.lower in LATIN_QUARTER_NOUNS
        )
        if quarters and settlements and not quarter_cue and previous not in SETTLEMENT_MARKERS:
            # A quarter's name that is also a village's: in a text naming the quarter's city
            # it is the quarter ("Аспарухово" in news from Варна).
            quarter_cue = _pick_quarter(quarters, said, gazetteer, True) is not None
        if quarter_cue or (quarters and not settlements):
            quarter = _pick_quarter(quarters, said, gazetteer, quarter_cue)
            if quarter is not None:
                matches.append(
                    NameMatch(
                        surface,
                        tokens[index - width].start,
                        end,
                        (quarter,),
                        True,
                        role,
                        "neighbourhood",
                    )
                )
            continue  # an unknown quarter is still not a settlement
        after_marker = previous in SETTLEMENT_MARKERS
        start = tokens[index - width].start
        if not after_marker:
            if _is_person(text, tokens, index - width, width) or previous in BYLINE_WORDS:
                continue
            town = any(p.is_town for p in settlements)
            if _is_page_furniture(text, start, end, town) or _in_short_quotes(text, start, end):
                continue
            confirmed = _confirmed_nearby(tokens, index, gazetteer)
            if key in ambiguous and not confirmed:
                continue
            if (
                not confirmed
                and previous not in IN_WORDS
                and _first_name_like(surface)
                and not any(p.is_town or p.is_municipal_centre for p in settlements)
            ):
                continue  # "Боряна е майка на...", "паметник на Васил Левски": a person
            if (
                _sentence_start(text, tokens, index - width)
                and not confirmed
                and not any(p.is_town for p in settlements)
                and _word_frequency(key, "bg") >= COMMON_WORD_ZIPF
            ):
                continue  # "Победа за отбора...": a word that happens to open the sentence
            if is_latin(surface) and not _latin_place(
                text, key, tokens, index - width, width, settlements, latin_context
            ):
                continue
        matches.append(
            NameMatch(
                surface, tokens[index - width].start, end, tuple(settlements), after_marker, role
            )
        )
    return matches


class _Said:
    """What a text (with its title) says, lower-cased once, and which towns it names:
    asked for every quarter's name, so each answer is kept for the rest of the text."""

    def __init__(self, text: str, context: str):
        self.text = f"{context}\n{text}".lower()
        self._latin: str | None = None
        self._named: dict[str, bool] = {}

    def names(self, parent: Place, gazetteer: Gazetteer) -> bool:
        known = self._named.get(parent.id)
        if known is None:
            known = self._named[parent.id] = self._names(parent, gazetteer)
        return known

    def _names(self, parent: Place, gazetteer: Gazetteer) -> bool:
        said = self.text
        if parent.name.lower() in said or any(
            form in said for form in _parent_forms(parent, gazetteer)
        ):
            return True
        if self._latin is None:  # folded only when a text in Latin script needs it
            self._latin = fold_latin(said) if not CYRILLIC.search(said[:200]) else ""
        return bool(self._latin) and any(v in self._latin for v in latin_variants(parent.name))


def _pick_quarter(quarters, said: _Said, gazetteer, after_marker) -> Place | None:
    """The quarter whose settlement the text also names; a plain-word name needs a marker."""
    if not quarters:
        return None
    named = [q for q in quarters if said.names(gazetteer.parent(q), gazetteer)]
    if named:
        return named[0] if after_marker or not named[0].needs_context else None
    if len(quarters) == 1 and not quarters[0].needs_context:
        return quarters[0]
    return None


def _parent_forms(parent: Place, gazetteer: Gazetteer) -> list[str]:
    return gazetteer.derived_by_place.get(parent.id, [])


def find_cues(text: str, gazetteer: Gazetteer, tokens: list[Token] | None = None) -> Cues:
    """Provinces and municipalities named: "област Сливен", "Сливенско", "община Гърмен"."""
    tokens = tokens if tokens is not None else tokenize(text)
    forms = _province_forms()
    names = _province_names()
    cues = Cues()
    for index, token in enumerate(tokens):
        if token.lower in forms:
            cues.provinces.add(forms[token.lower])
        derived = gazetteer.derived.get(token.lower)
        following = tokens[index + 1].lower if index + 1 < len(tokens) else ""
        if derived and following in {"село", "селище", "села", "селата"}:
            town = derived[0]  # "хисарското село": a village of the Хисаря municipality
            cues.municipalities.add(normalise_name(town.municipality or town.name))
            cues.provinces.add(town.province_code)
        previous = tokens[index - 1].lower if index > 0 else ""
        if previous not in PROVINCE_WORDS and previous not in MUNICIPALITY_WORDS:
            continue
        for width in (3, 2, 1):
            if index + width > len(tokens):
                continue
            name = normalise_name(text[token.start : tokens[index + width - 1].end])
            if previous in PROVINCE_WORDS and name in names:
                cues.provinces.add(names[name])
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
