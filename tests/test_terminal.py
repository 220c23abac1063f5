"""Confirmations come only from a person: stdin and stderr must both be a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE


def _ids(db: Path) -> list[int]:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return [c.id for c in store.iter_all()]


@pytest.fixture
def two(cli, db: Path) -> tuple[str, str]:
    a = cli.ok("add", "--name", "Piped A", "--phone", "+8613800138001").strip()
    b = cli.ok("add", "--name", "Piped B", "--phone", "+8613800138002").strip()
    return a, b


@pytest.mark.parametrize(
    "argv",
    [
        ("purge", "{a}"),
        ("merge", "{a}", "{b}"),
        ("dedupe", "--auto", "--min-score", "0"),
    ],
)
def test_piped_yes_at_a_terminal_is_no_answer(cli, db: Path, two, argv) -> None:
    """`yes | custinfo purge ...` at a terminal: stdout is a terminal, stdin a pipe."""
    a, b = two
    args = [part.format(a=a, b=b) for part in argv]
    result = cli(*args, tty=True, stdin_tty=False, input="y\ny\ny\n")
    assert result.code == 2, result
    assert "--yes" in result.stderr
    assert _ids(db) == [int(a), int(b)]


def test_backup_restore_refuses_a_piped_answer(cli, db: Path, tmp_path: Path) -> None:
    cli.ok("add", "--name", "Kept")
    cli.ok("backup", "create", "--to", str(tmp_path / "b"))
    snap = next((tmp_path / "b").glob("*.db"))
    cli.ok("add", "--name", "Added after")
    result = cli("backup", "restore", str(snap), tty=True, stdin_tty=False, input="y\n")
    assert result.code == 2 and "--yes" in result.stderr
    assert len(_ids(db)) == 2


def test_a_person_at_the_terminal_can_confirm(cli, db: Path, two) -> None:
    a, b = two
    cli.ok("purge", a, tty=True, input="y\n")
    assert _ids(db) == [int(b)]
