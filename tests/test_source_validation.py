"""A bad sources file is refused at load time with the file, source and field named."""

import pytest
from click.testing import CliRunner

from crawlers.health import HealthRecorder
from romareact.cli import cli
from romareact.db import open_newsroom
from romareact.sources import SourcesError, load_sources

GOOD = 'id = "s1"\nname = "S"\nkind = "feed"\nurl = "https://n.example/rss"\n'


def _load(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return load_sources(path), path


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("interval_minutes = 9223372036854775807", "'interval_minutes'"),
        ('interval_minutes = "often"', "'interval_minutes'"),
        ("interval_minutes = -5", "'interval_minutes'"),
        ("interval_minutes = 0", "'interval_minutes'"),
        ("interval_minutes = 1.5", "'interval_minutes'"),
        ("interval_minutes = true", "'interval_minutes'"),
        ('rules = "h2 a"', "'rules' must be a table"),
        ("rules = { links = 5 }", "'rules.links'"),
        ('rules = { link = "h2 a" }', "unknown rule 'rules.link'"),
        ('rules = { links = "a", max_pages = 100000 }', "'rules.max_pages'"),
        ("language = 5", "'language'"),
        ('homepage = "javascript:alert(1)"', "'homepage'"),
    ],
)
def test_bad_fields_are_named(tmp_path, extra, field):
    with pytest.raises(SourcesError) as error:
        _load(tmp_path, f"[[source]]\n{GOOD}{extra}\n")
    message = str(error.value)
    assert "sources.toml" in message and "source #1 (s1)" in message and field in message


def test_an_address_without_a_host_is_refused(tmp_path):
    with pytest.raises(SourcesError, match=r"'url' must be an http\(s\) URL with a host"):
        _load(tmp_path, f"[[source]]\n{GOOD.replace('https://n.example/rss', 'http:///feed.xml')}")


def test_source_must_be_an_array_of_tables(tmp_path):
    with pytest.raises(SourcesError, match="'source' must be an array of tables"):
        _load(tmp_path, 'source = "https://n.example/rss"\n')
    with pytest.raises(SourcesError, match=r"source #1 \(not a table\): must be a table"):
        _load(tmp_path, 'source = ["https://n.example/rss"]\n')


def test_good_sources_load(tmp_path):
    [source], _ = _load(tmp_path, f"[[source]]\n{GOOD}interval_minutes = 30\n")
    assert source.interval_minutes == 30


@pytest.mark.parametrize("interval", ["9223372036854775807", "-5", "99999999999999999999999"])
def test_sources_add_refuses_a_bad_interval_cleanly(tmp_path, interval):
    result = CliRunner().invoke(
        cli,
        ["sources", "add", "--data-dir", str(tmp_path), "--id", "s1", "--name", "S",
         "--url", "https://n.example/rss", "--interval", interval],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "interval" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, OverflowError)


def test_a_stored_bad_interval_does_not_break_health(tmp_path):
    db = open_newsroom(tmp_path / "n.db")
    for number, value in enumerate([9223372036854775807, -5, "often"]):
        db["sources"].insert({"id": f"s{number}", "name": "S", "kind": "feed",
                              "url": "https://n/", "interval_minutes": value})  # fmt: skip
        health = HealthRecorder(db)
        health.success(f"s{number}", 200, 1)
        health.failure(f"s{number}", "timeout")
        assert db["source_health"].get(f"s{number}")["next_due"]
