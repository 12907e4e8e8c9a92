"""A story's GUID as its identity beside the canonical URL (crawlers/identity.py)."""

import subprocess
import sys

import pytest
import sqlite_utils
from hostile_server import HostileServer

from crawlers.feeds import FeedEntry
from crawlers.identity import guid_key, resolve_story, usable_guids
from romareact.db import open_newsroom
from romareact.urls import item_id


def test_usable_guids_leave_out_shared_and_site_addresses():
    entries = [
        FeedEntry(title="A", guid="a1"),
        FeedEntry(title="A", guid="a1"),  # one story twice: still its identity
        FeedEntry(title="B", guid="same"),
        FeedEntry(title="C", guid="same"),  # two stories, one GUID: no identity
        FeedEntry(title="D", guid="https://n.example/"),  # the site itself
        FeedEntry(title="E", guid="https://n.example/feed.xml"),
        FeedEntry(title="F", guid=None),
    ]
    usable = usable_guids("s1", entries, "https://n.example/feed.xml")
    assert usable == {"a1": guid_key("s1", "a1")}
    assert guid_key("s1", "a1") != guid_key("s2", "a1")  # GUIDs are per source


def _row(url, key):
    return {"id": item_id(url), "canonical_url": url, "guid_key": key}


def _insert(db, url, key):
    db["items"].insert(
        {"id": item_id(url), "url": url, "canonical_url": url, "guid_key": key,
         "fetched": "2026-01-01", "status": "new"}
    )  # fmt: skip


def test_resolve_story(tmp_path):
    db = open_newsroom(tmp_path / "n.db")
    _insert(db, "https://n/old-slug", "k1")
    # A new slug under the same GUID: the same item.
    assert resolve_story(db, _row("https://n/new-slug", "k1"))["id"] == item_id(
        "https://n/old-slug"
    )
    # A known URL keeps its item; a GUID another item holds is not taken from it.
    _insert(db, "https://n/other", None)
    resolved = resolve_story(db, _row("https://n/other", "k1"))
    assert resolved == {**_row("https://n/other", None), "id": item_id("https://n/other")}
    assert resolve_story(db, _row("https://n/fresh", "k2"))["id"] == item_id("https://n/fresh")
    with pytest.raises(sqlite_utils.utils.sqlite3.IntegrityError):
        _insert(db, "https://n/third", "k1")  # the unique partial index


def test_a_changed_slug_across_crawls_is_one_item(tmp_path):
    server = HostileServer()
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "slug"\nname = "S"\nkind = "feed"\nurl = "{server.base}/slug.xml"\n'
    )
    command = [sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp_path),
               "--sources", str(sources), "--silent", "--all"]  # fmt: skip
    command += ["-s", "DOWNLOAD_DELAY=0"]
    newsroom = tmp_path / "newsroom.db"
    seen = []
    try:
        # The second crawl knows the story by its GUID and skips the page; the third
        # fetches it again at its new address and stores it into the same item.
        for extra in ([], [], ["-s", "ROMAREACT_REFETCH_KNOWN=1"]):
            result = subprocess.run(command + extra, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr[-2000:]
            seen.append(
                [(i["title"], i["url"]) for i in sqlite_utils.Database(newsroom)["items"].rows]
            )
    finally:
        server.stop()
    assert server.hits.count("/slug.xml") == 3
    story = "Историята с нов адрес"
    assert seen == [
        [(story, f"{server.base}/a/story-v1")],
        [(story, f"{server.base}/a/story-v1")],
        [(story, f"{server.base}/a/story-v3")],
    ]
