"""Datasette over the newsroom and public databases, with the project's configuration."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from datasette.app import Datasette

from romareact.paths import newsroom_path, public_path, shipped_datasette_config

# Safe defaults for a public instance: bounded queries, bounded exports.
SETTINGS = {
    "sql_time_limit_ms": 2000,
    "max_returned_rows": 1000,
    "allow_csv_stream": False,
    "default_page_size": 50,
    # Suggestions cost a query per column on every table page; the facets are chosen.
    "suggest_facets": False,
}


SECRET_ENV = "ROMAREACT_SECRET"


def make_datasette(data_dir: Path) -> Datasette:
    """Datasette over both databases. Sessions survive a restart when ROMAREACT_SECRET is set
    (otherwise each start signs with a new random secret, and editors sign in again)."""
    config = shipped_datasette_config()
    metadata = json.loads((config / "metadata.json").read_text(encoding="utf-8"))
    return Datasette(
        [str(newsroom_path(data_dir)), str(public_path(data_dir))],
        metadata=metadata,
        template_dir=str(config / "templates"),
        plugins_dir=str(config / "plugins"),
        settings=SETTINGS,
        secret=os.environ.get(SECRET_ENV) or None,
    )


def run(datasette: Datasette, host: str, port: int) -> None:
    """Serve until interrupted, the way `datasette serve` does."""
    import uvicorn

    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
