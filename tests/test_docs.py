"""The docs keep up with the code (sqlite-utils style).

Every installed command and every option of it is mentioned in docs/cli.md; the README
quick start is exactly the two documented command lines, and CI runs the second one.
Every command in `COMMANDS` is checked.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main

from custinfo.cli._click import click
from custinfo.cli.app import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
QUICK_START = [
    "pip install -e . && custinfo demo",
    "pip install -e '.[test]' && pytest",
]
IGNORED = {"--help", "-h", "--install-completion", "--show-completion"}


def options(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
    """(command path, long option) for a command and, for a group, all its subcommands."""
    for param in command.params:
        if param.param_type_name == "option":
            for opt in param.opts:
                if opt.startswith("--") and opt not in IGNORED:
                    yield path, opt
    for name, sub in (getattr(command, "commands", None) or {}).items():  # a group's commands
        yield from options(sub, f"{path} {name}")


def mentioned(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert mentioned(f"custinfo {name}", CLI_MD), f"docs/cli.md does not mention custinfo {name}"
    command = typer.main.get_command(importlib.import_module(COMMANDS[name][0]).app)
    missing = [
        f"{path}: {opt}" for path, opt in options(command, name) if not mentioned(opt, CLI_MD)
    ]
    assert not missing, f"options missing from docs/cli.md: {missing}"


def test_root_options_are_documented() -> None:
    from custinfo.cli.app import build

    missing = [opt for _, opt in options(build(), "custinfo") if not mentioned(opt, CLI_MD)]
    assert not missing


def test_exit_codes_are_documented() -> None:
    from custinfo.cli import errors

    for code in (errors.OK, errors.FAILURE, errors.USAGE, errors.NOT_FOUND, errors.LOCKED,
                 errors.PASSPHRASE, errors.INTEGRITY, errors.INTERRUPTED):  # fmt: skip
        for doc in (CLI_MD, (ROOT / "README.md").read_text(encoding="utf-8")):
            assert re.search(rf"^\| {code} \|", doc, re.M), f"exit code {code} not in a table"


def test_readme_quick_start_is_the_two_command_lines() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert lines == QUICK_START


def test_ci_runs_the_readme_test_line() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip
    assert QUICK_START[1] in commands
    assert "set -euo pipefail" in commands
    assert "ruff check src tests bench" in commands
    assert "ruff format --check src tests bench" in commands


def test_docs_the_readme_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / target).exists(), target
