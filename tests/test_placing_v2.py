"""Placing real news: derived words, neighbourhoods, things that only look like places,
foreign text, editors' corrections and the optional Nominatim fallback."""

import importlib.util
import json
import sys
import time
import tomllib
from pathlib import Path

import pytest
from werkzeug import Response

from geocode.corrections import add_correction
from geocode.derived import adjective_stem
from geocode.gazetteer import Gazetteer
from geocode.geocoder import Geocoder
from geocode.importers import ensure_embedded
from geocode.nominatim import NominatimFallback
from geocode.resolve import find_places
from romareact import db
from romareact.analysis import Analyzer


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """A newsroom with the embedded gazetteer and the neighbourhoods."""
    path = tmp_path_factory.mktemp("gaz") / "newsroom.db"
    database = db.open_newsroom(path)
    ensure_embedded(database)
    return database


@pytest.fixture(scope="module")
def gazetteer(newsroom):
    return Gazetteer.from_db(newsroom)


def _names(text, gazetteer, **kwargs):
    return [(m.place.name, m.place.province) for m in find_places(text, gazetteer, **kwargs)]


@pytest.mark.parametrize(
    ("town", "adjective"),
    [
        ("Сливен", "сливенски"),
        ("Пловдив", "пловдивски"),
        ("Перник", "пернишки"),
        ("Стара Загора", "старозагорски"),
        ("Велико Търново", "великотърновски"),
        ("Варна", "варненски"),
        ("София", "софийски"),
        ("Враца", "врачански"),
        ("Казанлък", "казанлъшки"),
        ("Кърджали", "кърджалийски"),
        ("Габрово", "габровски"),
    ],
)
def test_adjective_stems(town, adjective):
    assert adjective_stem(town) + "и" == adjective


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Побой в сливенския квартал.", [("Сливен", "Сливен")]),
        ("Пловдивчани протестираха в парка.", [("Пловдив", "Пловдив")]),
        ("Варненци почистиха плажа.", [("Варна", "Варна")]),
        ("Безработицата в Русенска област спадна.", []),  # a province, not the town
        ("Протест във Варненско.", []),  # the region around the town
        ("Софийският университет отбеляза годишнина.", []),  # an institution's name
    ],
)
def test_derived_words(gazetteer, text, expected):
    assert _names(text, gazetteer) == expected


def test_a_village_of_the_towns_municipality(full_gazetteer):
    # The adjective names the town as well (the real set's label rule), and the village is
    # placed in that town's municipality.
    text = "Хисарското село Старосел посреща туристи."
    assert _names(text, full_gazetteer) == [("Хисаря", "Пловдив"), ("Старосел", "Пловдив")]


@pytest.mark.parametrize(
    ("text", "quarter", "town"),
    [
        ("Столипиново остана без ток.", "Столипиново", "Пловдив"),
        ("Жителите на квартал „Надежда“ в Сливен протестираха.", "Надежда", "Сливен"),
        ("Във варненския квартал Максуда отвори център.", "Максуда", "Варна"),
        ("Roma families in Stolipinovo, Plovdiv, lack water.", "Столипиново", "Пловдив"),
    ],
)
def test_neighbourhoods_point_to_their_settlement(gazetteer, text, quarter, town):
    [mention] = [m for m in find_places(text, gazetteer) if m.neighbourhood]
    assert (mention.neighbourhood.name, mention.place.name) == (quarter, town)
    assert mention.as_dict()["neighbourhood"] == quarter


@pytest.mark.parametrize(
    "text",
    [
        "Надежда за промяна няма.",  # a plain word that names a quarter of Sliven
        "Жителите на квартал „Изгрев“ настояват за площадка.",  # an unknown quarter
    ],
)
def test_quarter_names_need_their_town(gazetteer, text):
    assert _names(text, gazetteer) == []


