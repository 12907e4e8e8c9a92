"""Relevance v1: Bulgarian and English forms, and the traps."""

import pytest

from romareact.language import detect_language
from romareact.relevance import score_text

RELEVANT = [
    "Ромите от квартала излязоха на протест.",
    "Общината откри център за ромски деца.",
    "Ромската общност в града настоява за ремонт.",
    "Жителите на циганската махала останаха без ток.",
    "Двама рома бяха задържани след спор в кафене.",
    "Ромкиня стана първата лекарка от квартала.",
    "Roma families in the settlement face eviction this winter.",
    "The report documents antigypsyism in schools.",
]
IRRELEVANT = [
    "Барманът предложи коктейл с тъмен ром и лайм.",
    "АС Рома победи Лацио в дербито на Рим.",
    "Роман Петров издаде нов роман за Рим.",
    "Общинският съвет прие бюджета за следващата година.",
    "Циганско лято: двадесет градуса в средата на ноември.",
    "AS Roma beat Lazio at the Stadio Olimpico in Rome.",
    "The Romanian government announced new roads.",
]


@pytest.mark.parametrize("text", RELEVANT)
def test_relevant_texts(text):
    result = score_text(text)
    assert result.roma_related, result


@pytest.mark.parametrize("text", IRRELEVANT)
def test_traps_are_not_relevant(text):
    result = score_text(text)
    assert not result.roma_related, result


def test_title_weighs_more_than_a_passing_mention():
    body = "Общината обсъди ремонта на улиците. " * 80 + "Сред жителите има и роми."
    passing = score_text(body)
    headline = score_text(body, title="Ромите от квартала искат ремонт")
    assert headline.score > passing.score
    assert not passing.roma_related
    assert headline.roma_related


def test_scores_sort_by_strength():
    weak = score_text("В селото живеят роми.")
    strong = score_text(
        "Ромите от махалата протестираха. Ромската общност иска интеграция и край на "
        "дискриминацията на ромските деца."
    )
    assert 0 < weak.score < strong.score <= 1


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ромите от квартала излязоха на протест срещу спирането на тока.", "bg"),
        ("Roma families in the settlement face eviction this winter.", "en"),
        ("Familiile de romi din cartier au protestat în fața primăriei și au cerut apă.", "ro"),
        ("Ромите од населбата бараат вода и струја, рече ѓаконот.", "mk"),
        ("!!!", "und"),
    ],
)
def test_language(text, lang):
    assert detect_language(text) == lang
