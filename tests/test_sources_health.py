"""Sources: the shipped list, the sources commands, health with backoff, conditional GET."""

import datetime as dt
import subprocess
import sys

import click
import pytest
import sqlite_utils
from click.testing import CliRunner
from werkzeug import Response

from crawlers.health import DISABLE_AFTER_FAILURES, HealthRecorder
from romareact import db
from romareact.cli import cli, parse_duration
from romareact.sources import load_sources, register_sources, sources_to_crawl


def test_the_shipped_sources_are_many_real_and_valid():
    sources = load_sources()
    assert len(sources) >= 30
    assert {s.kind for s in sources} <= {"feed", "listing"}
    assert all(s.url.startswith(("http://", "https://")) for s in sources)
    assert {"national", "regional", "roma-org", "institution"} <= {s.category for s in sources}
    assert len({s.id for s in sources}) == len(sources)


@pytest.fixture
def newsroom(tmp_path):
    database = db.open_newsroom(tmp_path / "newsroom.db")
    database["sources"].insert(
        {"id": "s1", "name": "S", "kind": "feed", "url": "https://s.example/rss",
         "interval_minutes": 30}
    )  # fmt: skip
    return database


def test_failures_back_off_exponentially_then_disable_the_source(newsroom):
    health = HealthRecorder(newsroom)
    dues = []
    for _ in range(DISABLE_AFTER_FAILURES - 1):
        health.failure("s1", "HTTP 503", 503)
        dues.append(newsroom["source_health"].get("s1")["next_due"])
    assert dues == sorted(dues) and len(set(dues)) == len(dues)  # each wait longer
    assert newsroom["sources"].get("s1")["enabled"] == 1
    health.failure("s1", "HTTP 503", 503)
    assert newsroom["sources"].get("s1")["enabled"] == 0
    reason = newsroom["source_health"].get("s1")["disabled_reason"]
    assert (
        reason.startswith(f"disabled after {DISABLE_AFTER_FAILURES} failures") and "503" in reason
    )
    assert sources_to_crawl(newsroom, everything=True) == []


def test_a_success_resets_the_count_and_keeps_validators(newsroom):
    health = HealthRecorder(newsroom)
    health.failure("s1", "timeout")
    health.success("s1", 200, 12, bozo=True, etag='"v1"', last_modified="Fri, 20 Nov 2026")
    row = newsroom["source_health"].get("s1")
    assert (row["consecutive_failures"], row["entries_last"], row["bozo_warnings"]) == (0, 12, 1)
    assert health.validators("s1") == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Fri, 20 Nov 2026",
    }
    health.success("s1", 304, 0)  # not modified: the validators stay
    assert health.validators("s1")["If-None-Match"] == '"v1"'
    assert newsroom["source_health"].get("s1")["entries_last"] == 12  # and so do its entries
    assert sources_to_crawl(newsroom) == []  # polled just now: not due
    assert [s["id"] for s in sources_to_crawl(newsroom, everything=True)] == ["s1"]


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Ромите в Сливен</title><link>{link}</link></item></channel></rss>"""


def test_conditional_get_spares_an_unchanged_feed(httpserver, tmp_path):
    def feed(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        body = RSS.format(link=httpserver.url_for("/a/1"))
        return Response(body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/rss").respond_with_handler(feed)
    httpserver.expect_request("/a/1").respond_with_data(
        "<html><body><article><p>Текст.</p></article></body></html>", content_type="text/html"
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "t"\nname = "T"\nkind = "feed"\nurl = "{httpserver.url_for("/rss")}"\n'
    )
    command = [
        sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp_path / "d"),
        "--sources", str(sources), "--all", "-s", "DOWNLOAD_DELAY=0",
    ]  # fmt: skip
    for _ in range(2):
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
    statuses = [(request.path, response.status_code) for request, response in httpserver.log]
    assert statuses.count(("/rss", 200)) == 1 and statuses.count(("/rss", 304)) == 1
    assert statuses.count(("/a/1", 200)) == 1  # the article was not fetched twice either
    health = sqlite_utils.Database(tmp_path / "d" / "newsroom.db")["source_health"].get("t")
    assert (health["last_status"], health["consecutive_failures"]) == (304, 0)
    assert health["entries_last"] == 1


def test_a_server_asking_for_a_long_pause_is_waited_for_not_failed(newsroom):
    health = HealthRecorder(newsroom)
    for _ in range(6):  # more than enough to disable a failing source
        health.waiting("s1", 3600, 503)
    row = newsroom["source_health"].get("s1")
    assert row["consecutive_failures"] == 0 and "3600 s" in row["notice"]
    assert newsroom["sources"].get("s1")["enabled"] == 1
    waited = dt.datetime.fromisoformat(row["next_due"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < waited <= dt.timedelta(hours=1)
    health.waiting("s1", 10**12, 429)  # a hostile value: bounded by a day
    waited = dt.datetime.fromisoformat(newsroom["source_health"].get("s1")["next_due"])
    assert waited - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
    health.success("s1", 200, 3)
    assert newsroom["source_health"].get("s1")["notice"] is None


def test_sources_add_list_and_check(tmp_path):
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    added = runner.invoke(
        cli,
        ["sources", "add", "--id", "sliven-net", "--name", "Sliven.net", "--kind", "listing",
         "--url", "https://sliven.net/news/", "--links", "h2 a::attr(href)", *data],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["sources", "list", *data])
    assert "sliven-net" in listed.output and "bta" in listed.output  # shipped ones too
    checked = runner.invoke(cli, ["sources", "check", *data])
    assert checked.exit_code == 0 and "never crawled" in checked.output
    newsroom = db.open_newsroom(tmp_path / "newsroom.db")
    HealthRecorder(newsroom).failure("sliven-net", "HTTP 404 from https://sliven.net/news/", 404)
    checked = runner.invoke(cli, ["sources", "check", *data])
    assert checked.exit_code == 1
    assert "FAILING" in checked.output and "HTTP 404" in checked.output
    bad = runner.invoke(
        cli, ["sources", "add", "--id", "x", "--name", "X", "--kind", "listing",
              "--url", "https://x.example/", *data],
    )  # fmt: skip
    assert bad.exit_code == 1 and "rules.links" in bad.output


def test_the_health_report_is_a_view_for_editors(newsroom):
    register_sources(newsroom, load_sources())
    assert "source_health_report" in newsroom.view_names()
    rows = list(newsroom.query("select id, enabled from source_health_report"))
    assert len(rows) == newsroom["sources"].count


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("90s", 90)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30", "m", "-5m", "2x"])
def test_bad_durations(text):
    with pytest.raises(click.BadParameter):
        parse_duration(text)
