"""Every command has --help, --json and --quiet; missing files give one line and exit 2."""

from __future__ import annotations

import pytest
import typer

from assistant.cli.main import app, run

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_contract_commands_exist() -> None:
    for name in ("demo", "analyze", "spot", "brief", "fit-tempo", "similarity", "guard",
                 "eval-model", "bench"):
        assert name in COMMANDS, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_json_and_quiet(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--json" in out and "--quiet" in out, name


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "no/such/script.fountain", "--json"],
        ["spot", "--file", "no/such/notes.txt", "--json"],
        ["brief", "--file", "no/such/brief.txt", "--json"],
        ["similarity", "no/such/a.mid", "no/such/b.mid", "--json"],
        ["guard", "no/such/project", "--json"],
    ],
)
def test_missing_files_are_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "no/such" in err
