"""Help that reads like gh's: plain metavars, examples from one source, 80 columns, typos."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import typer.main

from custinfo.cli.app import ALIASES, COMMANDS, HINTS, build
from custinfo.cli.examples import EXAMPLES, command_part, for_command
from tests.conftest import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
TYPE_DUMP = re.compile(
    r"<(bool|str|int|float|path|list\[[^]]*\]|int range)[^>]*>|\[x>=|\bTEXT\.\.\."
)


def every_path() -> list[str]:
    """Every command path: `find`, `tag`, `tag add`, …"""
    paths = []
    for name, (module, _summary) in COMMANDS.items():
        paths.append(name)
        command = typer.main.get_command(importlib.import_module(module).app)
        paths += [f"{name} {sub}" for sub in (getattr(command, "commands", None) or {})]
    return paths


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_examples_that_docs_cli_md_shows(name: str) -> None:
    assert EXAMPLES.get(name), f"cli/examples.py has no examples for {name}"
    for line in EXAMPLES[name]:
        assert line.startswith("custinfo "), line
        assert command_part(line) in CLI_MD, f"docs/cli.md does not show: {command_part(line)}"


def test_help_has_examples_and_plain_metavars_everywhere(cli: CliRunner) -> None:
    for path in every_path():
        out = cli.ok(*path.split(), "--help")
        assert not TYPE_DUMP.search(out), (path, TYPE_DUMP.search(out))
        assert "EXAMPLES\n  $ custinfo " in out, path
        assert "╭" not in out and "│" not in out  # no boxes
        for line in for_command(path):
            assert command_part(line) in out


def test_metavars_flags_and_twins(cli: CliRunner) -> None:
    find = cli.ok("find", "--help")
    signatures = [
        "--limit N",
        "--tag TAG",
        "--db FILE",
        "--region CC",
        "--added-since WHEN",
        "-f, --format table|csv|json|ndjson|ids",
        "--sort rank|name|created|updated",
    ]
    for sig in signatures:
        assert sig in find, sig
    assert re.search(r"--not-tag TAG\s+Does not have this tag \(repeatable\)", find)
    imp = cli.ok("import", "--help")
    assert re.search(r"^\s+--force\s{2,}Overwrite", imp, re.M)  # a flag: no metavar
    assert "--no-force" not in imp and "--no-dry-run" not in imp
    assert "--map COLUMN=FIELD" in imp and "(repeatable)" in imp
    purge = cli.ok("purge", "--help")
    assert "--suppress, --no-suppress" in purge  # on by default: --no-suppress is its spelling
    assert "--dry-run  " in purge and "--dry-run <" not in purge


def test_a_flag_takes_no_value_and_the_twin_is_gone(cli: CliRunner, db: Path) -> None:
    result = cli("import", "--no-force", "-")
    assert result.code == 2 and "No such option: --no-force" in result.stderr
    assert cli("purge", "1", "--no-suppress", "--dry-run").code in (0, 3)


def test_help_at_80_columns_fits(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for args in (["export", "--help"], ["--help"], ["find", "--help"], ["tag", "--help"]):
        out = cli.ok(*args)
        assert max(len(line) for line in out.splitlines()) <= 80, args
    export = cli.ok("export", "--help")
    assert len(export.splitlines()) < 69 + 9  # was 69 of squeezed boxes (+ behaviour filters)
    monkeypatch.setenv("COLUMNS", "120")
    wide = cli.ok("export", "--help")
    assert len(wide.splitlines()) < len(export.splitlines())


def test_help_is_bold_only_on_a_colour_terminal(cli: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert "\x1b[1mUSAGE" in cli("find", "--help", tty=True).stdout
    assert "\x1b[" not in cli.ok("find", "--help")  # a pipe
    assert "\x1b[" not in cli("--no-color", "find", "--help", tty=True).stdout
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" not in cli("find", "--help", tty=True).stdout


@pytest.mark.parametrize(
    ("typo", "suggested"),
    [("fnd", "find"), ("shwo", "show"), ("expot", "export"), ("imprt", "import"),
     ("dedup", "dedupe"), ("tga", "tag"), ("bakup", "backup")],
)  # fmt: skip
def test_typos_get_edit_distance_suggestions(cli: CliRunner, typo: str, suggested: str) -> None:
    result = cli(typo)
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert f"No such command '{typo}'. Did you mean {suggested}" in result.stderr


def test_a_subcommand_typo_is_suggested_too(cli: CliRunner) -> None:
    result = cli("tag", "lst")
    assert result.code == 2
    assert "No such command 'lst'. Did you mean list?" in result.stderr


def test_destructive_names_only_point_to_purge(cli: CliRunner, db: Path) -> None:
    cli.ok("add", "--name", "Keep Me")
    for word in ("delete", "rm", "remove", "erase"):
        assert HINTS[word] == "purge"
        result = cli(word, "1", "--yes")
        assert result.code == 2
        assert "Use 'custinfo purge'" in result.stderr and "dedupe" not in result.stderr
    assert cli.ok("show", "1", "--format", "json")  # nothing was erased


def test_read_only_aliases_run_their_command(cli: CliRunner, db: Path) -> None:
    cli.ok("add", "--name", "张伟", "--tag", "VIP")
    cli.ok("add", "--name", "李娜")
    assert set(ALIASES) == {"search", "ls", "tags"}
    assert cli.ok("search", "张伟", "--format", "ids") == "1\n"
    assert cli.ok("ls", "--format", "ids") == "1\n2\n"
    assert cli.ok("tags") == "tag,count\nVIP,1\n"
    assert "custinfo tag list" in cli.ok("tags", "--help")


def test_root_help_lists_commands_without_importing_them(cli: CliRunner) -> None:
    out = cli.ok("--help")
    for name, (_module, summary) in COMMANDS.items():
        assert re.search(rf"^  {name}\s+{re.escape(summary[:30])}", out, re.M), name
    assert "EXIT CODES" in out and "-q, --quiet" in out and "--no-color" in out
    for alias in ALIASES:
        assert not re.search(rf"^  {alias}\s", out, re.M)  # aliases are not advertised


def test_root_options_parse(cli: CliRunner, db: Path) -> None:
    assert build().params  # built without error
    result = cli("-q", "add", "--name", "Quiet One")
    assert (result.code, result.stdout, result.stderr) == (0, "1\n", "")


def test_docs_cli_md_shows_the_examples_section_exactly() -> None:
    from custinfo.cli.examples import markdown

    assert markdown() in CLI_MD, "regenerate the Examples section of docs/cli.md from markdown()"
