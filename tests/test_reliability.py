"""kill -9 at random points, a full disk and a read-only target.

Invariants after every kill: the live database passes `check` (page HMACs, b-trees, foreign
keys) and is consistent (a purge happened entirely or not at all, and a committed purge is
in the journal); the backup folder holds nothing under a final name that does not verify.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from custinfo import backup, files
from custinfo.privacy import journal
from tests.conftest import ENV_NAMES, PASSPHRASE

KEY = PASSPHRASE.encode()
N_CUSTOMERS = 3000
SWEEP_EVERY = 3  # every third customer carries the tag "sweep"


def _make_db(path: Path, n: int = N_CUSTOMERS) -> None:
    from custinfo import validation
    from custinfo.store import Store

    with Store.create(path, KEY, region="CN") as store:
        with store.write("test") as w:
            for i in range(n):
                row = validation.customer_input(
                    region="CN", name=f"客户 {i} Customer", phones=[f"139{i:08d}"],
                    emails=[f"c{i}@example.com"], address=f"{i} Long Street 长街 {i}号",
                    tags=["sweep"] if i % SWEEP_EVERY == 0 else ["keep"],
                    notes=[f"note {i} " * 20],
                )  # fmt: skip
                w.add_customer(row, source="test")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "customers.db"
    _make_db(path)
    return path


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["CUSTINFO_DB"] = str(db)
    env["CUSTINFO_PASSPHRASE"] = PASSPHRASE
    return env


def _start(db: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "custinfo", *args], env=_env(db), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _timed_run(db: Path, *args: str) -> float:
    started = time.monotonic()
    proc = _start(db, *args)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return time.monotonic() - started


def _kill_at(proc: subprocess.Popen[bytes], delay: float) -> None:
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def _check_db(db: Path) -> tuple[int, int]:
    """The database passes check; returns (customers, suppressed entries)."""
    from custinfo.store import Store

    with Store.open(db, KEY) as store:
        assert store.integrity_errors() == []
        customers = store.count()
        suppressed = store.conn.execute("SELECT count(*) FROM suppressed").fetchone()[0]
        orphans = store.conn.execute(
            "SELECT count(*) FROM audit_customers WHERE customer_id NOT IN "
            "(SELECT id FROM customers)"
        ).fetchone()[0]
        assert orphans == 0  # a purge cut every audit link of its people, or none
    return customers, suppressed


_verified: set[tuple[str, int, int]] = set()


def _check_backup_folder(folder: Path) -> None:
    if not folder.exists():
        return
    for path in folder.iterdir():
        name = path.name
        if name in (backup.MANIFEST, backup.LOCK) or name.startswith(backup.TMP_PREFIX):
            continue
        if files.TMP_MARK in name:  # a killed manifest write: removed by the next create
            continue
        assert backup.NAME_RE.match(name), f"unexpected file {name}"
        info = path.stat()
        seen = (str(path), info.st_size, info.st_mtime_ns)
        if seen not in _verified:  # a file already verified and unchanged is not re-opened
            assert backup.check_file(path, KEY) == [], f"{name} is under a final name but bad"
            _verified.add(seen)
        entry = backup.read_manifest(folder).get(name)
        if entry is not None:
            assert entry["sha256"] == backup.sha256_file(path)


def _loops(default: int) -> Iterator[int]:
    yield from range(int(os.environ.get("CUSTINFO_KILL_LOOPS", default)))


def _kill_backup_create(tmp_path: Path, template: Path, loops: int) -> None:
    db = tmp_path / "customers.db"
    shutil.copy(template, db)
    folder = tmp_path / "backups"
    full = _timed_run(db, "backup", "create", "--to", str(folder), "--keep-last", "3")
    rng = random.Random(1234)
    for _ in range(loops):
        proc = _start(db, "backup", "create", "--to", str(folder), "--keep-last", "3")
        _kill_at(proc, rng.uniform(0.0, full * 1.1))
        assert _check_db(db) == (N_CUSTOMERS, 0)
        _check_backup_folder(folder)
    _timed_run(db, "backup", "create", "--to", str(folder), "--keep-last", "3")
    assert [p for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp, no lock
    good, bad = backup.verify(folder, KEY)
    assert bad == {} and 1 <= len(good) <= 4


def _kill_purge(tmp_path: Path, template: Path, loops: int) -> None:
    db = tmp_path / "customers.db"
    journal_file = journal.journal_path(db)
    swept = len(range(0, N_CUSTOMERS, SWEEP_EVERY))
    shutil.copy(template, db)
    full = _timed_run(db, "purge", "--tag", "sweep", "--yes")
    rng = random.Random(4321)
    outcomes = {"done": 0, "not done": 0}
    for _ in range(loops):
        shutil.copy(template, db)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{db}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            journal_file.unlink()
        proc = _start(db, "purge", "--tag", "sweep", "--yes")
        _kill_at(proc, rng.uniform(0.0, full * 1.1))
        customers, suppressed = _check_db(db)
        entries = journal.read_journal(journal_file).entries
        if customers == N_CUSTOMERS - swept:
            outcomes["done"] += 1
            assert suppressed == 2 * swept  # one phone and one email each
            assert len(entries) == 1 and len(entries[0]["ids"]) == swept  # journal first
        else:
            outcomes["not done"] += 1
            assert (customers, suppressed) == (N_CUSTOMERS, 0)
            assert len(entries) <= 1
    print("purge kill outcomes", outcomes, "full run", round(full, 2))
    assert sum(outcomes.values()) == loops


def test_kill_backup_create(tmp_path: Path, template: Path) -> None:
    _kill_backup_create(tmp_path, template, int(os.environ.get("CUSTINFO_KILL_LOOPS", 3)))


def test_kill_purge(tmp_path: Path, template: Path) -> None:
    _kill_purge(tmp_path, template, int(os.environ.get("CUSTINFO_KILL_LOOPS", 3)))


@pytest.mark.slow
def test_kill_backup_create_soak(tmp_path: Path, template: Path) -> None:
    _kill_backup_create(tmp_path, template, 200)


@pytest.mark.slow
def test_kill_purge_soak(tmp_path: Path, template: Path) -> None:
    _kill_purge(tmp_path, template, 200)


@pytest.mark.parametrize("loops", [3, pytest.param(200, marks=pytest.mark.slow)])
def test_kill_import(tmp_path: Path, template: Path, loops: int) -> None:
    db = tmp_path / "customers.db"
    csv_file = tmp_path / "in.csv"
    lines = ["name,phone,email,city"]
    lines += [f"导入 {i},137{i:08d},imp{i}@example.com,上海" for i in range(3000)]
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(template, db)
    full = _timed_run(db, "import", str(csv_file))
    rng = random.Random(99)
    for _ in range(loops):
        shutil.copy(template, db)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{db}{suffix}")
        proc = _start(db, "import", str(csv_file))
        _kill_at(proc, rng.uniform(0.0, full * 1.1))
        customers, _ = _check_db(db)
        assert N_CUSTOMERS <= customers <= N_CUSTOMERS + 3000


# -- full and read-only targets --------------------------------------------------------------
@contextlib.contextmanager
def _tmpfs(where: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    where.mkdir()
    options = f"size={size},mode=0700" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_untouched(db: Path, before: str) -> None:
    assert _digest(db) == before
    assert _check_db(db)[0] == N_CUSTOMERS


def test_full_target_fails_cleanly(tmp_path: Path, template: Path) -> None:
    db = tmp_path / "customers.db"
    shutil.copy(template, db)
    before = _digest(db)
    assert db.stat().st_size > 1_000_000
    with _tmpfs(tmp_path / "tiny", "256k") as folder:
        proc = _start(db, "backup", "create", "--to", str(folder))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        assert out == b""
        message = err.decode()
        assert message.startswith("custinfo: error: backup into") and "full" in message
        assert message.count("\n") == 1 and "Traceback" not in message
        assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == []
        assert [p.name for p in folder.iterdir() if p.name.startswith(backup.TMP_PREFIX)] == []
    _assert_untouched(db, before)


def test_file_size_limit_fails_cleanly(tmp_path: Path, template: Path) -> None:
    """The same without root: RLIMIT_FSIZE makes writes past 512 KiB fail (EFBIG)."""
    import resource

    db = tmp_path / "customers.db"
    shutil.copy(template, db)
    before = _digest(db)
    folder = tmp_path / "backups"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "custinfo", "backup", "create", "--to", str(folder)],
        env=_env(db), capture_output=True, preexec_fn=limit, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout == b"" and b"Traceback" not in done.stderr
    assert done.stderr.startswith(b"custinfo: error: backup into")
    assert [p.name for p in folder.iterdir() if backup.NAME_RE.match(p.name)] == []
    _assert_untouched(db, before)


def test_read_only_target_fails_cleanly(tmp_path: Path, template: Path) -> None:
    db = tmp_path / "customers.db"
    shutil.copy(template, db)
    before = _digest(db)
    with _tmpfs(tmp_path / "ro", "1m", read_only=True) as folder:
        proc = _start(db, "backup", "create", "--to", str(folder))
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert out == b""
    message = err.decode()
    assert "cannot write to backup folder" in message and "Read-only" in message
    assert "untouched" in message
    _assert_untouched(db, before)


WRITER = """
import sys, time
from pathlib import Path
from custinfo import validation
from custinfo.store import Store
store = Store.open(Path(sys.argv[1]), sys.argv[2].encode())
i = 0
while True:
    store.add(validation.customer_input(region="CN", name=f"writer {i}"), command="test")
    i += 1
"""


def test_create_while_another_process_writes(tmp_path: Path, template: Path) -> None:
    db = tmp_path / "customers.db"
    shutil.copy(template, db)
    folder = tmp_path / "backups"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), PASSPHRASE], env=_env(db),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        for _ in range(3):
            proc = _start(db, "backup", "create", "--to", str(folder))
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert err == b""
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
    finally:
        os.killpg(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=60)
    good, bad = backup.verify(folder, KEY)
    assert bad == {} and len(good) == 3
    counts = [e["counts"]["customers"] for e in backup.list_backups(folder)]
    assert counts == sorted(counts) and counts[-1] > N_CUSTOMERS  # writes went on meanwhile
    assert _check_db(db)[0] >= counts[-1]
