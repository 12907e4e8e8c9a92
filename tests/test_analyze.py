"""`romareact analyze` follows the interface of the brief exactly."""

import json

from click.testing import CliRunner

from romareact.cli import cli

PLACE_KEYS = {"name", "lat", "lon", "province", "start", "end", "surface", "confidence", "primary"}


def _run(data_dir, lines):
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return CliRunner().invoke(cli, ["analyze", "--data-dir", str(data_dir)], input=stdin)


def test_output_shape_and_values(data_dir):
    text = (
        "Община Провадия ремонтира пътя до ромската махала на село Китен. Жителите на Китен чакат."
    )
    result = _run(data_dir, [{"id": "a1", "title": "Ремонт в Китен", "text": text},
                             {"id": 7, "text": "Барманът наля ром."}])  # fmt: skip
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert list(first) == ["id", "roma_related", "relevance", "lang", "places"]
    assert first["id"] == "a1" and first["roma_related"] is True and first["lang"] == "bg"
    assert 0.5 <= first["relevance"] <= 1
    [place] = first["places"]
    assert set(place) == PLACE_KEYS  # the embedded gazetteer has no municipalities
    assert (place["name"], place["province"], place["primary"]) == ("Китен", "Варна", True)
    assert text[place["start"] : place["end"]] == place["surface"] == "Китен"
    assert second == {"id": 7, "roma_related": False, "relevance": 0.0, "lang": "bg", "places": []}


def test_municipality_appears_when_known(data_dir, postal_file):
    imported = CliRunner().invoke(
        cli, ["gazetteer", "import", str(postal_file), "--data-dir", str(data_dir)]
    )
    assert imported.exit_code == 0, imported.output
    result = _run(
        data_dir, [{"id": 1, "text": "Ромите в село Огняново, община Гърмен, протестираха."}]
    )
    [place] = json.loads(result.output)["places"]
    assert (place["name"], place["municipality"], place["province"]) == (
        "Огняново",
        "Гърмен",
        "Благоевград",
    )


def test_one_entry_per_distinct_settlement_with_one_primary(data_dir):
    text = "В Сливен и Ямбол. После пак в Сливен, а след това в Нова Загора."
    [result] = [
        json.loads(line)
        for line in _run(data_dir, [{"id": 1, "text": text}]).output.split("\n")
        if line
    ]
    names = [p["name"] for p in result["places"]]
    assert names == ["Сливен", "Ямбол", "Нова Загора"]
    assert sum(p["primary"] for p in result["places"]) == 1


def test_bad_lines_are_reported_and_the_rest_is_analysed(data_dir):
    stdin = (
        '{"id": 1, "text": "Ромите от Сливен."}\nnot json\n{"text": "no id"}\n'
        '{"id": 2, "text": 5}\n{"id": 3, "text": "Ямбол"}\n'
    )
    result = CliRunner().invoke(cli, ["analyze", "--data-dir", str(data_dir)], input=stdin)
    assert result.exit_code == 1
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == [1, 3]
    assert "line 2: skipped" in result.stderr
    assert "line 3: skipped" in result.stderr
    assert "line 4: skipped" in result.stderr
