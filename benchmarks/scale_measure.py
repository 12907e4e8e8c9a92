"""One measurement of benchmarks/scale.py on a built newsroom, with whatever romareact is
importable (so the same measurement runs against another source tree: its folder first on
PYTHONPATH). Run as a script, not as a module of this package, for that reason:

    PYTHONPATH=/old/checkout python benchmarks/scale_measure.py NAME DATA_DIR

Prints one JSON line: {"name": figure, ...} (seconds, or an HTTP status).
Only the interfaces both old and new trees have are used: write_item, write_transaction,
index_pending_items, refresh_events, export_public, make_datasette and the CLI.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PASSWORD = "scale benchmark password"
EDITOR = "bench"
SOURCES = 200
ROMA_SHARE = 0.2
ITEMS_PER_DAY = 5000
_WORDS = [
    "общината",
    "съобщи",
    "днес",
    "нова",
    "програма",
    "за",
    "жилища",
    "ремонт",
    "на",
    "училището",
    "в",
    "квартала",
    "родители",
    "деца",
    "учители",
    "кмет",
    "съветници",
    "среща",
    "протест",
    "вода",
    "ток",
    "улици",
    "болница",
    "лекари",
    "медиатор",
    "заетост",
    "работа",
    "обучение",
    "младежи",
    "стипендии",
    "фестивал",
    "култура",
    "читалище",
    "полиция",
    "съд",
    "решение",
    "срок",
    "средства",
    "проект",
    "европейски",
    "фонд",
    "министерство",
    "област",
    "село",
    "град",
    "махала",
    "жители",
    "семейства",
    "подписка",
    "петиция",
    "дарение",
    "помощ",
    "храна",
    "зима",
    "отопление",
    "транспорт",
]
_ROMA_WORDS = ["ромски", "роми", "ромската", "общност", "ромите", "ромска", "махала"]


def item_rows(number: int, places: list[str], now: datetime, size: int) -> tuple[dict, list]:
    """The items row and mentions of synthetic item `number`, as the pipelines store them.

    Every tenth item retells an earlier story (another outlet, a few words changed), so
    clustering finds it; ROMA_SHARE of them are Roma-related ("new"), the rest irrelevant.
    """
    from romareact.urls import item_id

    story = number - 7 if number % 10 == 0 and number > 10 else number
    rng = random.Random(story)
    roma = rng.random() < ROMA_SHARE
    words = [rng.choice(_WORDS) for _ in range(60)]
    if roma:
        words[5:5] = rng.sample(_ROMA_WORDS, 2)
    if story != number:  # a rewrite: two words changed
        other = random.Random(number)
        for _ in range(2):
            words[other.randrange(len(words))] = other.choice(_WORDS)
    source = f"src{number % SOURCES:03d}"
    canonical = f"https://{source}.example/news/{number}"
    # Items arrive ITEMS_PER_DAY a day: the newest, the highest number, today.
    fetched = now - timedelta(seconds=(size - number) * 86400 / ITEMS_PER_DAY)
    key = item_id(canonical)
    place = places[rng.randrange(len(places))]
    row = {
        "id": key,
        "source_id": source,
        "url": canonical,
        "canonical_url": canonical,
        "guid": canonical,
        "title": " ".join(words[:8]).capitalize(),
        "summary": None,
        "full_text": " ".join(words),
        "author": None,
        "published": fetched.replace(microsecond=0).isoformat(),
        "published_raw": None,
        "date_flag": None,
        "fetched": fetched.replace(microsecond=0).isoformat(),
        "language": "bg",
        "relevance": round(0.5 + rng.random() / 2, 3) if roma else round(rng.random() / 4, 3),
        "roma_related": int(roma),
        "status": "new" if roma else "irrelevant",
        "content_hash": f"h{story}-{number}",
        "analysed_at": fetched.replace(microsecond=0).isoformat(),
    }
    mentions = [
        {"item_id": key, "place_id": place, "start": 40, "end": 46, "surface": "място",
         "confidence": 0.9, "is_primary": 1}
    ]  # fmt: skip
    return row, mentions


def settlement_ids(newsroom) -> list[str]:
    return [r[0] for r in newsroom.execute("select id from places where kind = 'settlement'")]


def store(newsroom, numbers, size: int, batch: int = 100) -> float:
    """Write these items through write_item in StorePipeline's batches; seconds taken."""
    from crawlers.pipelines import write_item
    from romareact.db import write_transaction

    places = settlement_ids(newsroom)
    now = datetime.now(UTC)
    rows = [item_rows(n, places, now, size) for n in numbers]
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        with write_transaction(newsroom):
            for row, mentions in rows[start : start + batch]:
                write_item(newsroom, row, mentions)
    return time.perf_counter() - started


