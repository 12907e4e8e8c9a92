"""A crawl killed half-way leaves a sound database, and the next crawl completes it."""

import signal
import sqlite3
import subprocess
import sys
import time

from romareact.demo_site import DemoSite, base_url, demo_sources, load_articles, serve_demo_site


class SlowSite(DemoSite):
    def respond(self, path, base):
        if path.endswith(".html"):
            time.sleep(0.3)  # long enough to kill the crawl in the middle
        return super().respond(path, base)


def _count(path) -> int:
    try:
        with sqlite3.connect(path, timeout=30) as conn:
            return conn.execute("select count(*) from items").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_a_killed_crawl_resumes_without_duplicates_or_damage(tmp_path):
    server = serve_demo_site(SlowSite())
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_sources(base_url(server)), encoding="utf-8")
    database = tmp_path / "data" / "newsroom.db"
    command = [
        sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(tmp_path / "data"),
        "--sources", str(sources), "--all", "--silent", "-s", "DOWNLOAD_DELAY=0",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=2",
    ]  # fmt: skip
    crawl = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _count(database) < 5:
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.1)
    crawl.send_signal(signal.SIGKILL)  # no chance to clean up
    crawl.wait()
    stored_before = _count(database)
    assert 5 <= stored_before < len(load_articles())
    with sqlite3.connect(database) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    server.shutdown()
    server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(database) as conn:
        urls = [row[0] for row in conn.execute("select canonical_url from items")]
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert len(urls) == len(set(urls)) == len(load_articles())
    # The second crawl did not fetch again what the first had stored.
    assert f"{stored_before} known skipped" in result.stdout
