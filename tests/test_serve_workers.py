"""`romareact serve --workers 2`: several processes on one port that behave as one site.

An editor signs in on whichever worker answers and stays signed in on all of them; a decision
written through one worker reaches the public side; the map and the tables answer from all.
"""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
from local_servers import romareact_serve, server_processes
from test_open_dataset import add_story, place_id

from romareact.publish import export_public, refresh_events
from romareact.users import add_user
from romareact.workspace import open_workspace

PASSWORD = "a long editor password"


@pytest.fixture
def site(tmp_path, monkeypatch):
    # No configured secret: the workers must still agree on one.
    monkeypatch.delenv("ROMAREACT_SECRET", raising=False)
    workspace = open_workspace(tmp_path)
    newsroom = workspace.newsroom
    add_user(newsroom, "maria", PASSWORD, "editor", actor="test")
    add_story(
        newsroom, 1, "Училище в Сливен", place_id(newsroom, "Сливен"), "2026-11-01", "ученици"
    )
    add_story(newsroom, 2, "Клиника в Ямбол", place_id(newsroom, "Ямбол"), "2026-11-02", "клиника")
    refresh_events(newsroom)
    export_public(newsroom, workspace.public)
    workspace.close()
    with romareact_serve(tmp_path, args=("--workers", "2")) as base:
        yield base, tmp_path


class Visitor:
    """One person with a cookie jar; every request on a new connection."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode("utf-8", "replace")

    def post(self, path: str, fields: dict) -> int:
        _, page = self.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrftoken": token}).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _worker_processes(base: str) -> list[int]:
    """Process ids of the serving workers: the children of `romareact serve` that
    multiprocessing started."""
    processes = server_processes(urllib.parse.urlsplit(base).port)
    return [pid for pid, (command, _) in processes.items() if "spawn_main" in command]


def _cpu_ticks(base: str) -> dict[int, int]:
    return {
        pid: ticks for pid, (_, ticks) in server_processes(urllib.parse.urlsplit(base).port).items()
    }


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker processes in /proc")
def test_an_editor_stays_signed_in_across_workers_and_writes_through_them(site):
    base, data_dir = site
    workers = _worker_processes(base)
    assert len(workers) == 2, workers
    editor = Visitor(base)
    assert editor.post("/-/login", {"username": "maria", "password": PASSWORD}) == 302

    # Many requests at once, so that both workers answer; every one must know the editor.
    before = _cpu_ticks(base)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        paths = [f"/newsroom/items.json?_size=1&_nocache={n}" for n in range(60)]
        statuses = [status for status, _ in pool.map(editor.get, paths)]
    assert statuses == [200] * 60
    after = _cpu_ticks(base)
    assert all(after[pid] > before[pid] for pid in workers), "one worker answered all"

    # The anonymous public still cannot read the newsroom on any worker.
    stranger = Visitor(base)
    assert {stranger.get(f"/newsroom/items.json?_n={n}")[0] for n in range(10)} == {403}

    # Nothing is public before an editor decides. Both workers cache that page; then a
    # decision goes through one of them, and every worker must serve the new data.
    public_page = "/public/events.json?_shape=array&_col=review_status"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        before = [json.loads(body) for _, body in pool.map(stranger.get, [public_page] * 40)]
    assert before == [[]] * 40
    decision = {"item": "i1,i2", "decision": "approved"}
    assert editor.post("/newsroom/-/queue/decide", decision) == 302
    public = sqlite_utils.Database(data_dir / "public.db")
    assert {row["review_status"] for row in public["events"].rows} == {"approved"}
    public.close()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        after = [json.loads(body) for _, body in pool.map(stranger.get, [public_page] * 40)]
    assert [[row["review_status"] for row in rows] for rows in after] == [["approved"] * 2] * 40


def test_root_link_needs_one_worker(tmp_path):
    open_workspace(tmp_path).close()
    result = subprocess.run(
        [sys.executable, "-P", "-m", "romareact", "serve", "--data-dir", str(tmp_path),
         "--workers", "2", "--root"],
        capture_output=True, text=True, timeout=60, env=os.environ,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--root needs a single worker" in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker processes in /proc")
def test_stopping_the_server_stops_every_worker(tmp_path):
    open_workspace(tmp_path).close()
    with romareact_serve(tmp_path, args=("--workers", "2")) as base:
        workers = _worker_processes(base)
        assert len(workers) == 2
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_port_in_use_is_reported_once(tmp_path):
    open_workspace(tmp_path).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-P", "-m", "romareact", "serve", "--data-dir", str(tmp_path),
             "--port", str(port), "--workers", "2"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("the port is in use") == 1, result.stderr
