"""The list of news sources: read from TOML, validated, stored in the newsroom database."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlite_utils

from romareact.db import audit, utcnow, write_transaction
from romareact.paths import shipped_data
from romareact.source_validation import KINDS, SourcesError, check_entry, source_entries

__all__ = ["KINDS", "Source", "SourcesError", "load_sources", "register_sources"]


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str
    url: str
    homepage: str | None = None
    language: str | None = None
    country: str | None = None
    category: str | None = None
    interval_minutes: int = 60
    rules: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        row = asdict(self)
        row["rules"] = json.dumps(self.rules, ensure_ascii=False)
        return row


def default_sources_path() -> Path:
    return shipped_data() / "sources.toml"


def validate(entry: dict, position: int, path=None) -> Source:
    """A Source from one entry of a sources file (romareact/source_validation.py checks it)."""
    name = entry.get("id", "no id") if isinstance(entry, dict) else "not a table"
    where = f"{path}: " if path else ""
    where += f"source #{position} ({name})"
    return Source(**check_entry(entry, where, set(Source.__dataclass_fields__)))


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read and validate a sources TOML file (default: the shipped data/sources.toml)."""
    path = Path(path) if path else default_sources_path()
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"{path}: not valid TOML: {error}") from None
    entries = source_entries(raw, path)
    sources = [validate(entry, number, path) for number, entry in enumerate(entries, 1)]
    ids = [s.id for s in sources]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SourcesError(f"{path}: duplicate source id(s): {', '.join(duplicates)}")
    return sources


def register_sources(db: sqlite_utils.Database, sources: list[Source]) -> None:
    """Upsert sources by id, keeping the date each was first added."""
    existing = {row["id"]: row["added_at"] for row in db["sources"].rows}
    rows = [{**s.as_row(), "added_at": existing.get(s.id) or utcnow()} for s in sources]
    with write_transaction(db):
        db["sources"].upsert_all(rows, pk="id")


def sources_to_crawl(
    db: sqlite_utils.Database, ids: list[str] | None = None, everything: bool = False
) -> list[dict]:
    """Enabled sources whose next poll is due (all enabled ones with `everything`)."""
    rows = db.query(
        """
        select sources.*, source_health.next_due
        from sources left join source_health on source_health.source_id = sources.id
        where sources.enabled = 1
        order by sources.id
        """
    )
    now = utcnow()
    chosen = []
    for row in rows:
        if ids is not None and row["id"] not in ids:
            continue
        if not everything and row["next_due"] and row["next_due"] > now:
            continue
        row["rules"] = json.loads(row["rules"] or "{}")
        chosen.append(row)
    return chosen


def health_report(db: sqlite_utils.Database) -> list[dict]:
    """The source_health_report view: one row per source, failing ones first."""
    return list(db.query("select * from source_health_report"))


def set_enabled(db: sqlite_utils.Database, source_id: str, enabled: bool, actor: str) -> bool:
    """Enable or disable a source (audited); a re-enabled source starts with a clean record.
    Returns False when there is no such source."""
    with write_transaction(db):
        row = db.execute("select enabled from sources where id = ?", [source_id]).fetchone()
        if row is None:
            return False
        db["sources"].update(source_id, {"enabled": int(enabled)})
        if enabled:
            db.execute(
                "update source_health set consecutive_failures = 0, disabled_reason = null, "
                "next_due = null where source_id = ?",
                [source_id],
            )
        action = "source.enabled" if enabled else "source.disabled"
        audit(db, action, "sources", source_id, {"enabled": row[0]}, {"enabled": int(enabled)},
              actor=actor)  # fmt: skip
    return True
