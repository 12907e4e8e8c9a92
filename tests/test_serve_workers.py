"""`romareact serve --workers 2`: several server processes that behave as one site."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.synthetic import fill_public_database
from romareact.users import add_user
from romareact.workspace import open_workspace
from tests.local_servers import romareact_serve

PASSWORD = "a long editor password"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _children(parent: int) -> list[int]:
    """Process ids whose parent is `parent` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _server_pid(port: int) -> int:
    """The `romareact serve` process listening on this port (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and str(port).encode() in command:
            return int(entry.name)
    raise AssertionError("no serve process found")


def test_workers_share_sessions_csrf_and_data(tmp_path):
    workspace = open_workspace(tmp_path)
    add_user(workspace.newsroom, "maria", PASSWORD, "editor", actor="test")
    workspace.close()
    fill_public_database(tmp_path / "public.db", 200).close()
    env = {"ROMAREACT_SECRET": ""}  # none given: the workers must agree on one anyway
    with romareact_serve(tmp_path, env=env, args=("--workers", "2")) as base:
        port = urllib.parse.urlsplit(base).port
        workers = _children(_server_pid(port))
        assert len(workers) >= 2, workers
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        page = opener.open(base + "/-/login").read().decode()
        token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
        form = {"username": "maria", "password": PASSWORD, "csrftoken": token, "next": ""}
        try:
            opener.open(base + "/-/login", urllib.parse.urlencode(form).encode())
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302
        # Each request on a new connection: the workers take turns; every one knows her.
        for _ in range(20):
            assert opener.open(base + "/newsroom/-/queue").status == 200
            assert opener.open(base + "/public/events.json?_size=1").status == 200
        page = opener.open(base + "/-/logout").read().decode()
        token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
        try:
            opener.open(base + "/-/logout", urllib.parse.urlencode({"csrftoken": token}).encode())
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302
        # Signed out everywhere: whichever worker answers, the newsroom is closed.
        for _ in range(6):
            try:
                opener.open(base + "/newsroom/-/queue")
                raise AssertionError("the newsroom answered after signing out")
            except urllib.error.HTTPError as refused:
                assert refused.code == 403
