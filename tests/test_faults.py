"""Faults in restore and backup create: kill -9, a full disk, Ctrl-C (issue 11 break 5,
issue 10 bug 5). Kill loops: CUSTINFO_KILL_LOOPS overrides the default count."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from custinfo import backup, dbfiles, files
from tests.conftest import ENV_NAMES, PASSPHRASE

KEY = PASSPHRASE.encode()
BEFORE, AFTER = 50, 400  # customers in the backup, then in the live database
ERASED = 7  # purged after the backup


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """customers.db with AFTER - 1 customers (customer ERASED purged), a backup taken at
    BEFORE customers; the live file is several times the size of the backup."""
    from custinfo import validation
    from custinfo.privacy import purge
    from custinfo.store import Store

    folder = tmp_path_factory.mktemp("faults")
    db = folder / "customers.db"
    with Store.create(db, KEY, region="CN") as store:
        for start, stop in ((0, BEFORE), (BEFORE, AFTER)):
            with store.write("test") as w:
                ids = []
                for i in range(start, stop):
                    row = validation.customer_input(
                        region="CN", name=f"客户 {i}", phones=[f"139{i:08d}"],
                        notes=[f"备注 {i} 长街 " * 60],
                    )  # fmt: skip
                    ids.append(w.add_customer(row, source="test"))
            if stop == BEFORE:
                backup.create(store, KEY, folder / "backups")
        purge.purge(store, [ERASED], reason="test")
    return folder


@pytest.fixture
def shop(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template, tmp_path / "shop")
    return tmp_path / "shop" / "customers.db"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.update(CUSTINFO_DB=str(db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    return env


def _snap(db: Path) -> Path:
    (snap,) = (db.parent / "backups").glob("*.db")
    return snap


def _popen(db: Path, *args: str, code: str | None = None) -> subprocess.Popen[bytes]:
    argv = ["-c", code, *args] if code else ["-m", "custinfo", *args]
    return subprocess.Popen(
        [sys.executable, *argv], env=_env(db), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _state(db: Path) -> int:
    """Open the database (which tidies after a killed process), check it; customer count."""
    from custinfo.store import Store

    with Store.open(db, KEY) as store:
        assert store.integrity_errors() == []
        assert (
            store.conn.execute("SELECT 1 FROM customers WHERE id = ?", (ERASED,)).fetchone() is None
        )
        return store.count()


def _leftovers(db: Path) -> list[str]:
    return [
        p.name
        for p in db.parent.iterdir()
        if p.name.startswith(f".{db.name}") or files.TMP_MARK in p.name
    ]


def _pre_restores(db: Path) -> list[Path]:
    return [p for p in db.parent.glob(f"{db.name}{dbfiles.PRE_RESTORE}*") if p.suffix != ".lock"]


# -- kill -9 during restore ------------------------------------------------------------------
def _kill_restore(template: Path, tmp_path: Path, loops: int) -> dict[str, int]:
    rng = random.Random(2024)
    db = tmp_path / "shop" / "customers.db"
    shutil.copytree(template, db.parent)
    started = time.monotonic()
    full = _popen(db, "backup", "restore", str(_snap(db)), "--yes")
    assert full.wait(120) == 0, full.communicate()
    full_run = time.monotonic() - started
    outcomes = {"old": 0, "restored": 0}
    for i in range(loops):
        db = tmp_path / f"shop{i}" / "customers.db"
        shutil.copytree(template, db.parent)
        proc = _popen(db, "backup", "restore", str(_snap(db)), "--yes")
        time.sleep(rng.uniform(0.0, full_run * 1.1))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        count = _state(db)  # the next open: the live file is one state or the other...
        assert count in (AFTER - 1, BEFORE - 1), count
        outcomes["old" if count == AFTER - 1 else "restored"] += 1
        assert _leftovers(db) == []  # ...and nothing a killed restore left stays behind
        for pre in _pre_restores(db):  # a kept copy is complete, never a truncated one
            assert not os.path.samefile(pre, db)
            from custinfo.store import Store

            with Store.open(pre, KEY) as old:
                assert old.integrity_errors() == [] and old.count() == AFTER - 1
        shutil.rmtree(db.parent)
    print("restore kill outcomes", outcomes, "full run", round(full_run, 2))
    return outcomes


@pytest.mark.parametrize("loops", [3, pytest.param(100, marks=pytest.mark.slow)])
def test_kill_restore(template: Path, tmp_path: Path, loops: int) -> None:
    """Regression (break 5): a killed restore left `.customers.db.restore-<hex>`, a full copy
    of the backup with people erased since, and nothing ever removed it."""
    loops = int(os.environ.get("CUSTINFO_KILL_LOOPS", loops))
    assert sum(_kill_restore(template, tmp_path, loops).values()) == loops


def test_next_open_removes_a_stale_restore_copy(shop: Path) -> None:
    """The deterministic form: what a restore killed at its worst moment leaves."""
    copy = dbfiles.restore_temp(shop, "deadbeef0000")
    shutil.copy(_snap(shop), copy)  # a copy of the backup: customer ERASED is in it
    Path(f"{copy}-journal").write_bytes(b"")
    alias = Path(f"{shop}{dbfiles.PRE_RESTORE}20260101T000000Z")
    os.link(shop, alias)  # killed between keeping the old file aside and the swap
    assert _state(shop) == AFTER - 1
    assert _leftovers(shop) == [] and _pre_restores(shop) == []


# -- a full disk -----------------------------------------------------------------------------
NO_LINKS = """
import errno, os, sys
def no_links(*args, **kwargs):
    raise OSError(errno.EPERM, "Operation not permitted")