def test_an_unknown_quarter_is_not_a_village(full_gazetteer):
    # Изгрев is also eight villages; after "квартал" it is a part of Sliven.
    assert _names("В квартал „Изгрев“ в Сливен има нова площадка.", full_gazetteer) == [
        ("Сливен", "Сливен")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Нивото на река Искър се покачи.",
        "Според вестник „Труд“ бюджетът е готов.",
        "Партия Свобода внесе предложение.",
        "Борис Михайлов откри турнира.",
        "Победа за отбора! Феновете празнуваха.",
    ],
)
def test_things_that_only_look_like_places(full_gazetteer, text):
    assert _names(text, full_gazetteer) == []


def test_a_month_at_the_start_of_a_sentence_and_a_town_after_it(full_gazetteer):
    text = "Септември започна с горещини. В Септември, Пазарджишко, беше 35 градуса."
    assert _names(text, full_gazetteer) == [("Септември", "Пазарджик")]


@pytest.mark.parametrize(
    "text",
    [
        "The governor of Montana signed a water law in Helena.",
        "A project from photographer Sofia Jaramillo opened in New York.",
        "A book by Vladimir Dedijer on the German question.",
    ],
)
def test_latin_names_in_foreign_english_news(full_gazetteer, text):
    assert _names(text, full_gazetteer) == []


def test_a_bulgarian_sources_english_text_means_bulgarian_places(gazetteer):
    text = "Roma school mediators in Montana halved the drop-out rate."
    assert _names(text, gazetteer) == []
    assert _names(text, gazetteer, in_bulgaria=True) == [("Монтана", "Монтана")]


def test_texts_in_neighbouring_languages_name_no_bulgarian_village(full_gazetteer):
    text = "Ромите од Шуто Оризари бараат подобри услови, изјави претставник во Скопје."
    assert _names(text, full_gazetteer, lang="mk") == []


def test_roma_neighbourhood_makes_a_text_relevant(gazetteer):
    result = Analyzer(gazetteer).analyze("Столипиново остана без ток за два дни.")
    assert result.roma_related


@pytest.mark.parametrize(
    "text",
    [
        "Familiile de romi din cartier au protestat în fața primăriei.",
        "Romi iz naselja traže bolje uslove stanovanja.",
        "Ромите од населбата бараат подобри услови за школување.",
    ],
)
def test_relevance_in_neighbouring_languages(gazetteer, text):
    assert Analyzer(gazetteer).analyze(text).roma_related


