"""`backup restore` against other commands at work (issue 11, break 1), with real processes.

Before the fix a restore started during a 50k-row import exited 0, the import exited 0, and
the imported rows were in neither the restored file nor the `.pre-restore` copy: the
set-aside's `wal_checkpoint(TRUNCATE)` failed busy, was taken for "damaged", and the file was
swapped under the import. Now restore takes an exclusive hold first; the invariant: whatever
the timing, the other command's data is never lost (in the live file, or in the
`.pre-restore` copy of a restore that ran after it), an erasure is never undone, and the live
file passes `check`.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from custinfo import backup, dbfiles
from tests.conftest import ENV_NAMES, PASSPHRASE

KEY = PASSPHRASE.encode()
N = 300
COMMANDS = {
    "import": ["import", "IN.CSV"],
    "purge": ["purge", "5", "--yes"],
    "merge": ["merge", "10", "11", "--yes"],
    "tag": ["tag", "add", "racetag", "20", "21", "22"],
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with customers.db (N customers), a backup of it and an import file."""
    from custinfo import validation
    from custinfo.store import Store

    folder = tmp_path_factory.mktemp("hold")
    db = folder / "customers.db"
    with Store.create(db, KEY, region="CN") as store:
        with store.write("test") as w:
            ids = []
            for i in range(N):
                row = validation.customer_input(
                    region="CN", name=f"客户 {i}", phones=[f"139{i:08d}"],
                    emails=[f"c{i}@example.com"],
                )  # fmt: skip
                ids.append(w.add_customer(row, source="test"))
        backup.create(store, KEY, folder / "backups")
    rows = [f"导入 {i},137{i:08d},imp{i}@example.com" for i in range(1500)]
    (folder / "in.csv").write_text("name,phone,email\n" + "\n".join(rows) + "\n", "utf-8")
    return folder