os.link = no_links  # a file system without hard links: the old file must be copied aside
from custinfo.cli.main import main
main(sys.argv[1:])
"""


def _limited(limit: int):
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("links", [True, False])
def test_restore_on_a_nearly_full_disk(shop: Path, links: bool) -> None:
    """RLIMIT_FSIZE between the backup's size and the live file's: with hard links the old
    file is kept aside without a copy and the restore succeeds; without them the copy fails
    and leaves nothing (before: a truncated `.pre-restore-*` that looked valid)."""
    limit = 3 * _snap(shop).stat().st_size
    assert shop.stat().st_size > limit + (256 << 10)
    argv = ["-m", "custinfo"] if links else ["-c", NO_LINKS]
    done = subprocess.run(
        [sys.executable, *argv, "backup", "restore", str(_snap(shop)), "--yes"],
        env=_env(shop), capture_output=True, preexec_fn=_limited(limit), timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert b"Traceback" not in done.stderr
    if links:
        assert done.returncode == 0, done.stderr
        (pre,) = _pre_restores(shop)
        assert _state(pre) == AFTER - 1 and _state(shop) == BEFORE - 1
    else:
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(b"custinfo: error: cannot keep the current database")
        assert done.stderr.count(b"\n") == 1
        assert _pre_restores(shop) == [] and _leftovers(shop) == []
        assert _state(shop) == AFTER - 1  # untouched


# -- Ctrl-C during backup create ------------------------------------------------------------
def _open_count(pid: int, path: Path) -> int:
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/{pid}/fd/{fd}") == str(path)
    return n


@pytest.mark.parametrize("phase", ["copying", "verifying"])
def test_ctrl_c_during_backup_create(shop: Path, phase: str) -> None:
    """Regression (issue 10, bug 5): Ctrl-C during the verification reported
    `internal error (UnboundLocalError)`; it must exit 130 and leave no temporary file and
    no lock file."""
    folder = shop.parent / "new-backups"
    proc = _popen(shop, "backup", "create", "--to", str(folder), "--full-check")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        tmp = list(folder.glob(f"{backup.TMP_PREFIX}*.db")) if folder.exists() else []
        if tmp and (phase == "copying" or _open_count(proc.pid, tmp[0]) >= 2):
            break
        time.sleep(0.001)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, b"custinfo: error: interrupted; nothing half-saved\n")
    assert out == b""
    assert sorted(p.name for p in folder.iterdir()) == []  # no temporary, no lock file


class _Interrupting:
    """A connection that is interrupted (Ctrl-C) in the middle of the HMAC check."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, sql: str, *args):
        if sql == "PRAGMA cipher_integrity_check":
            raise KeyboardInterrupt
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.conn, name)


def test_ctrl_c_in_the_verification_stays_ctrl_c(store, tmp_path: Path, monkeypatch) -> None:
    """Regression (issue 10, bug 5), deterministic: the interrupt hit `check_file` before
    `problems` was assigned, and its `finally` raised UnboundLocalError instead."""
    import importlib

    verify = importlib.import_module("custinfo.backup.verify")  # the module, not the function
    real = verify.open_readonly
    monkeypatch.setattr(verify, "open_readonly", lambda *a: _Interrupting(real(*a)))
    folder = tmp_path / "backups"
    with pytest.raises(KeyboardInterrupt):
        backup.create(store, KEY, folder)
    assert list(folder.iterdir()) == []
