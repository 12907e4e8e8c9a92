"""One data directory, one dataset: opening its databases ready for use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from geocode.importers import ensure_embedded
from romareact import db
from romareact.paths import newsroom_path, public_path, resolve_data_dir


@dataclass
class Workspace:
    data_dir: Path
    newsroom: sqlite_utils.Database
    public: sqlite_utils.Database

    def close(self) -> None:
        self.newsroom.close()
        self.public.close()


def open_workspace(data_dir: str | Path | None = None) -> Workspace:
    """Migrate both databases and make sure the embedded gazetteer is loaded."""
    directory = resolve_data_dir(data_dir)
    newsroom = db.open_newsroom(newsroom_path(directory))
    ensure_embedded(newsroom)
    public = db.open_public(public_path(directory))
    return Workspace(directory, newsroom, public)
