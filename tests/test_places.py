"""Finding settlements in text, choosing the right namesake and the primary place."""

import pytest

from geocode.geocoder import Geocoder
from geocode.resolve import find_places


def _placed(text, gazetteer, title=None):
    return [
        (m.place.name, m.place.province, m.primary) for m in find_places(text, gazetteer, title)
    ]


def _primary(text, gazetteer, title=None):
    primary = [m for m in find_places(text, gazetteer, title) if m.primary]
    assert len(primary) == 1
    return primary[0].place.name, primary[0].place.province


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Медиатори посетиха семействата в Китен, Бургаска област.", ("Китен", "Бургас")),
        ("Медиатори посетиха семействата в Китен край Приморско.", ("Китен", "Бургас")),
        ("Ремонтират пътя в село Китен, община Провадия.", ("Китен", "Варна")),
        ("Наводнение в Дунавци, Видинско.", ("Дунавци", "Видин")),
        ("Нова детска градина в Дунавци край Казанлък.", ("Дунавци", "Стара Загора")),
        ("Нова детска градина в Дунавци, област Стара Загора.", ("Дунавци", "Стара Загора")),
    ],
)
def test_namesakes_follow_the_context(embedded_gazetteer, text, expected):
    assert _primary(text, embedded_gazetteer) == expected


def test_an_undecided_namesake_gets_a_low_confidence(embedded_gazetteer):
    [mention] = find_places("Празник в Китен.", embedded_gazetteer)
    decided = find_places("Празник в Китен, Бургаска област.", embedded_gazetteer)[0]
    assert mention.confidence < 0.5 < decided.confidence


def test_offsets_point_at_the_surface(embedded_gazetteer):
    text = "В петък в Сливен и във Велико Търново бяха открити нови центрове."
    for mention in find_places(text, embedded_gazetteer):
        assert text[mention.start : mention.end] == mention.surface
    assert [m.place.name for m in find_places(text, embedded_gazetteer)] == [
        "Сливен",
        "Велико Търново",
    ]


def test_one_entry_per_settlement_counting_repeats(embedded_gazetteer):
    text = "Сливен посрещна гостите. В Сливен има и други събития. Ямбол също участва."
    mentions = find_places(text, embedded_gazetteer)
    assert [(m.place.name, m.count) for m in mentions] == [("Сливен", 2), ("Ямбол", 1)]
    assert [m.primary for m in mentions] == [True, False]


@pytest.mark.parametrize(
    "text",
    [
        "Роман Петров спечели наградата.",  # a first name, also a town in Vratsa province
        "Бяла къща в центъра.",  # an adjective, also towns in Ruse and Varna
        "Рила и Пирин са планини.",
        "Изборите бяха спечелени от партия Свобода.",
        "сливен е написано с малка буква.",
    ],
)
def test_words_that_are_not_places(embedded_gazetteer, text):
    assert _placed(text, embedded_gazetteer) == []


def test_ambiguous_names_count_after_a_settlement_marker(embedded_gazetteer):
    assert _placed("Пожар в гр. Роман.", embedded_gazetteer) == [("Роман", "Враца", True)]


def test_province_names_are_cues_not_settlements(embedded_gazetteer):
    assert _placed("Засегнати са селата в област Сливен.", embedded_gazetteer) == []


def test_title_decides_the_primary_place(embedded_gazetteer):
    text = "Министерството в София обяви програмата. Първите семейства са от Ямбол."
    assert _primary(text, embedded_gazetteer, title="Нова програма в Ямбол") == ("Ямбол", "Ямбол")


def test_a_landmark_is_not_the_primary_place(embedded_gazetteer):
    assert _primary("Пожар в Енина край Казанлък.", embedded_gazetteer) == ("Енина", "Стара Загора")


def test_english_text_with_latin_names(embedded_gazetteer):
    assert _primary("Roma families in Sliven protested on Monday.", embedded_gazetteer) == (
        "Сливен",
        "Сливен",
    )


def test_full_gazetteer_uses_municipality_cues(full_gazetteer):
    text = "Ромски деца от село Огняново, община Гърмен, получиха нови учебници."
    [mention] = find_places(text, full_gazetteer)
    assert (mention.place.name, mention.place.municipality) == ("Огняново", "Гърмен")
    text = "Ромски деца от Огняново край Пазарджик получиха учебници."
    assert _primary(text, full_gazetteer) == ("Огняново", "Пазарджик")


def test_geocoder_is_geopy_compatible(embedded_gazetteer):
    geocoder = Geocoder(embedded_gazetteer)
    location = geocoder.geocode("Китен, Варна")
    assert location.address == "Китен, Варна"
    assert (round(location.latitude, 2), round(location.longitude, 2)) == (43.08, 27.32)
    assert location.raw["kind"] == "settlement"
    both = geocoder.geocode("Китен", exactly_one=False)
    assert {loc.raw["province"] for loc in both} == {"Бургас", "Варна"}
    assert geocoder.geocode("Атлантида") is None
