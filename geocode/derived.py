"""Words derived from town names: adjectives (сливенски) and inhabitants (пловдивчани).

Bulgarian builds them by rules with many exceptions; the exceptions below are the usual forms
for the larger towns. A generated form that the language does not use simply never matches.
"""

from __future__ import annotations

ADJECTIVE_ENDINGS = ("и", "а", "ия", "ият", "ата", "ото", "ите")
# Town -> adjective stem, where the rules below would get it wrong.
ADJECTIVE_STEMS = {
    "русе": "русенск", "търговище": "търговищк", "добрич": "добричк", "хисаря": "хисарск",
    "силистра": "силистренск", "дупница": "дупнишк", "гоце делчев": "гоцеделчевск",
    "враца": "врачанск", "лом": "ломск", "бяла": "бялск", "нови пазар": "новопазарск",
    "велики преслав": "преславск", "горна оряховица": "горнооряховск",
}  # fmt: skip
# Town -> plural inhabitants noun (and singular forms), the usual spellings.
INHABITANTS = {
    "софия": ("софиянци", "софиянец", "софиянка"),
    "пловдив": ("пловдивчани", "пловдивчанин", "пловдивчанка"),
    "варна": ("варненци", "варненец", "варненка"),
    "бургас": ("бургазлии", "бургазлия", "бургазлийка"),
    "русе": ("русенци", "русенец", "русенка"),
    "стара загора": ("старозагорци", "старозагорец", "старозагорка"),
    "плевен": ("плевенчани", "плевенчанин", "плевенчанка"),
    "сливен": ("сливналии", "сливналия", "сливналийка"),
    "добрич": ("добричлии", "добричлия", "добричанка"),
    "шумен": ("шуменци", "шуменец", "шуменка"),
    "перник": ("перничани", "перничанин", "перничанка"),
    "хасково": ("хасковлии", "хасковлия", "хасковлийка"),
    "ямбол": ("ямболии", "ямболия", "ямболийка"),
    "пазарджик": ("пазарджиклии", "пазарджиклия", "пазарджиклийка"),
    "благоевград": ("благоевградчани", "благоевградчанин", "благоевградчанка"),
    "велико търново": ("търновци", "търновец", "търновка"),
    "враца": ("врачани", "врачанин", "врачанка"),
    "габрово": ("габровци", "габровец", "габровка"),
    "видин": ("видинчани", "видинчанин", "видинчанка"),
    "казанлък": ("казанлъчани", "казанлъчанин", "казанлъчанка"),
    "кюстендил": ("кюстендилци", "кюстендилец", "кюстендилка"),
    "кърджали": ("кърджалийци", "кърджалиец", "кърджалийка"),
    "монтана": ("монтанчани", "монтанчанин", "монтанчанка"),
    "ловеч": ("ловчанлии", "ловчанлия", "ловчанка"),
    "силистра": ("силистренци", "силистренец", "силистренка"),
    "разград": ("разградчани", "разградчанин", "разградчанка"),
    "търговище": ("търговищенци", "търговищенец", "търговищенка"),
    "смолян": ("смолянчани", "смолянчанин", "смолянчанка"),
    "асеновград": ("асеновградчани", "асеновградчанин", "асеновградчанка"),
    "дупница": ("дупничани", "дупничанин", "дупничанка"),
    "самоков": ("самоковци", "самоковец", "самоковка"),
    "димитровград": ("димитровградчани", "димитровградчанин", "димитровградчанка"),
}
# Stems whose forms mostly mean something else: "троянски кон", the club "Левски", the
# Romance languages ("романски"), the mountain and the river ("Рилския манастир", "искърски").
EXCLUDED_STEMS = {"троянск", "левск", "бялск", "ломск", "романск", "рилск", "искърск"}
# The capital is named by its role as often as by its name.
CAPITAL = "софия"
CAPITAL_FORMS = (
    "столицата", "столичния", "столичният", "столичната", "столичното", "столичните",
    "столичен", "столична", "столично", "столични",
)  # fmt: skip
# Russian case endings of a town's name: Софии, Пловдива, Варне, Бургасом.
RUSSIAN_A_ENDINGS = ("ы", "е", "у", "ой")  # Варна -> Варны, Варне, Варну, Варной
RUSSIAN_CONSONANT_ENDINGS = ("а", "е", "у", "ом")  # Пловдив -> Пловдива, Пловдиве...
RUSSIAN_CAPITAL_FORMS = ("столице", "столицы", "столицу", "столицей", "столичный", "столичной")
RUSSIAN_ADJECTIVE_ENDINGS = ("ий", "ая", "ое", "ие", "ого", "ой", "ом", "ую", "их", "ым", "ими")
_SOFTENED = {"к": "ш", "ч": "ш", "г": "ж", "х": "ш"}
_VOWELS = "аяоеиуъю"


