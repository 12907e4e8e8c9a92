"""Scale-out: two crawler processes share one Redis frontier; each page is fetched once."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import sqlite_utils

from romareact.demo_site import DemoSite, base_url, demo_sources, load_articles, serve_demo_site

REDIS_URL = os.environ.get("ROMAREACT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers(url: str) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class CountingSite(DemoSite):
    """The demo site, counting how often each page is requested."""

    def __init__(self):
        super().__init__()
        self.hits: list[str] = []
        self.lock = threading.Lock()

    def respond(self, path, base):
        with self.lock:
            self.hits.append(path)
        if path.endswith(".html"):
            time.sleep(0.6)  # slow enough that a second process has time to join in
        return super().respond(path, base)


@pytest.fixture(scope="module")
def shared_crawl(tmp_path_factory):
    if not _redis_answers(REDIS_URL):
        pytest.skip(f"needs a Redis server at {REDIS_URL} (.ci/run starts one)")
    data_dir = tmp_path_factory.mktemp("redis")
    site = CountingSite()
    server = serve_demo_site(site)
    sources = data_dir / "sources.toml"
    sources.write_text(demo_sources(base_url(server)), encoding="utf-8")
    run = f"test-{uuid.uuid4().hex[:8]}"
    command = [
        sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(data_dir),
        "--sources", str(sources), "--all", "--silent", "--redis", REDIS_URL, "--run", run,
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS=2",  # take two pages at a time from the shared queue
    ]  # fmt: skip
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    server.shutdown()
    server.server_close()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
    return {"data_dir": data_dir, "hits": site.hits, "outputs": [o for o, _ in outputs]}


def test_every_page_is_fetched_exactly_once(shared_crawl):
    hits = [path for path in shared_crawl["hits"] if path != "/robots.txt"]
    articles = [a.path for a in load_articles()]
    assert sorted(h for h in hits if h in articles) == sorted(articles)
    assert hits.count("/rss.xml") == 1
    assert hits.count("/regionalni/") == 1
    assert len(hits) == len(set(hits))


def test_every_item_is_stored_once(shared_crawl):
    items = list(sqlite_utils.Database(shared_crawl["data_dir"] / "newsroom.db")["items"].rows)
    assert len(items) == len(load_articles())
    assert len({item["canonical_url"] for item in items}) == len(items)


def test_both_processes_did_part_of_the_work(shared_crawl):
    stored = [
        int(output.split(": ")[1].split(" items stored")[0]) for output in shared_crawl["outputs"]
    ]
    assert sum(stored) == len(load_articles())
    assert all(count > 0 for count in stored), stored


def _romareact(*args):
    result = subprocess.run(
        [sys.executable, "-P", "-m", "romareact", *args], capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def handed_over(tmp_path_factory):
    """A crawler without the newsroom hands its items over; `collect` stores them."""
    if not _redis_answers(REDIS_URL):
        pytest.skip(f"needs a Redis server at {REDIS_URL} (.ci/run starts one)")
    import redis

    from crawlers import handoff

    url = REDIS_URL.rsplit("/", 1)[0] + "/7"  # a database of its own: the hand-off keys
    server = redis.from_url(url)
    server.delete(handoff.ITEMS, handoff.HEALTH, handoff.SOURCES, handoff.REJECTED, handoff.KNOWN)
    remote, newsroom = tmp_path_factory.mktemp("remote"), tmp_path_factory.mktemp("newsroom")
    site = serve_demo_site()
    sources = remote / "sources.toml"
    sources.write_text(demo_sources(base_url(site)), encoding="utf-8")
    crawl = ["crawl", "--data-dir", str(remote), "--sources", str(sources), "--all", "--silent",
             "--redis", url, "--hand-off", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False"]  # fmt: skip
    try:
        first = _romareact(*crawl, "--run", f"a-{uuid.uuid4().hex[:8]}")
        queued = server.llen(handoff.ITEMS)
        # A message that cannot be stored: it must not block the ones behind it.
        server.lpush(handoff.ITEMS, '{"row": {"id": "broken"}, "mentions": []}')
        # One written by hand, hostile: the collector sanitises again.
        forged = json.loads(server.lindex(handoff.ITEMS, 1))
        forged["row"].update(
            id="forged",
            canonical_url="https://forged.example/1",
            title="<script>alert(1)</script>Подправено",
            summary='<p onclick="x()">Текст<script>alert(2)</script></p>',
            guid_key=None,  # a story of its own, not the copied one under a new address
        )
        server.rpush(handoff.ITEMS, json.dumps(forged))
        collected = _romareact("collect", "--data-dir", str(newsroom), "--redis", url)
        again = _romareact("collect", "--data-dir", str(newsroom), "--redis", url)
        second = _romareact(*crawl, "--run", f"b-{uuid.uuid4().hex[:8]}")
    finally:
        site.shutdown()
        site.server_close()
    return {
        "remote": remote, "newsroom": newsroom, "first": first, "queued": queued,
        "collected": collected, "again": again, "second": second,
        "rejected": server.lrange(handoff.REJECTED, 0, -1),
    }  # fmt: skip


def test_a_handing_over_crawler_writes_no_items_of_its_own(handed_over):
    assert "34 items handed over" in handed_over["first"]
    assert handed_over["queued"] == 34
    assert sqlite_utils.Database(handed_over["remote"] / "newsroom.db")["items"].count == 0


def test_collect_stores_every_item_once_with_sources_and_health(handed_over):
    assert "collected 35 items (1 rejected" in handed_over["collected"]
    assert "2 new sources" in handed_over["collected"]
    assert "collected 0 items (0 rejected" in handed_over["again"]
    newsroom = sqlite_utils.Database(handed_over["newsroom"] / "newsroom.db")
    forged = newsroom["items"].get("forged")
    assert (forged["title"], forged["summary"]) == ("Подправено", "<p>Текст</p>")
    rows = [row for row in newsroom["items"].rows if row["id"] != "forged"]
    paths = sorted(row["url"].split("/", 3)[3] for row in rows)
    assert paths == sorted(a.path.lstrip("/") for a in load_articles())
    assert {row["id"] for row in newsroom["sources"].rows} >= {"demo-feed", "demo-regional"}
    health = {row["source_id"]: row for row in newsroom["source_health"].rows}
    assert health["demo-feed"]["entries_last"] == 20
    assert health["demo-regional"]["consecutive_failures"] == 0
    placed = newsroom.execute("select count(distinct item_id) from mentions").fetchone()[0]
    assert placed > 20
    assert newsroom.execute("select count(*) from items_fts").fetchone()[0] == 35
    newsroom.execute("insert into items_fts(items_fts) values ('integrity-check')")
    [rejected] = [json.loads(message) for message in handed_over["rejected"]]
    assert json.loads(rejected["message"])["row"] == {"id": "broken"}
    assert rejected["error"].startswith("KeyError")


def test_a_handing_over_crawler_does_not_fetch_known_articles_again(handed_over):
    assert "0 items handed over" in handed_over["second"]
    assert "34 known skipped" in handed_over["second"]
