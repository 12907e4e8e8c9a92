"""Per-source health: successes, failures, backoff, and disabling sources that keep failing.

A feed that answers 200 with an HTML page, or with no entries, counts as a failure: it has
stopped being a feed, and an editor should know.
"""

from __future__ import annotations

import datetime as dt

import sqlite_utils

from romareact.db import utcnow, write_transaction
from romareact.source_validation import MAX_INTERVAL, MIN_INTERVAL

DISABLE_AFTER_FAILURES = 5
MAX_BACKOFF = dt.timedelta(hours=24)


def _later(minutes: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    return moment.replace(microsecond=0).isoformat()


class HealthRecorder:
    """Writes what happened to each source, one short transaction per event."""

    def __init__(self, db: sqlite_utils.Database, forward=None):
        self.db = db
        # forward(event, fields): also report each event elsewhere (crawlers/handoff.py).
        self.forward = forward

    def _current(self, source_id: str) -> dict:
        rows = list(self.db["source_health"].rows_where("source_id = ?", [source_id]))
        return rows[0] if rows else {"source_id": source_id, "consecutive_failures": 0}

    def _store(self, health: dict) -> None:
        # One statement: sqlite-utils' upsert would read the table's schema on every call.
        columns = ", ".join(f'"{c}"' for c in health)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in health if c != "source_id")
        self.db.execute(
            f"insert into source_health ({columns}) values ({', '.join('?' for _ in health)})"
            f" on conflict(source_id) do update set {updates}",
            list(health.values()),
        )

    def _interval(self, source_id: str) -> int:
        rows = list(self.db["sources"].rows_where("id = ?", [source_id]))
        value = rows[0]["interval_minutes"] if rows else None
        if not isinstance(value, int) or isinstance(value, bool):
            return 60  # written before values were checked at load time: the default
        # Bounded as a sources file is checked, so no stored value can break the date sums.
        return min(max(value, MIN_INTERVAL), MAX_INTERVAL)

    def validators(self, source_id: str) -> dict:
        """Conditional-GET headers from the last successful fetch."""
        health = self._current(source_id)
        headers = {}
        if health.get("etag"):
            headers["If-None-Match"] = health["etag"]
        if health.get("last_modified"):
            headers["If-Modified-Since"] = health["last_modified"]
        return headers

    def success(
        self,
        source_id: str,
        status: int,
        entries: int,
        bozo: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        at: str | None = None,
        bad_entries: int = 0,
    ) -> None:
        now = at or utcnow()
        if self.forward is not None:
            self.forward(
                "success",
                {"source_id": source_id, "status": status, "entries": entries, "bozo": bozo,
                 "etag": etag, "last_modified": last_modified, "at": now,
                 "bad_entries": bad_entries},
            )  # fmt: skip
        with write_transaction(self.db):  # read and write as one step: other crawlers write too
            health = self._current(source_id)
            health.update(
                last_attempt=now,
                last_success=now,
                last_status=status,
                consecutive_failures=0,
                # A 304 lists nothing: the feed still has the entries it had.
                entries_last=health.get("entries_last") if status == 304 else entries,
                # (issue 17) entries skipped, e.g. a javascript: link; a 304 skipped none anew.
                bad_entries_last=health.get("bad_entries_last") if status == 304 else bad_entries,
                bozo_warnings=(health.get("bozo_warnings") or 0) + int(bozo),
                next_due=_later(self._interval(source_id)),
                disabled_reason=None,
                notice=None,
            )
            if status != 304:  # a 304 keeps the validators it answered to
                health.update(etag=etag, last_modified=last_modified)
            self._store(health)

    def waiting(self, source_id: str, seconds: float, status: int, at: str | None = None) -> None:
        """The server asked (Retry-After) for a longer pause than a crawl waits: the next
        attempt comes when it asked, and a busy server is not a broken source."""
        now = at or utcnow()
        seconds = min(max(seconds, 0.0), MAX_BACKOFF.total_seconds())
        if self.forward is not None:
            self.forward(
                "waiting", {"source_id": source_id, "seconds": seconds, "status": status, "at": now}
            )
        with write_transaction(self.db):
            health = self._current(source_id)
            due = max(seconds / 60, self._interval(source_id))
            health.update(
                last_attempt=now,
                last_status=status,
                next_due=_later(due),
                notice=f"HTTP {status}: the server asked to wait {seconds:.0f} s",
            )
            self._store(health)

    def capped(self, source_id: str, cap: int, unfollowed: int) -> None:
        """Say in health that this crawl fetched only `cap` of a source's new article pages."""
        if self.forward is not None:
            self.forward("capped", {"source_id": source_id, "cap": cap, "unfollowed": unfollowed})
        with write_transaction(self.db):
            health = self._current(source_id)
            health["notice"] = (
                f"capped: {cap} new article pages fetched this crawl; {unfollowed} more"
                " entries kept as the feed gives them"
            )
            self._store(health)

    def failure(
        self, source_id: str, error: str, status: int | None = None, at: str | None = None
    ) -> None:
        now = at or utcnow()
        if self.forward is not None:
            self.forward(
                "failure", {"source_id": source_id, "error": error, "status": status, "at": now}
            )
        with write_transaction(self.db):
            health = self._current(source_id)
            failures = (health.get("consecutive_failures") or 0) + 1
            interval = dt.timedelta(minutes=self._interval(source_id))
            backoff = min(interval * 2**failures, MAX_BACKOFF)
            health.update(
                last_attempt=now,
                last_error=error[:500],
                last_status=status,
                consecutive_failures=failures,
                next_due=_later(backoff.total_seconds() / 60),
            )
            if failures >= DISABLE_AFTER_FAILURES:
                health["disabled_reason"] = (
                    f"disabled after {failures} failures in a row; last error: {error[:200]}"
                )
                self.db["sources"].update(source_id, {"enabled": 0})
            self._store(health)
