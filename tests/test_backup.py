"""backup create/list/verify/restore, retention and check."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import time
from pathlib import Path

import pytest

from custinfo import backup
from custinfo.backup import KeepRules
from tests.conftest import PASSPHRASE, run_process


def _fill(db: Path, n: int = 40) -> None:
    from custinfo.demo import load_synthetic
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        load_synthetic(store, n)


def _count(db: Path) -> int:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return store.count()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_prints_only_the_path_and_writes_a_verified_0600_file(db: Path, tmp_path) -> None:
    _fill(db)
    pass_file = tmp_path / "pass"
    pass_file.write_text(PASSPHRASE + "\n")
    pass_file.chmod(0o600)
    env = {"CUSTINFO_PASSPHRASE_FILE": str(pass_file)}  # as in the documented crontab line
    done = run_process("--db", str(db), "backup", "create", "--keep-daily", "7", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    path = Path(done.stdout.decode().strip())
    assert done.stdout.decode() == f"{path}\n"
    assert path.parent == db.parent / "backups" and _mode(path.parent) == 0o700
    assert backup.NAME_RE.match(path.name) and _mode(path) == 0o600
    manifest = json.loads((path.parent / "manifest.json").read_text())
    (entry,) = manifest["backups"]
    assert entry["name"] == path.name and entry["size"] == path.stat().st_size
    assert entry["sha256"] == backup.sha256_file(path)
    assert entry["counts"]["customers"] == _count(db)
    assert _mode(path.parent / "manifest.json") == 0o600
    assert backup.check_file(path, PASSPHRASE.encode(), entry["counts"]) == []
    # the lock file is removed again; no journal yet, so no journal copy
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, "manifest.json"])


def test_target_folder_from_option_and_environment(cli, db: Path, tmp_path, monkeypatch) -> None:
    out = Path(cli.ok("backup", "create", "--to", str(tmp_path / "a")).strip())
    assert out.parent == tmp_path / "a"
    monkeypatch.setenv("CUSTINFO_BACKUP_DIR", str(tmp_path / "b"))
    out = Path(cli.ok("backup", "create").strip())
    assert out.parent == tmp_path / "b"
    assert "customers" in cli.ok("backup", "list")
    listed = json.loads(cli.ok("backup", "list", "--format", "json"))
    assert [e["name"] for e in listed] == [out.name] and listed[0]["status"] == "ok"


def test_verify_names_a_tampered_backup_and_exits_13(cli, db: Path) -> None:
    _fill(db)
    first = Path(cli.ok("backup", "create").strip())
    second = Path(cli.ok("backup", "create").strip())
    assert first != second
    result = cli("backup", "verify")
    assert result.code == 0 and result.stdout.count("ok\t") == 2
    data = bytearray(second.read_bytes())
    data[len(data) // 2] ^= 0xFF
    second.write_bytes(bytes(data))
    result = cli("backup", "verify")
    assert result.code == 13
    assert second.name in result.stderr and first.name not in result.stderr
    assert f"ok\t{first}" in result.stdout
    assert cli("backup", "verify", str(first)).code == 0
    assert cli("backup", "verify", str(second)).code == 13


def test_verify_opens_fully_without_a_manifest_too(cli, db: Path, tmp_path) -> None:
    path = Path(cli.ok("backup", "create").strip())
    lone = tmp_path / "elsewhere"
    lone.mkdir()
    copy = lone / path.name
    copy.write_bytes(path.read_bytes())
    assert cli("backup", "verify", str(copy)).code == 0
    data = bytearray(copy.read_bytes())
    data[5000] ^= 1
    copy.write_bytes(bytes(data))
    assert cli("backup", "verify", str(copy)).code == 13


def test_verify_with_wrong_passphrase_is_exit_12(cli, db: Path, monkeypatch) -> None:
    cli.ok("backup", "create")
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", "wrong")
    assert cli("backup", "verify").code == 12
    assert cli("backup", "create").code == 12


def test_empty_folder_is_not_found(cli, db: Path, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    assert cli("backup", "verify", str(tmp_path / "empty")).code == 3


def test_second_concurrent_create_exits_11_at_once(cli, db: Path) -> None:
    folder = db.parent / "backups"
    folder.mkdir(mode=0o700)
    fd = os.open(folder / backup.LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        started = time.monotonic()
        result = cli("backup", "create")
        assert result.code == 11 and "another" in result.stderr
        assert time.monotonic() - started < 3
    finally:
        os.close(fd)
    assert cli("backup", "create").code == 0


def _entries(*stamps: str) -> list[dict]:
    return [{"name": f"c-{i}.db", "created_at": s} for i, s in enumerate(stamps)]


def test_retention_follows_restic_forget() -> None:
    entries = _entries(
        "2026-01-01T03:00:00Z", "2026-01-01T15:00:00Z",  # same day: newest of the day counts
        "2026-01-02T03:00:00Z", "2026-01-05T03:00:00Z", "2026-01-12T03:00:00Z",
        "2026-02-10T03:00:00Z", "2026-03-01T03:00:00Z", "2026-03-01T04:00:00Z",
    )  # fmt: skip
    names = lambda kept: sorted(int(n[2:-3]) for n in kept)  # noqa: E731
    assert names(backup.to_keep(entries, KeepRules())) == [7]  # newest only, never removed
    assert names(backup.to_keep(entries, KeepRules(last=3))) == [5, 6, 7]
    assert names(backup.to_keep(entries, KeepRules(daily=3))) == [4, 5, 7]
    assert names(backup.to_keep(entries, KeepRules(weekly=3))) == [4, 5, 7]
    assert names(backup.to_keep(entries, KeepRules(monthly=2))) == [5, 7]
    assert names(backup.to_keep(entries, KeepRules(daily=10))) == [1, 2, 3, 4, 5, 7]
    assert names(backup.to_keep(entries, KeepRules(last=1, monthly=3))) == [4, 5, 7]


def test_create_prunes_only_with_rules(cli, db: Path) -> None:
    made = [Path(cli.ok("backup", "create").strip()) for _ in range(3)]
    assert all(p.exists() for p in made)  # no rules: nothing pruned
    newest = Path(cli.ok("backup", "create", "--keep-last", "2").strip())
    folder = newest.parent
    assert sorted(p.name for p in folder.glob("*.db")) == sorted([made[2].name, newest.name])
    assert set(backup.read_manifest(folder)) == {made[2].name, newest.name}


def test_restore_reapplies_later_purges_and_keeps_the_old_db(cli, db: Path) -> None:
    keep = int(cli.ok("add", "--name", "Kept", "--phone", "13900139000").strip())
    gone = int(cli.ok("add", "--name", "Erased Person", "--phone", "13800138000").strip())
    snap = Path(cli.ok("backup", "create").strip())
    cli.ok("purge", str(gone), "--yes")
    later = int(cli.ok("add", "--name", "Added later").strip())

    refused = cli("backup", "restore", str(snap))
    assert refused.code == 2 and "--yes" in refused.stderr
    declined = cli("backup", "restore", str(snap), tty=True, input="n\n")
    assert declined.code == 1
    result = cli("backup", "restore", str(snap), tty=True, input="y\n")
    assert result.code == 0, result.stderr
    assert "re-applied 1 later purge" in result.stderr

    assert cli("show", str(gone)).code == 3  # the erased person did not come back
    assert cli("show", str(later)).code == 3  # the backup predates this one
    assert "Kept" in cli.ok("show", str(keep))
    assert cli("add", "--name", "x", "--phone", "13800138000").code == 2  # still suppressed
    assert cli.ok("check").strip() == "ok"
    (pre,) = db.parent.glob(f"{db.name}.pre-restore-*")
    assert _mode(pre) == 0o600
    from custinfo.store import Store

    with Store.open(pre, PASSPHRASE.encode()) as old:
        assert [c.id for c in old.iter_all()] == [keep, later]
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    # Restoring the same old backup again still never brings them back.
    cli.ok("backup", "restore", str(snap), "--yes")
    assert cli("show", str(gone)).code == 3


def test_restore_of_a_bad_backup_leaves_the_database_alone(cli, db: Path) -> None:
    _fill(db, 10)
    snap = Path(cli.ok("backup", "create").strip())
    data = bytearray(snap.read_bytes())
    data[6000] ^= 0xFF
    snap.write_bytes(bytes(data))
    before = db.read_bytes()
    result = cli("backup", "restore", str(snap), "--yes")
    assert result.code == 13
    assert db.read_bytes() == before
    assert list(db.parent.glob("*.pre-restore-*")) == []
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(".")] == []


def test_restore_refuses_while_another_process_has_the_db_open(cli, db: Path, store) -> None:
    snap = Path(cli.ok("backup", "create").strip())
    result = cli("backup", "restore", str(snap), "--yes")
    assert result.code == 11 and "another custinfo process" in result.stderr


def test_restore_replaces_a_missing_database(cli, db: Path) -> None:
    cli.ok("add", "--name", "A")
    snap = Path(cli.ok("backup", "create").strip())
    db.unlink()
    cli.ok("backup", "restore", str(snap), "--yes")
    assert "A" in cli.ok("show", "1")


def test_check_ok_and_damaged(cli, db: Path) -> None:
    _fill(db, 200)
    assert cli.ok("check") == "ok\n"
    data = bytearray(db.read_bytes())
    assert len(data) > 5 * 4096
    data[3 * 4096 + 100] ^= 0xFF  # one flipped bit of ciphertext in page 4
    db.write_bytes(bytes(data))
    result = cli("check")
    assert result.code == 13
    assert "restore" in result.stderr


def test_check_finds_dedupe_keys_of_no_customer(cli, db: Path) -> None:
    """dedupe_keys has no foreign key (v18): check looks for keys of deleted customers."""
    from custinfo.store import Store

    _fill(db, 3)
    with Store.open(db, PASSPHRASE.encode()) as store, store.db.transaction() as conn:
        conn.execute("INSERT INTO dedupe_keys(key, customer_id) VALUES (42, 999)")
    result = cli("check")
    assert result.code == 13
    assert "dedupe keys of customers that do not exist: 1 customer" in result.stderr


@pytest.mark.parametrize("bad", ["0", "-1"])
def test_keep_rules_reject_negative(cli, db: Path, bad: str) -> None:
    code = cli("backup", "create", "--keep-last", bad).code
    assert code == (0 if bad == "0" else 2)


def test_next_create_tidies_after_a_crash(cli, db: Path) -> None:
    first = Path(cli.ok("backup", "create").strip())
    folder = first.parent
    backup.write_manifest(folder, {})  # as if killed between rename and manifest write
    (folder / f"{backup.TMP_PREFIX}deadbeef.db").write_bytes(b"half a backup")
    assert json.loads(cli.ok("backup", "list", "--format", "json"))[0]["status"] == "unlisted"
    second = Path(cli.ok("backup", "create").strip())
    assert set(backup.read_manifest(folder)) == {first.name, second.name}
    assert [p for p in folder.iterdir() if p.name.startswith(backup.TMP_PREFIX)] == []
    assert cli("backup", "verify").code == 0
    second.unlink()  # removed by hand: the next run forgets it and says so on stderr
    result = cli("backup", "create")
    assert result.code == 0 and "missing" in result.stderr


def test_full_check_option(cli, db: Path) -> None:
    _fill(db, 10)
    path = Path(cli.ok("backup", "create", "--full-check").strip())
    assert backup.check_file(path, PASSPHRASE.encode(), full=False) == []
    assert backup.check_file(path, PASSPHRASE.encode(), full=True) == []


def test_restore_of_a_pre_v4_copy_still_reapplies_purges(cli, db: Path, tmp_path) -> None:
    import sqlcipher3

    a = cli.ok("add", "--name", "Erased").strip()
    b = cli.ok("add", "--name", "Kept").strip()
    snap = Path(cli.ok("backup", "create").strip())
    old = tmp_path / "old" / "customers-20200101T000000Z.db"
    old.parent.mkdir()
    old.write_bytes(snap.read_bytes())
    conn = sqlcipher3.connect(str(old), isolation_level=None)
    conn.set_key(PASSPHRASE.encode())
    conn.execute("DROP TABLE suppressed")
    conn.execute("DROP TABLE purge_log")
    conn.execute("DELETE FROM meta WHERE key IN ('suppression_key', 'db_uid')")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    cli.ok("purge", a, "--yes")
    result = cli("backup", "restore", str(old), "--yes")
    assert result.code == 0, result.stderr
    assert "re-applied 1" in result.stderr
    assert cli("show", a).code == 3
    assert "Kept" in cli.ok("show", b)
