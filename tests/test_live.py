"""Checks against the real internet: run by hand with `pytest -m requires_internet`, never in CI."""

import pytest
from click.testing import CliRunner

from romareact import db
from romareact.cli import cli


@pytest.mark.requires_internet
def test_gazetteer_download_from_geonames(data_dir):
    result = CliRunner().invoke(cli, ["gazetteer", "download", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    newsroom = db.open_newsroom(data_dir / "newsroom.db")
    assert newsroom["places"].count_where("kind = 'settlement'") > 5000
