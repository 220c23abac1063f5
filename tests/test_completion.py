"""Shell completion: scripts, commands, options, choices and tag names (never a prompt)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, CliRunner

SRC = str(Path(__file__).resolve().parent.parent / "src")


def complete(cli: CliRunner, monkeypatch, words: str, shell: str = "bash") -> list[str]:
    """The completions for `words` (the last word is the one being completed)."""
    parts = words.split(" ")
    monkeypatch.setenv("_CUSTINFO_COMPLETE", f"{shell}_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", parts[-1] if shell == "fish" else str(len(parts) - 1))
    try:
        result = cli()
    finally:
        monkeypatch.delenv("_CUSTINFO_COMPLETE")
    assert result.code == 0 and result.stderr == ""
    return result.stdout.splitlines()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script(cli: CliRunner, shell: str) -> None:
    script = cli.ok("completion", shell)
    assert f"_CUSTINFO_COMPLETE={shell}_complete" in script and "custinfo" in script
    assert cli("completion", "tcsh").code == 2


def test_commands_options_and_choices(cli: CliRunner, monkeypatch) -> None:
    assert complete(cli, monkeypatch, "custinfo fi") == ["plain,find", "plain,field"]
    assert "plain,export" in complete(cli, monkeypatch, "custinfo ex")
    assert "plain,--limit" in complete(cli, monkeypatch, "custinfo find --li")
    formats = complete(cli, monkeypatch, "custinfo find --format ")
    assert formats == [f"plain,{f}" for f in ("table", "csv", "json", "ndjson", "ids")]
    assert complete(cli, monkeypatch, "custinfo tag re") == ["plain,remove", "plain,rename"]
    zsh = complete(cli, monkeypatch, "custinfo fi", shell="zsh")
    assert zsh[:2] == ["plain", "find"] and "Find customers" in zsh[2]
    fish = complete(cli, monkeypatch, "custinfo fi", shell="fish")
    assert fish[0].startswith("plain,find\tFind customers")


def test_tag_names_when_the_database_opens_without_a_prompt(cli, db, monkeypatch) -> None:
    cli.ok("add", "--name", "A", "--tag", "VIP", "--tag", "vendor", "--tag", "上海")
    assert complete(cli, monkeypatch, "custinfo find --tag v") == ["plain,VIP", "plain,vendor"]
    assert complete(cli, monkeypatch, "custinfo tag remove ") == [
        "plain,VIP", "plain,vendor", "plain,上海"]  # fmt: skip
    assert complete(cli, monkeypatch, "custinfo dedupe --not-tag 上") == ["plain,上海"]
    monkeypatch.delenv("CUSTINFO_PASSPHRASE")  # no source: no tags, no prompt, no error
    assert complete(cli, monkeypatch, "custinfo find --tag v") == []
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", "wrong passphrase")
    assert complete(cli, monkeypatch, "custinfo find --tag v") == []


def test_command_completion_imports_no_command_module() -> None:
    code = (
        "import os, sys\n"
        "os.environ.update(_CUSTINFO_COMPLETE='bash_complete', COMP_WORDS='custinfo ', "
        "COMP_CWORD='1')\n"
        "from custinfo.cli.main import run\n"
        "assert run([]) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('custinfo.cli.cmd_') "
        "or m in ('sqlcipher3', 'phonenumbers')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": SRC})  # fmt: skip
    lines = done.stdout.splitlines()
    assert "plain,init" in lines and lines[-1] == "[]", done.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_runs_the_script(cli: CliRunner, db: Path, tmp_path: Path) -> None:
    cli.ok("add", "--name", "A", "--tag", "VIP")
    wrapper = tmp_path / "bin" / "custinfo"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m custinfo "$@"\n')
    wrapper.chmod(0o755)
    script = tmp_path / "custinfo.bash"
    script.write_text(cli.ok("completion", "bash"))
    test = (
        f"source {script}\n"
        "COMP_WORDS=(custinfo find --tag V); COMP_CWORD=3\n"
        "_custinfo_completion custinfo\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{wrapper.parent}:{os.environ['PATH']}", "PYTHONPATH": SRC,
           "CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE}  # fmt: skip
    done = subprocess.run(["bash", "--norc", "-c", test], capture_output=True, text=True, env=env)
    assert done.stdout.split() == ["VIP"], done.stderr