def _size(newsroom) -> int:
    return newsroom.execute("select max(rowid) from items").fetchone()[0]


def measure_store(data_dir: Path) -> dict:
    """Storing 100 new items and re-crawling 100 stored ones, per item."""
    from romareact.workspace import open_workspace

    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    size = _size(newsroom)
    base = 10_000_000 + int(time.time()) % 1_000_000 * 10
    # Not timed: the first writes to a freshly copied file read its pages from disk; a
    # crawler's newsroom is in the page cache.
    store(newsroom, range(base + 500, base + 600), size)
    new = store(newsroom, range(base, base + 100), size)
    again = store(newsroom, range(1000, 1100), size)
    return {"store_new_ms": new * 10, "store_recrawl_ms": again * 10}


def measure_crawl_publish(data_dir: Path) -> dict:
    """A crawl of 2,000 items, then a publish: refresh_events and export_public."""
    from romareact.db import index_pending_items
    from romareact.publish import export_public, refresh_events
    from romareact.workspace import open_workspace

    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    base = 20_000_000 + int(time.time()) % 1_000_000 * 10
    store(newsroom, range(base, base + 2000), _size(newsroom))
    index_pending_items(newsroom)
    started = time.perf_counter()
    refresh_events(newsroom)
    refreshed = time.perf_counter()
    export_public(newsroom, workspace.public)
    done = time.perf_counter()
    return {
        "crawl_refresh_s": refreshed - started,
        "crawl_export_s": done - refreshed,
        "crawl_publish_s": done - started,
    }


def measure_refresh(data_dir: Path) -> dict:
    """refresh_events after a re-crawl of 100 items of approved stories."""
    from romareact.publish import refresh_events
    from romareact.workspace import open_workspace

    workspace = open_workspace(data_dir)
    newsroom = workspace.newsroom
    refresh_events(newsroom)  # whatever an earlier step left
    urls = [
        r[0]
        for r in newsroom.execute(
            "select canonical_url from items where id in "
            "(select item_id from events order by rowid limit 100)"
        )
    ]
    numbers = [int(u.rsplit("/", 1)[1]) for u in urls if re.search(r"/\d+$", u)]
    store(newsroom, numbers, _size(newsroom))
    started = time.perf_counter()
    refresh_events(newsroom)
    return {"refresh_s": time.perf_counter() - started}


