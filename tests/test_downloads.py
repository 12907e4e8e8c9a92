"""The downloads page: every snapshot's files, whole or in ranges, with their SHA-256."""

import asyncio
import csv
import hashlib
import io
import json

import pytest
from test_open_dataset import add_story, place_id, publish

from romareact.downloads import Download, byte_range, send_file
from romareact.publish import set_publish_unreviewed
from romareact.serve import make_datasette
from romareact.snapshot import make_snapshot
from romareact.workspace import open_workspace


@pytest.fixture
def site(data_dir):
    workspace = open_workspace(data_dir)
    set_publish_unreviewed(workspace.newsroom, True, actor="test")
    for number, town in enumerate(("Сливен", "Ямбол", "Варна")):
        add_story(workspace.newsroom, number, f'Заглавие, с "кавички" {number}',
                  place_id(workspace.newsroom, town), f"2026-01-1{number}", "ученици")  # fmt: skip
    publish(workspace)
    first = make_snapshot(workspace.public, data_dir / "snapshots")
    add_story(workspace.newsroom, 9, "Още", place_id(workspace.newsroom, "Варна"), "2026-02-01")
    publish(workspace)
    latest = make_snapshot(workspace.public, data_dir / "snapshots")
    yield make_datasette(data_dir), first, latest
    workspace.close()


def get(datasette, path, **kwargs):
    return asyncio.run(datasette.client.get(path, **kwargs))


def test_every_file_of_every_snapshot_is_served_with_its_sha256(site):
    datasette, _, latest = site
    listing = get(datasette, "/downloads.json").json()["snapshots"]
    assert [s["version"] for s in listing] == [2, 1]
    kinds = [f["label"].split(" / ")[1] for f in listing[0]["files"]]
    assert kinds == ["SQLite database", "All events, CSV", "All events, GeoJSON",
                     "Changes since the previous, CSV"]  # fmt: skip
    for snapshot in listing:
        for entry in snapshot["files"]:
            response = get(datasette, f"/downloads/{entry['file']}")
            assert response.status_code == 200, entry
            assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
            assert int(response.headers["content-length"]) == entry["bytes"]
            assert response.headers["etag"] == f'"{entry["sha256"]}"'
            assert response.headers["accept-ranges"] == "bytes"
    assert listing[0]["sha256"] == latest["sha256"] == listing[0]["files"][0]["sha256"]
    page = get(datasette, "/downloads").text
    assert latest["sha256"] in page and f'href="/downloads/{latest["file"]}"' in page


def test_the_exports_hold_every_event_of_the_snapshot(site):
    datasette, _, latest = site
    rows = list(
        csv.DictReader(io.StringIO(get(datasette, f"/downloads/{latest['csv_path'].name}").text))
    )
    assert sorted(row["id"] for row in rows) == ["i0", "i1", "i2", "i9"]
    assert rows[-1]["title"] == 'Заглавие, с "кавички" 0'
    collection = get(datasette, f"/downloads/{latest['geojson_path'].name}").json()
    assert sorted(f["id"] for f in collection["features"]) == ["i0", "i1", "i2", "i9"]
    assert {"year", "tags", "title"} <= set(collection["features"][0]["properties"])


def test_ranges_resume_a_download(site):
    datasette, _, latest = site
    name = latest["path"].name
    whole = latest["path"].read_bytes()
    part = get(datasette, f"/downloads/{name}", headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    tail = get(datasette, f"/downloads/{name}", headers={"range": "bytes=-10"})
    assert tail.content == whole[-10:]
    rest = get(datasette, f"/downloads/{name}",
               headers={"range": "bytes=4000-", "if-range": f'"{latest["sha256"]}"'})  # fmt: skip
    assert rest.status_code == 206 and rest.content == whole[4000:]
    stale = get(datasette, f"/downloads/{name}", headers={"range": "bytes=10-", "if-range": '"x"'})
    assert stale.status_code == 200 and stale.content == whole
    beyond = get(datasette, f"/downloads/{name}", headers={"range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole)}"
    unchanged = get(
        datasette, f"/downloads/{name}", headers={"if-none-match": f'"{latest["sha256"]}"'}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""


def test_only_snapshot_files_are_served(site, data_dir):
    datasette, _, _ = site
    (data_dir / "snapshots" / "other.txt").write_text("not a snapshot")
    for name in ("other.txt", "..%2Fpublic.db", "..%2F..%2Fetc%2Fpasswd", "public.db"):
        assert get(datasette, f"/downloads/{name}").status_code == 404, name


def test_cite_and_the_database_page_link_to_downloads(site):
    datasette, _, _ = site
    assert 'href="/downloads"' in get(datasette, "/cite").text
    assert 'href="/downloads"' in get(datasette, "/public").text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-200", (90, 99)),
        ("bytes=100-", False),
        ("bytes=9-3", None),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header, expected):
    assert byte_range(header, 100) == expected


def test_a_big_file_goes_out_in_blocks_never_whole(tmp_path):
    path = tmp_path / "big.db"
    path.write_bytes(bytes(range(256)) * 8192)  # 2 MiB
    messages = []

    async def send(message):
        messages.append(message)

    download = Download(path.name, "sqlite", hashlib.sha256(path.read_bytes()).hexdigest(), 1)
    asyncio.run(send_file(send, path, {}, "GET", download))
    bodies = [m["body"] for m in messages[1:]]
    assert len(bodies) >= 8 and max(len(b) for b in bodies) <= 256 * 1024
    assert b"".join(bodies) == path.read_bytes()
    assert json.dumps(messages[0]["status"]) == "200"
