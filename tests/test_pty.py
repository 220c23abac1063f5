"""A real pseudo-terminal (pexpect): passphrase prompts, the pager, a confirmation, Ctrl-C."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import PASSPHRASE, CliRunner

SRC = str(Path(__file__).resolve().parent.parent / "src")


def spawn(*args: str, db: Path, passphrase: str | None = PASSPHRASE, **env: str) -> pexpect.spawn:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CUSTINFO_PASSPHRASE")}
    full.update(PYTHONPATH=SRC, CUSTINFO_DB=str(db), TERM="dumb", COLUMNS="100", LINES="24")
    if passphrase is not None:
        full["CUSTINFO_PASSPHRASE"] = passphrase
    full.update(env)
    return pexpect.spawn(sys.executable, ["-m", "custinfo", *args], env=full,
                         encoding="utf-8", timeout=60, dimensions=(24, 100))  # fmt: skip


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0))


def test_init_asks_for_a_new_passphrase_twice_and_refuses_a_weak_one(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    child = spawn("init", db=db, passphrase=None)
    child.expect("lost passphrase cannot be recovered")
    child.expect("New passphrase: ")
    child.sendline("short")
    child.expect("only 5 characters; use at least 8")
    child.expect("New passphrase: ")
    child.sendline("a long passphrase 一")
    child.expect("Repeat new passphrase: ")
    child.sendline("something else")
    child.expect("differ")
    child.expect("New passphrase: ")
    child.sendline("a long passphrase 一")
    child.expect("Repeat new passphrase: ")
    child.sendline("a long passphrase 一")
    child.expect("created")
    child.expect("next: custinfo import FILE")
    child.expect("custinfo add --name")
    assert finish(child) == 0
    from tests.test_passwd import opens_with

    assert opens_with(db, "a long passphrase 一") == 0


def test_passwd_on_a_terminal(db: Path) -> None:
    child = spawn("passwd", db=db, passphrase=None)
    child.expect("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect("New passphrase: ")
    child.sendline("the next passphrase")
    child.expect("Repeat new passphrase: ")
    child.sendline("the next passphrase")
    child.expect("passphrase changed")
    assert finish(child) == 0
    from tests.test_passwd import opens_with

    assert opens_with(db, "the next passphrase") == 0


@pytest.fixture
def many(cli: CliRunner, db: Path) -> Path:
    rows = "name,phone\n" + "".join(f"客户{i},+86 138 0013 {i:04d}\n" for i in range(40))
    (db.parent / "many.csv").write_text(rows, encoding="utf-8")
    cli.ok("import", str(db.parent / "many.csv"))
    return db


def test_long_tables_go_through_the_pager_short_ones_do_not(many: Path) -> None:
    pager = "sh -c 'echo PAGER-START; cat'"
    child = spawn("find", db=many, CUSTINFO_PAGER=pager)
    child.expect("PAGER-START")
    child.expect("客户39")
    assert finish(child) == 0
    child = spawn("find", "--limit", "3", db=many, CUSTINFO_PAGER=pager)
    output = child.read()
    assert "PAGER-START" not in output and "客户2" in output
    child = spawn("find", "--limit", "3", "--format", "csv", db=many, CUSTINFO_PAGER=pager)
    assert "PAGER-START" not in child.read()


def test_less_is_the_default_pager(many: Path) -> None:
    child = spawn("find", db=many, PAGER="", LESS="")
    child.expect("客户")
    child.send("q")
    assert finish(child) == 0


def test_a_confirmation_is_asked_and_can_be_declined(many: Path) -> None:
    child = spawn("purge", "1", db=many)
    child.expect(r"Erase 1 customer .* permanently\? This cannot be undone \[y/N\] ")
    child.sendline("n")
    child.expect("aborted; nothing changed")
    assert finish(child) == 1
    child = spawn("purge", "1", db=many)
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("purged 1 customer ")
    assert finish(child) == 0


def test_ctrl_c_at_a_prompt_is_exit_130(many: Path, tmp_path: Path) -> None:
    child = spawn("purge", "2", db=many)
    child.expect(r"\[y/N\] ")
    child.sendintr()
    child.expect("interrupted; nothing half-saved")
    assert finish(child) == 130
    child = spawn("init", db=tmp_path / "never.db", passphrase=None)
    child.expect("New passphrase: ")
    child.sendintr()
    child.expect("interrupted")
    assert finish(child) == 130
    assert not (tmp_path / "never.db").exists()