class Editor:
    """One signed-in editor of an in-process Datasette, keeping cookies."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.cookies: dict[str, str] = {}

    def _keep(self, response):
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    async def get(self, path):
        return self._keep(await self.datasette.client.get(path, cookies=self.cookies))

    async def post(self, path, data):
        page = (await self.get("/-/login")).text
        token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
        return self._keep(
            await self.datasette.client.post(
                path, data={**data, "csrftoken": token}, cookies=self.cookies
            )
        )

    async def login(self):
        response = await self.post("/-/login", {"username": EDITOR, "password": PASSWORD})
        assert response.status_code == 302, f"login failed: {response.status_code}"


def _datasette(data_dir: Path):
    from romareact.serve import make_datasette

    return make_datasette(data_dir)


def measure_approval(data_dir: Path) -> dict:
    """One editor approves one old item in the queue: the HTTP POST, until it answers."""
    import sqlite_utils

    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    item = newsroom.execute(
        "select id from items where status = 'new' order by rowid limit 1 offset 50"
    ).fetchone()[0]
    newsroom.close()

    async def run():
        datasette = _datasette(data_dir)
        editor = Editor(datasette)
        await editor.login()
        await editor.get("/newsroom/-/queue")
        started = time.perf_counter()
        response = await editor.post(
            "/newsroom/-/queue/decide", {"item": item, "decision": "approved"}
        )
        return time.perf_counter() - started, response.status_code

    seconds, status = asyncio.run(run())
    return {"approval_s": seconds, "approval_status": status}


_QUEUE_PATHS = [
    "/newsroom/-/queue",
    "/newsroom/-/queue?offset=100",
    "/newsroom/-/queue?offset=300",
    "/newsroom/-/queue?status=approved",
    "/newsroom/-/queue?status=all",
    "/newsroom/-/queue?source=src007",
]


def _queue(data_dir: Path, editors: int, requests: int) -> tuple[list[float], list[int]]:
    async def one(editor: Editor, paths: list[str], times: list, statuses: list):
        for path in paths:
            started = time.perf_counter()
            response = await editor.get(path)
            times.append(time.perf_counter() - started)
            statuses.append(response.status_code)

    async def run():
        datasette = _datasette(data_dir)
        crowd = [Editor(datasette) for _ in range(editors)]
        for editor in crowd:
            await editor.login()
        await crowd[0].get("/newsroom/-/queue")  # warm up
        times, statuses = [], []
        paths = [_QUEUE_PATHS[i % len(_QUEUE_PATHS)] for i in range(requests)]
        await asyncio.gather(*(one(e, paths, times, statuses) for e in crowd))
        return times, statuses

    return asyncio.run(run())


def _percentiles(prefix: str, times: list[float], statuses: list[int]) -> dict:
    times = sorted(times)
    return {
        f"{prefix}_p50_s": statistics.median(times),
        f"{prefix}_p95_s": times[min(len(times) - 1, int(len(times) * 0.95))],
        f"{prefix}_errors": sum(s != 200 for s in statuses),
    }


def measure_queue1(data_dir: Path) -> dict:
    return _percentiles("queue1", *_queue(data_dir, 1, 24))


def measure_queue10(data_dir: Path) -> dict:
    return _percentiles("queue10", *_queue(data_dir, 10, 12))


def measure_pages(data_dir: Path) -> dict:
    """The source health page's time, and every newsroom page's HTTP status."""
    import sqlite_utils

    newsroom = sqlite_utils.Database(data_dir / "newsroom.db")
    item = newsroom.execute("select item_id from events order by rowid desc limit 1").fetchone()[0]
    newsroom.close()

    async def run():
        datasette = _datasette(data_dir)
        editor = Editor(datasette)
        await editor.login()
        started = time.perf_counter()
        response = await editor.get("/newsroom/-/sources")
        result = {"sources_page_s": time.perf_counter() - started,
                  "sources_page_status": response.status_code}  # fmt: skip
        for name, path in (
            ("queue", "/newsroom/-/queue"),
            ("item", f"/newsroom/-/item/{item}"),
            ("users", "/newsroom/-/users"),
            ("audit", "/newsroom/audit_log?_sort_desc=id"),
        ):
            response = await editor.get(path)
            result[f"{name}_page_status"] = response.status_code
        return result

    return asyncio.run(run())


def measure_sources_check(data_dir: Path) -> dict:
    """`romareact sources check`, in this process (its exit status 1 means failing sources)."""
    from click.testing import CliRunner

    from romareact.cli import cli

    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["sources", "check", "--data-dir", str(data_dir)])
    return {
        "sources_check_s": time.perf_counter() - started,
        "sources_check_exit": result.exit_code,
    }


MEASUREMENTS = {
    "store": measure_store,
    "crawl_publish": measure_crawl_publish,
    "approval": measure_approval,
    "refresh": measure_refresh,
    "queue1": measure_queue1,
    "queue10": measure_queue10,
    "pages": measure_pages,
    "sources_check": measure_sources_check,
}


if __name__ == "__main__":
    name, directory = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(MEASUREMENTS[name](directory)))
