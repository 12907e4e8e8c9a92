"""Every command documents itself."""

import click
import pytest
from click.testing import CliRunner

from romareact.cli import cli


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = list(_commands(cli))


def test_the_expected_commands_exist():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"demo", "crawl", "serve", "map", "analyze", "gazetteer import",
            "gazetteer download"} <= names  # fmt: skip


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_command_has_help(path):
    command = dict(COMMANDS)[path]
    assert command.help and command.help.strip(), f"{' '.join(path)} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


@pytest.mark.parametrize(
    "path",
    [p for p, c in COMMANDS if not isinstance(c, click.Group)],
    ids=" ".join,
)
def test_every_command_takes_data_dir(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert "--data-dir" in result.output
