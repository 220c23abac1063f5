"""custinfo passwd: re-encryption in place, checked, and atomic against kill -9."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, CliRunner, run_process

NEW = "a new passphrase 新口令"


def secret_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def opens_with(db: Path, passphrase: str) -> int | None:
    """The customer count when `db` opens with `passphrase` and every check passes."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(db))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.set_key(passphrase.encode())
    try:
        count = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        return int(count)
    except sqlcipher3.DatabaseError:
        return None
    finally:
        conn.close()


def test_passwd_from_a_file(cli: CliRunner, db: Path, tmp_path: Path) -> None:
    cli.ok("add", "--name", "张伟", "--phone", "138 0013 8000")
    backups = tmp_path / "backups"
    cli.ok("backup", "create", "--to", str(backups))
    new = secret_file(tmp_path / "new.txt", NEW)
    result = cli("passwd", "--new-passphrase-file", str(new))
    assert result.code == 0, result.stderr
    assert "passphrase changed" in result.stderr and "backups made before" in result.stderr
    assert "lost" in result.stderr  # the warning
    assert opens_with(db, PASSPHRASE) is None and opens_with(db, NEW) == 1
    from custinfo.store import Store

    with Store.open(db, NEW.encode()) as store:  # audited, without any value
        entry = store.conn.execute("SELECT command, detail FROM audit ORDER BY id DESC").fetchone()
        assert entry[0] == "passwd" and NEW not in str(entry) and PASSPHRASE not in str(entry)
        assert store.meta("passphrase_changed_at")
    os.environ["CUSTINFO_PASSPHRASE"] = NEW
    assert "张伟" in cli.ok("show", "1")
    old = secret_file(tmp_path / "old.txt", PASSPHRASE)
    assert cli("backup", "verify", str(backups)).code == 12  # the backup keeps the old one
    verified = cli("backup", "verify", str(backups), "--passphrase-file", str(old))
    assert verified.code == 0 and verified.stdout.startswith("ok\t")


def test_passwd_refusals_change_nothing(cli: CliRunner, db: Path, tmp_path: Path) -> None:
    weak = secret_file(tmp_path / "weak.txt", "abc")
    result = cli("passwd", "--new-passphrase-file", str(weak))
    assert (
        result.code == 2 and "use at least 8" in result.stderr and "--force-weak" in result.stderr
    )
    same = secret_file(tmp_path / "same.txt", PASSPHRASE)
    assert "same as the current" in cli("passwd", "--new-passphrase-file", str(same)).stderr
    loose = secret_file(tmp_path / "loose.txt", NEW, 0o644)
    assert cli("passwd", "--new-passphrase-file", str(loose)).code == 12
    assert cli("passwd").code == 12  # no terminal, no file: never the old env passphrase
    assert opens_with(db, PASSPHRASE) == 0
    assert cli("passwd", "--new-passphrase-file", str(weak), "--force-weak").code == 0
    assert opens_with(db, "abc") == 0


def test_passwd_refuses_while_another_process_reads(cli: CliRunner, db: Path, tmp_path) -> None:
    import sqlcipher3

    other = sqlcipher3.connect(str(db))
    other.set_key(PASSPHRASE.encode())
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM customers").fetchone()  # a read transaction
    try:
        result = cli("passwd", "--new-passphrase-file", str(secret_file(tmp_path / "n", NEW)))
    finally:
        other.rollback()
        other.close()
    assert result.code == 11 and "another process" in result.stderr
    assert opens_with(db, PASSPHRASE) == 0


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of a few MB, so that a rekey takes long enough to be interrupted."""
    from custinfo.demo import load_synthetic
    from custinfo.store import Store

    path = tmp_path_factory.mktemp("passwd") / "base.db"
    with Store.create(path, PASSPHRASE.encode(), region="CN") as store:
        load_synthetic(store, 3000)
    return path


def kill_loop(base: Path, workdir: Path, delays: list[float]) -> dict[str, int]:
    """Run `passwd` on a copy of `base` and SIGKILL it after each delay; the file must open
    fully with exactly one of the passphrases, with every customer."""
    expected = opens_with(base, PASSPHRASE)
    new = secret_file(workdir / "new.txt", NEW)
    seen = {"old": 0, "new": 0}
    env = {"CUSTINFO_PASSPHRASE": PASSPHRASE}
    for n, delay in enumerate(delays):
        db = workdir / f"k{n}.db"
        shutil.copy(base, db)
        full = {**os.environ, **env, "CUSTINFO_DB": str(db)}
        src = str(Path(__file__).resolve().parent.parent / "src")
        full["PYTHONPATH"] = src + os.pathsep + full.get("PYTHONPATH", "")
        argv = [sys.executable, "-m", "custinfo", "passwd", "--new-passphrase-file", str(new)]
        proc = subprocess.Popen(argv, env=full, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        old_count, new_count = opens_with(db, PASSPHRASE), opens_with(db, NEW)
        assert (old_count is None) != (new_count is None), (delay, old_count, new_count)
        assert (old_count or new_count) == expected
        seen["old" if old_count is not None else "new"] += 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return seen


def timed_run(base: Path, workdir: Path) -> float:
    db = workdir / "timed.db"
    shutil.copy(base, db)
    new = secret_file(workdir / "new.txt", NEW)
    start = time.monotonic()
    done = run_process("passwd", "--new-passphrase-file", str(new),
                       env={"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return time.monotonic() - start


def test_kill_9_leaves_it_fully_old_or_fully_new(big_db: Path, tmp_path: Path) -> None:
    whole = timed_run(big_db, tmp_path)
    seen = kill_loop(big_db, tmp_path, [whole * f for f in (0.55, 0.75, 0.9, 1.5)])
    assert seen["new"] >= 1  # the last one ran to the end


@pytest.mark.slow
def test_kill_9_loop_many(big_db: Path, tmp_path: Path) -> None:
    import random

    whole = timed_run(big_db, tmp_path)
    rng = random.Random(20)
    seen = kill_loop(big_db, tmp_path, [rng.uniform(0.3, 1.1) * whole for _ in range(60)])
    assert seen["old"] and seen["new"], seen
