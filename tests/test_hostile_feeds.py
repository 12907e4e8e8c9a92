"""Hostile input against a local server: each source misbehaves its own way, and the good
source is still crawled, nothing hangs, nothing is corrupted."""

import datetime as dt
import subprocess
import sys
import time

import pytest
import sqlite_utils
from hostile_server import HostileServer

HOSTILE = [
    "malformed", "html", "empty", "bomb", "xxe", "cp1251", "cp1251bare", "cp1251lie",
    "cp1252lie", "author", "big", "gzipbomb",
    "loop", "stall", "drop", "cut", "dupguid", "sameguid", "oneguid", "busy", "tofile",
    "reset", "toolong", "huge", "escaped",
]  # fmt: skip


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("hostile")
    server = HostileServer()
    sources = [("good", f"{server.base}/good.xml")]
    sources += [(name, f"{server.base}/{name}.xml") for name in HOSTILE if name != "loop"]
    sources += [("loop", f"{server.base}/loop"), ("nodns", "http://no-such-host.invalid/rss")]
    toml = "".join(
        f'[[source]]\nid = "{sid}"\nname = "{sid}"\nkind = "feed"\nurl = "{url}"\n\n'
        for sid, url in sources
    )
    (data_dir / "sources.toml").write_text(toml, encoding="utf-8")
    settings = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": "429,503",
        "ROMAREACT_MAX_RETRY_AFTER": 30,
        "DOWNLOAD_TIMEOUT": 3,
        "DOWNLOAD_MAXSIZE": 3_500_000,
        "ROMAREACT_MAX_ARTICLES_PER_SOURCE": 20,
    }
    command = [sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(data_dir)]
    command += ["--sources", str(data_dir / "sources.toml"), "--silent"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    started = time.monotonic()
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=240,
    )
    server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    health = {row["source_id"]: row for row in newsroom["source_health"].rows}
    items = list(newsroom["items"].rows)
    return {
        "result": result,
        "health": health,
        "items": items,
        "hits": server.hits,
        "times": server.times,
        "started": started,
    }


def _items(crawl, source):
    return [item for item in crawl["items"] if item["source_id"] == source]


def test_the_good_source_is_crawled_despite_the_others(crawl):
    titles = sorted(item["title"] for item in _items(crawl, "good"))
    assert titles == ["Ромите в Сливен", "Ромите в Ямбол"]
    assert all(item["full_text"] for item in _items(crawl, "good"))
    assert crawl["health"]["good"]["consecutive_failures"] == 0


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("html", "HTML page"),
        ("empty", "no feed entries"),
        ("big", ""),
        ("gzipbomb", ""),
        ("loop", ""),
        ("stall", ""),
        ("drop", ""),
        ("cut", "cut short"),
        ("tofile", "redirecting to file:///etc/passwd: not followed (not a web address)"),
        ("reset", "Connection"),
        ("nodns", ""),
    ],
)
def test_broken_sources_are_flagged_with_a_reason(crawl, source, error):
    health = crawl["health"][source]
    assert health["consecutive_failures"] == 1, health
    assert error in health["last_error"]
    assert not _items(crawl, source)


def test_a_malformed_feed_is_read_as_far_as_possible_and_flagged(crawl):
    health = crawl["health"]["malformed"]
    assert health["bozo_warnings"] == 1
    assert [i["title"] for i in _items(crawl, "malformed")] == ["Счупен фийд"]


def test_entity_expansion_is_bounded_and_external_entities_are_not_read(crawl):
    for item in _items(crawl, "bomb") + _items(crawl, "xxe"):
        assert len(item["title"] or "") < 1000
        assert "root:" not in (item["title"] or "") + (item["summary"] or "")


def test_a_misdeclared_windows_1251_feed_is_decoded(crawl):
    assert [i["title"] for i in _items(crawl, "cp1251")] == ["Ромите от Лом"]


@pytest.mark.parametrize(
    ("source", "title"),
    [
        ("cp1251bare", "Ромите от Сливен"),
        ("cp1251lie", "Ромите от Ямбол"),
        ("cp1252lie", "Ромите от Видин"),
    ],
)
def test_an_undeclared_or_lying_windows_1251_feed_is_decoded(crawl, source, title):
    assert [i["title"] for i in _items(crawl, source)] == [title]


def test_a_windows_1251_article_page_under_a_utf8_header_is_decoded(crawl):
    [item] = _items(crawl, "cp1251bare")
    assert "Ромските семейства от квартала в Сливен" in item["full_text"]


def test_a_megabyte_author_is_cut_and_costs_no_more(crawl):
    [item] = _items(crawl, "author")
    assert item["title"] == "Дълъг автор"
    assert len(item["author"]) <= 200


def test_a_title_escaped_twice_is_stored_as_plain_text(crawl):
    [item] = _items(crawl, "escaped")
    assert "<" not in item["title"] and "onerror" not in item["title"]
    assert item["title"].startswith("Ромите") and item["title"].endswith("в Бяла")


def test_the_same_story_under_two_guids_is_stored_once(crawl):
    assert len(_items(crawl, "dupguid")) == 1


def test_one_guid_listed_twice_is_one_item(crawl):
    titles = sorted(i["title"] for i in _items(crawl, "sameguid"))
    assert titles == ["Друга история", "Една история"]


def test_a_guid_on_every_entry_identifies_nothing_and_loses_nothing(crawl):
    assert len(_items(crawl, "oneguid")) == 3
    assert all(item["guid_key"] is None for item in _items(crawl, "oneguid"))


def test_a_huge_feed_is_capped_and_does_not_starve_the_others(crawl):
    assert len(_items(crawl, "huge")) == 1000  # every entry kept
    pages = [moment for path, moment in crawl["times"] if path.startswith("/a/h")]
    assert len(pages) == 20  # only its share of article pages
    assert "capped: 20" in crawl["health"]["huge"]["notice"]
    # Every feed was asked for before the huge feed's article pages (retries aside), but for
    # the two connections a host gets at once: the last feed and the first pages can be in
    # flight together and reach the server in either order.
    first = {}
    for path, moment in crawl["times"]:
        first.setdefault(path, moment)
    last_feed = max(moment for path, moment in first.items() if path.endswith(".xml"))
    assert sum(moment < last_feed for moment in pages) <= 2
    # The healthy feed's article pages come early: within a bound far below the minutes a
    # 10,000-item feed took when it queued ahead (the stalled feeds time out after 3 s).
    good_pages = [moment - crawl["started"] for path, moment in crawl["times"]
                  if path in ("/a/1", "/a/2")]  # fmt: skip
    assert len(good_pages) == 2 and max(good_pages) < 60, good_pages


def test_a_file_url_source_is_refused(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nid = "f"\nname = "F"\nkind = "feed"\nurl = "file:///etc/passwd"\n'
    )
    result = subprocess.run(
        [sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp_path),
         "--sources", str(sources)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1 and "http(s) URL" in result.stderr


def test_retry_after_is_honoured(crawl):
    times = [moment for path, moment in crawl["times"] if path == "/busy.xml"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert [i["title"] for i in _items(crawl, "busy")] == ["Зает"]
    assert crawl["health"]["busy"]["consecutive_failures"] == 0


def test_a_server_asking_for_too_long_a_pause_is_left_for_later(crawl):
    assert crawl["hits"].count("/toolong.xml") == 1
    health = crawl["health"]["toolong"]
    # Busy is not broken: no failure counted, the next attempt when the server asked.
    assert health["consecutive_failures"] == 0 and "503" in health["notice"]
    waited = dt.datetime.fromisoformat(health["next_due"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=23) < waited <= dt.timedelta(hours=24)
