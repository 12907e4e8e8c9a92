"""Backups of the newsroom and public databases, consistent while crawls and editors write.

`snapshot` is for citing the public dataset; this is for not losing the newsroom: every
editorial decision, account and the audit log. SQLite's online backup copies a database
page by page and starts over if a writer changes it meanwhile, so the copy is one
consistent moment; it is then checked with `pragma integrity_check` before it counts.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from romareact.paths import NEWSROOM_DB, PUBLIC_DB

DATABASES = (NEWSROOM_DB, PUBLIC_DB)
_PAGES_PER_STEP = 4096  # between steps writers get the lock: a crawl is held up only briefly


class BackupError(RuntimeError):
    """A backup or restore that cannot be trusted; the message says which file and why."""


def _copy(source: Path, target: Path) -> None:
    origin = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target, timeout=30)
    try:
        origin.backup(copy, pages=_PAGES_PER_STEP)
    finally:
        copy.close()
        origin.close()


def check(path: Path) -> None:
    """Raise BackupError unless `path` is a sound SQLite database."""
    try:
        connection = sqlite3.connect(path)
        try:
            result = [row[0] for row in connection.execute("pragma integrity_check")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: not a sound SQLite database: {error}") from None
    if result != ["ok"]:
        raise BackupError(f"{path}: integrity check failed: {'; '.join(result[:5])}")


def make_backup(data_dir: Path, out_dir: Path) -> Path:
    """Copy the data directory's databases into a new dated folder in `out_dir`; returns it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"romareact-backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    copied = 0
    for name in DATABASES:
        if (data_dir / name).exists():
            _copy(data_dir / name, target / name)
            check(target / name)
            copied += 1
    if not copied:
        target.rmdir()
        raise BackupError(f"{data_dir}: no newsroom or public database to back up")
    return target


def restore_backup(backup_dir: Path, data_dir: Path) -> list[str]:
    """Put a backup's databases in place of the data directory's (stop `serve` and crawls
    first). Every file is checked before any is replaced; returns the names restored."""
    present = [name for name in DATABASES if (backup_dir / name).exists()]
    if NEWSROOM_DB not in present:
        raise BackupError(f"{backup_dir}: holds no {NEWSROOM_DB}: not a romareact backup")
    for name in present:
        check(backup_dir / name)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in present:
        # Through the backup API, not a file copy: the target's WAL and locks stay right.
        _copy(backup_dir / name, data_dir / name)
        check(data_dir / name)
    return present