@pytest.fixture
def shop(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    shutil.copytree(template, folder)
    return folder / "customers.db"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.update(CUSTINFO_DB=str(db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    return env


def _start(db: Path, *args: str) -> subprocess.Popen[bytes]:
    args = tuple(str(db.parent / "in.csv") if a == "IN.CSV" else a for a in args)
    return subprocess.Popen(
        [sys.executable, "-m", "custinfo", *args], env=_env(db), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _restore(db: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    (snap,) = (db.parent / "backups").glob("*.db")
    return subprocess.run(
        [sys.executable, "-m", "custinfo", "backup", "restore", str(snap), "--yes"],
        env={**_env(db), **env}, capture_output=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def _has_open(pid: int, path: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


def _wait_at_work(proc: subprocess.Popen[bytes], db: Path) -> None:
    """Until `proc` has the database file open (it is then deriving the key, or later)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if _has_open(proc.pid, db):
            return
        time.sleep(0.001)
    raise AssertionError("the command never got to work")


_EFFECT = {
    "import": "SELECT count(*) = 1500 FROM emails WHERE key LIKE 'imp%'",
    "purge": "SELECT count(*) = 0 FROM customers WHERE id = 5",
    "merge": "SELECT count(*) = 1 FROM merged_ids WHERE old_id = 11 AND keep_id = 10",
    "tag": "SELECT count(*) = 3 FROM customer_tags JOIN tags ON tags.id = tag_id "
    "WHERE tags.name = 'racetag'",
}


def _done(db: Path, command: str, *, check: bool = False) -> bool:
    """Whether the database `db` shows the effect of `command` (purge: customer 5 gone);
    with `check`, it must also pass `custinfo check`."""
    from custinfo.store import Store

    with Store.open(db, KEY) as store:
        if check:
            assert store.db.integrity_errors() == []
        return bool(store.conn.execute(_EFFECT[command]).fetchone()[0])


def _newest_pre_restore(db: Path) -> Path | None:
    copies = sorted(p for p in db.parent.glob(f"{db.name}{dbfiles.PRE_RESTORE}*")
                    if not p.name.endswith(".lock"))  # fmt: skip
    return copies[-1] if copies else None


@pytest.mark.parametrize("command", list(COMMANDS))
def test_restore_refuses_while_a_command_is_at_work(shop: Path, command: str) -> None:
    """Regression (break 1): the command is stopped at work (SIGSTOP) with the database
    open; restore must refuse with 11 and change nothing; the command then finishes."""
    other = _start(shop, *COMMANDS[command])
    try:
        _wait_at_work(other, shop)
        os.killpg(other.pid, signal.SIGSTOP)
        done = _restore(shop)
    finally:
        os.killpg(other.pid, signal.SIGCONT)
    _out, err = other.communicate(timeout=120)
    assert done.returncode == 11, done.stderr
    assert b"another custinfo process has the database open" in done.stderr
    assert other.returncode == 0, err
    assert _newest_pre_restore(shop) is None
    assert _done(shop, command, check=True)
    if command == "purge":
        assert _restore(shop).returncode == 0  # now nothing runs: the restore goes ahead,
        pre = _newest_pre_restore(shop)  # the work is kept aside and the erasure re-applied
        assert pre is not None and _done(pre, command) and _done(shop, command)


def _race(shop: Path, command: str, delay: float) -> tuple[int, int]:
    """The other command, and `delay` seconds later the restore (negative: the restore
    first, the other command -delay seconds later)."""
    (snap,) = (shop.parent / "backups").glob("*.db")
    restore_args = ("backup", "restore", str(snap), "--yes")
    if delay >= 0:
        other = _start(shop, *COMMANDS[command])
        time.sleep(delay)
        restore = _start(shop, *restore_args)
    else:
        restore = _start(shop, *restore_args)
        time.sleep(-delay)
        other = _start(shop, *COMMANDS[command])
    _out, restore_err = restore.communicate(timeout=120)
    _out, err = other.communicate(timeout=120)
    done = subprocess.CompletedProcess(restore.args, restore.returncode, b"", restore_err)
    assert done.returncode in (0, 11), done.stderr
    assert other.returncode in (0, 11), err
    in_live = _done(shop, command, check=True)
    if other.returncode == 0:
        if command == "purge":
            assert in_live, "an erasure was undone"
        else:
            pre = _newest_pre_restore(shop) if done.returncode == 0 else None
            assert in_live or (pre is not None and _done(pre, command)), "work was lost"
    return done.returncode, other.returncode


RACES = [
    pytest.param(command, loops, marks=[pytest.mark.slow] if slow else [])
    for command in COMMANDS
    for loops, slow in ((1, False), (25, True))
    if slow or command == "purge"
]


@pytest.mark.parametrize(("command", "loops"), RACES)
def test_restore_races_a_command(template: Path, tmp_path: Path, command: str, loops: int) -> None:
    """Restore started at a random moment of the other command's run (or before it)."""
    rng = random.Random(sum(map(ord, command)))
    outcomes: dict[tuple[int, int], int] = {}
    for i in range(loops):
        folder = tmp_path / f"shop{i}"
        shutil.copytree(template, folder)
        result = _race(folder / "customers.db", command, rng.uniform(-1.0, 1.5))
        outcomes[result] = outcomes.get(result, 0) + 1
    print(command, "outcomes (restore, other):", outcomes)


def test_a_command_waits_for_a_restore_then_runs(cli, db: Path, monkeypatch) -> None:
    """While a restore holds the database, other commands wait up to the busy timeout."""
    monkeypatch.setenv("CUSTINFO_BUSY_TIMEOUT_MS", "150")
    hold = dbfiles.exclusive_hold(db)
    try:
        refused = cli("add", "--name", "Waiting")
    finally:
        hold.release()
    assert refused.code == 11 and "being restored" in refused.stderr
    monkeypatch.setenv("CUSTINFO_BUSY_TIMEOUT_MS", "10000")
    hold = dbfiles.exclusive_hold(db)
    threading.Timer(0.3, hold.release).start()
    started = time.monotonic()
    assert cli("add", "--name", "Waited").code == 0
    assert time.monotonic() - started >= 0.25


HOLDER = """
import sys, sqlcipher3
conn = sqlcipher3.connect(sys.argv[1], isolation_level=None)
conn.set_key(sys.argv[2].encode())
conn.execute("PRAGMA locking_mode = EXCLUSIVE")  # no -shm: the old check saw nobody
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta(key, value) VALUES ('written-meanwhile', 'x')")
print("ready", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


def test_restore_refuses_while_another_program_writes(shop: Path) -> None:
    """Regression (break 1), the cause: a connection that takes no custinfo hold (an SQLite
    tool) is writing; the old set-aside's checkpoint failed busy, was taken for "damaged",
    and the file was swapped under the writer, whose commit then went nowhere. Now SQLite's
    busy error is exit 11 and the write lands in the live file."""
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(shop), PASSPHRASE], env=_env(shop),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert writer.stdout is not None and writer.stdout.readline() == b"ready\n"
    try:
        done = _restore(shop, CUSTINFO_BUSY_TIMEOUT_MS="300")
    finally:
        writer.communicate(b"\n", timeout=60)
    assert writer.returncode == 0
    assert done.returncode == 11, done.stderr
    assert b"another program has the database open" in done.stderr
    assert _newest_pre_restore(shop) is None
    from custinfo.store import Store

    with Store.open(shop, KEY) as store:
        assert store.db.meta("written-meanwhile") == "x"


@pytest.mark.parametrize("command", ["purge", "merge"])
def test_a_command_during_a_running_import_loses_nothing(shop: Path, command: str) -> None:
    """Issue 11: purge and merge started while an import is at work. Each either waits for
    the import's transaction and runs, or gives up with exit 11 ("busy"), never anything
    else; afterwards every imported row is there, the command's effect is there if it
    exited 0, and the file passes `check`."""
    importing = _start(shop, *COMMANDS["import"])
    try:
        _wait_at_work(importing, shop)
        other = _start(shop, *COMMANDS[command])
        _out, other_err = other.communicate(timeout=120)
    finally:
        _out, import_err = importing.communicate(timeout=120)
    assert importing.returncode == 0, import_err
    assert other.returncode in (0, 11), other_err
    assert _done(shop, "import", check=True)
    assert _done(shop, command) == (other.returncode == 0)