def _single_stem(word: str) -> str:
    if word.endswith("ски"):  # Левски -> левски, левския
        return word[:-1]
    if word.endswith(("ия", "ие")):  # София -> софийски, Поморие -> поморийски
        return word[:-1] + "йск"
    if word.endswith(("ени", "ини")):  # Павликени -> павликенски
        return word[:-1] + "ск"
    if word.endswith("и"):  # Харманли -> харманлийски
        return word + "йск"
    if word.endswith("ище"):  # Панагюрище -> панагюрски
        return word[:-3] + "ск"
    if word.endswith("на") and word[-3] not in _VOWELS:  # Каварна -> каварненски
        return word[:-1] + "енск"
    if word.endswith(("ово", "ево")):
        return word[:-1] + "ск"
    if word[-1] in "аяоеи":
        word = word[:-1]
    if word[-1] in _SOFTENED:
        return word[:-1] + _SOFTENED[word[-1]] + "к"
    if word.endswith("ц"):
        return word[:-1] + "чанск"
    if word.endswith("с"):
        return word + "к"
    return word + "ск"


def adjective_stem(name: str) -> str:
    """The stem of the town's adjective: "Стара Загора" -> "старозагорск"."""
    name = name.lower()
    if name in ADJECTIVE_STEMS:
        return ADJECTIVE_STEMS[name]
    words = name.split()
    if len(words) == 2:
        first = words[0][:-1] if words[0][-1] in "аяоеи" else words[0]
        return first + "о" + _single_stem(words[1])
    return _single_stem(name)


def derived_forms(name: str) -> dict[str, str]:
    """Every derived form of a town, mapped to "adjective", "region" or "inhabitant"."""
    stem = adjective_stem(name)
    forms = {}
    if stem not in EXCLUDED_STEMS:
        forms = {stem + ending: "adjective" for ending in ADJECTIVE_ENDINGS}
        forms[stem + "о"] = "region"  # "Сливенско": the area around the town, not the town
    for form in INHABITANTS.get(name.lower(), ()):
        forms[form] = "inhabitant"
    if name.lower() == CAPITAL:
        forms.update(dict.fromkeys(CAPITAL_FORMS, "adjective"))
    return forms


def russian_forms(name: str) -> dict[str, str]:
    """A town's name in Russian cases and its Russian adjective ("пловдивское").

    Bulgarian does not decline names, so these forms say nothing wrong in Bulgarian text."""
    lower = name.lower()
    if " " in lower or lower[-1] in "оеиую":  # Габрово, Русе: not declined in Russian
        return {}
    forms = {}
    if lower.endswith("ия"):  # София -> Софии, Софию, Софией
        forms = dict.fromkeys((lower[:-1] + "и", lower[:-1] + "ю", lower[:-1] + "ей"), "name")
    elif lower[-1] in "ая":
        forms = {lower[:-1] + ending: "name" for ending in RUSSIAN_A_ENDINGS}
    elif lower[-1] not in _VOWELS:
        forms = {lower + ending: "name" for ending in RUSSIAN_CONSONANT_ENDINGS}
    stem = adjective_stem(name)
    if stem not in EXCLUDED_STEMS:
        forms.update({stem + ending: "adjective" for ending in RUSSIAN_ADJECTIVE_ENDINGS})
    if lower == CAPITAL:
        forms.update(dict.fromkeys(RUSSIAN_CAPITAL_FORMS, "adjective"))
    return forms
