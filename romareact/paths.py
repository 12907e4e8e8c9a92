"""Where things live: the user's data directory and the files shipped with the package."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "ROMAREACT_DATA_DIR"
DEFAULT_DATA_DIR = "romareact-data"
NEWSROOM_DB = "newsroom.db"
PUBLIC_DB = "public.db"
# Public pages shared by the workers of `romareact serve --workers N`; disposable.
RESPONSE_CACHE_DB = "response-cache.db"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else $ROMAREACT_DATA_DIR, else ./romareact-data."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    path = Path(chosen).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def newsroom_path(data_dir: Path) -> Path:
    return data_dir / NEWSROOM_DB


def public_path(data_dir: Path) -> Path:
    return data_dir / PUBLIC_DB


def snapshots_path(data_dir: Path) -> Path:
    """Where `romareact snapshot` writes, and the downloads page serves from."""
    return data_dir / "snapshots"


def response_cache_path(data_dir: Path) -> Path:
    return data_dir / RESPONSE_CACHE_DB


def _shipped(installed_name: str, source_name: str) -> Path:
    installed = Path(__file__).resolve().parent / installed_name
    if installed.is_dir():
        return installed
    # An editable install or a source checkout: the folder sits at the repository root.
    return Path(__file__).resolve().parent.parent / source_name


def shipped_data() -> Path:
    """The repository's data/ folder, installed as romareact.data."""
    return _shipped("data", "data")


def shipped_datasette_config() -> Path:
    """The repository's datasette/ configuration folder, installed as romareact.datasette_config."""
    return _shipped("datasette_config", "datasette")
