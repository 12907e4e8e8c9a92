"""`romareact backup` during a crawl, then `romareact restore`: a sound, consistent copy."""

import sqlite3
import subprocess
import sys
import time

import sqlite_utils
from click.testing import CliRunner

from romareact.cli import cli
from romareact.demo_site import DemoSite, base_url, demo_sources, serve_demo_site


class SlowSite(DemoSite):
    """The demo site with slow article pages, so a backup lands in the middle of a crawl."""

    def respond(self, path, base):
        if path.endswith(".html"):
            time.sleep(0.3)
        return super().respond(path, base)


def test_a_backup_taken_mid_crawl_restores_sound(tmp_path):
    data, restored = tmp_path / "data", tmp_path / "restored"
    server = serve_demo_site(SlowSite())
    sources = tmp_path / "sources.toml"
    sources.write_text(demo_sources(base_url(server)), encoding="utf-8")
    command = [sys.executable, "-P", "-m", "romareact", "crawl", "--data-dir", str(data),
               "--sources", str(sources), "--all", "--silent", "-s", "DOWNLOAD_DELAY=0",
               "-s", "AUTOTHROTTLE_ENABLED=False"]  # fmt: skip
    command += ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    crawl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        newsroom = data / "newsroom.db"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the crawl has written some items
            if newsroom.exists():
                try:
                    if sqlite_utils.Database(newsroom)["items"].count >= 3:
                        break
                except sqlite3.OperationalError:
                    pass  # the schema is being created
            time.sleep(0.2)
        result = CliRunner().invoke(cli, ["backup", "--data-dir", str(data)])
        still_crawling = crawl.poll() is None
        _, stderr = crawl.communicate(timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert crawl.returncode == 0, stderr[-2000:]
    assert still_crawling, "the backup should be taken while the crawl runs"
    [backup] = (data / "backups").iterdir()
    restore = CliRunner().invoke(cli, ["restore", str(backup), "--data-dir", str(restored)])
    assert restore.exit_code == 0, restore.output
    copy = sqlite_utils.Database(restored / "newsroom.db")
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    copy.execute("insert into items_fts(items_fts) values ('integrity-check')")
    finished = sqlite_utils.Database(data / "newsroom.db")["items"].count
    assert 3 <= copy["items"].count < finished  # one moment of the crawl, not its end
    # Every mention of the copy belongs to an item of the copy: nothing half-written.
    orphans = "select count(*) from mentions where item_id not in (select id from items)"
    assert copy.execute(orphans).fetchone()[0] == 0
    assert {"audit_log", "sources", "source_health"} <= set(copy.table_names())


def test_restore_refuses_what_is_not_a_sound_backup(tmp_path):
    broken = tmp_path / "backup"
    broken.mkdir()
    (broken / "newsroom.db").write_bytes(b"SQLite format 3\0" + b"\xff" * 5000)
    result = CliRunner().invoke(cli, ["restore", str(broken), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1 and "newsroom.db" in result.output
    assert not (tmp_path / "d" / "newsroom.db").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["restore", str(empty), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1 and "not a romareact backup" in result.output
