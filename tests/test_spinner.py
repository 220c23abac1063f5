"""The spinner of long silent work (dedupe; reports call `Output.spinner` too): on stderr at
a terminal only, never in a pipe or under --quiet, and never in the data on stdout."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliRunner


def test_dedupe_spins_at_a_terminal_only(cli: CliRunner, db: Path, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    for phone in ("138 0013 8000", "139 0013 8000"):
        cli.ok("add", "--name", "张伟", "--phone", phone, "--city", "上海")
    at_terminal = cli("dedupe", tty=True)
    assert at_terminal.code == 0
    assert "Looking for duplicates…" in at_terminal.stderr
    assert "Looking" not in at_terminal.stdout and "1 2" in at_terminal.stdout
    piped = cli("dedupe")
    assert piped.code == 0 and piped.stderr == "" and piped.stdout.startswith("ids,score")
    quiet = cli("-q", "dedupe", tty=True)
    assert quiet.code == 0 and "Looking" not in quiet.stderr
    monkeypatch.setenv("TERM", "dumb")
    assert "Looking" not in cli("dedupe", tty=True).stderr