def test_corrections_change_later_resolutions(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    ensure_embedded(newsroom)
    text = "Празник в Китен, Бургаска област."
    assert _names(text, Gazetteer.from_db(newsroom)) == [("Китен", "Бургас")]
    varna_kiten = next(
        p for p in Gazetteer.from_db(newsroom).candidates("Китен") if p.province == "Варна"
    )
    # In texts about Burgas province, an editor says "Китен" is the other one (say, a typo).
    add_correction(newsroom, "Китен", varna_kiten.id, province_code="BG-02", actor="ана")
    assert _names(text, Gazetteer.from_db(newsroom)) == [("Китен", "Варна")]
    # Elsewhere the correction does not apply.
    assert _names("Празник в Китен край Приморско.", Gazetteer.from_db(newsroom)) == [
        ("Китен", "Бургас"),
        ("Приморско", "Бургас"),
    ]
    add_correction(newsroom, "Приморско", None, actor="ана")  # "not a place", everywhere
    assert _names("Празник в Китен край Приморско.", Gazetteer.from_db(newsroom)) == [
        ("Китен", "Бургас")
    ]
    audit = [row["actor"] for row in newsroom["audit_log"].rows_where("action = 'place.corrected'")]
    assert audit == ["ана", "ана"]


def test_a_correction_can_teach_a_new_name(tmp_path):
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    ensure_embedded(newsroom)
    burgas = next(p for p in Gazetteer.from_db(newsroom).candidates("Бургас"))
    add_correction(newsroom, "Бургазко", burgas.id)
    assert _names("Събор в Бургазко.", Gazetteer.from_db(newsroom)) == [("Бургас", "Бургас")]


NOMINATIM_ANSWER = [
    {
        "place_id": 1,
        "osm_id": 42,
        "lat": "42.7",
        "lon": "25.5",
        "display_name": "Измислено, България",
    }
]


def test_nominatim_fallback_is_cached_rate_limited_and_identifies_itself(
    httpserver, tmp_path, monkeypatch
):
    monkeypatch.setenv("ROMAREACT_CONTACT", "editors@example.org")
    seen = []

    def answer(request):
        seen.append((time.monotonic(), request.args.get("q"), request.headers["User-Agent"]))
        assert request.args.get("countrycodes") == "bg"
        body = NOMINATIM_ANSWER if request.args.get("q") == "Измислено" else []
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/search").respond_with_handler(answer)
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    ensure_embedded(newsroom)
    fallback = NominatimFallback(newsroom, domain=f"127.0.0.1:{httpserver.port}", scheme="http")
    geocoder = Geocoder(Gazetteer.from_db(newsroom), fallback=fallback)

    assert geocoder.geocode("Сливен").address.startswith("Сливен")  # the gazetteer answers
    found = geocoder.geocode("Измислено")
    assert (found.latitude, found.longitude) == (42.7, 25.5)
    assert geocoder.geocode("Никъде") is None
    again = geocoder.geocode("Измислено")
    assert again.address == found.address
    assert [q for _, q, _ in seen] == ["Измислено", "Никъде"]  # the repeat came from the cache
    assert seen[1][0] - seen[0][0] >= 0.95  # at most one request per second
    assert seen[0][2].startswith("romareact/") and "editors@example.org" in seen[0][2]
    assert newsroom["geocode_cache"].count == 2


def test_geocoder_without_fallback_never_goes_online(gazetteer):
    assert Geocoder(gazetteer).geocode("Измислено") is None


def _load_benchmark():
    """benchmarks/ is not installed; load the module from the repository."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "geoparse.py"
    spec = importlib.util.spec_from_file_location("geoparse_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_dev_set_quality_does_not_regress(full_gazetteer):
    """The development set: a regression guard, not a target (see benchmarks/geoparse.py)."""
    bench = _load_benchmark()
    texts = tomllib.loads(bench.DEV_SET.read_text(encoding="utf-8"))["text"]
    ours = bench.score(bench.Romareact(full_gazetteer), texts, full_gazetteer)
    naive = bench.score(bench.NaiveBaseline(full_gazetteer), texts, full_gazetteer)
    assert ours["settlement precision"] >= 0.95 and ours["settlement recall"] >= 0.9
    assert ours["primary accuracy"] >= 0.9 and ours["namesake accuracy"] >= 0.95
    assert ours["relevance precision"] >= 0.95 and ours["relevance recall"] >= 0.95
    assert ours["settlement F1"] > naive["settlement F1"]


def test_editors_move_and_rename_a_neighbourhood(tmp_path):
    from click.testing import CliRunner

    from romareact.cli import cli

    data_dir = str(tmp_path)
    runner = CliRunner()
    found = runner.invoke(cli, ["places", "search", "Надежда, Сливен", "--data-dir", data_dir])
    assert found.exit_code == 0, found.output
    quarter_id = found.output.split("\t")[0]
    assert quarter_id.startswith("quarter:") and "Надежда, Сливен" in found.output
    edited = runner.invoke(
        cli,
        ["places", "edit", quarter_id, "--lat", "42.671", "--add-name", "Надеждата",
         "--editor", "мила", "--data-dir", data_dir],
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    gazetteer = Gazetteer.from_db(newsroom)
    quarter = gazetteer.places[quarter_id]
    assert quarter.lat == 42.671 and "Надеждата" in quarter.alt_names
    [mention] = find_places("Протест в квартал „Надеждата“ в Сливен.", gazetteer)
    assert mention.neighbourhood.id == quarter_id
    entry = next(newsroom["audit_log"].rows_where("action = 'place.edited'"))
    assert entry["actor"] == "мила" and '"lat": 42.671' in entry["after"]
    outside = runner.invoke(
        cli, ["places", "edit", quarter_id, "--lat", "48", "--data-dir", data_dir]
    )
    assert outside.exit_code == 1 and "outside Bulgaria" in outside.output
