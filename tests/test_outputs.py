"""Output files (issue 11, breaks 2 and 5): never one of custinfo's own files, never partial.

Break 2: `export -o` and `import --rejects` refused custinfo's own files only by accident; with
`--force` they truncated the live database, the purge journal, a backup or the manifest.
Break 5: a failed export left a truncated file of personal data (its `close()` raised again
before `unlink()`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from custinfo import dbfiles, files
from tests.conftest import ENV_NAMES, PASSPHRASE


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a purge (so a journal), a backup (so a manifest) and 200 customers."""
    from custinfo import backup, validation
    from custinfo.privacy import purge
    from custinfo.store import Store

    db = tmp_path_factory.mktemp("shop") / "customers.db"
    with Store.create(db, PASSPHRASE.encode(), region="CN") as store:
        with store.write("test") as w:
            ids = []
            for i in range(200):
                row = validation.customer_input(
                    region="CN", name=f"客户 {i}", phones=[f"139{i:08d}"],
                    emails=[f"c{i}@example.com"], notes=[f"备注 {i} " * 30],
                )  # fmt: skip
                ids.append(w.add_customer(row, source="test"))
        purge.purge(store, [ids[-1]], reason="test")
        backup.create(store, PASSPHRASE.encode(), db.parent / "backups")
    return db


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.update(CUSTINFO_DB=str(db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    return env


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _targets(db: Path, tmp: Path) -> dict[str, Path]:
    folder = db.parent / "backups"
    (backup_file,) = folder.glob("*.db")
    links = tmp / "links"
    links.mkdir(exist_ok=True)
    for name, src in (("sym-db", db), ("sym-journal", dbfiles.journal_path(db))):
        if not (links / name).exists():
            (links / name).symlink_to(src)
    if not (links / "hard-db").exists():
        os.link(db, links / "hard-db")
        os.link(backup_file, links / "hard-backup")
    if not (links / "backups-dir").exists():
        (links / "backups-dir").symlink_to(folder)
    return {
        "database": db,
        "wal": Path(f"{db}-wal"),  # need not exist: SQLite would take it for the WAL
        "shm": Path(f"{db}-shm"),
        "journal": dbfiles.journal_path(db),
        "lock": dbfiles.lock_path(db),
        "backup": backup_file,
        "manifest": folder / "manifest.json",
        "journal copy": folder / "customers.purge-journal",
        "new name in backup folder": folder / "customers-20300101T000000Z.db",
        "relative path": Path(os.path.relpath(db)),
        "symlink to db": links / "sym-db",
        "symlink to journal": links / "sym-journal",
        "hard link to db": links / "hard-db",
        "hard link to a backup": links / "hard-backup",
        "through a symlinked folder": links / "backups-dir" / "new.csv",
    }


TARGETS = [
    "database", "wal", "shm", "journal", "lock", "backup", "manifest", "journal copy",
    "new name in backup folder", "relative path", "symlink to db", "symlink to journal",
    "hard link to db", "hard link to a backup", "through a symlinked folder",
]  # fmt: skip


@pytest.mark.parametrize("command", ["export", "rejects"])
def test_own_files_are_refused_as_output(shop: Path, tmp_path: Path, cli, command) -> None:
    """Regression (break 2): each was truncated (or replaced) before the fix."""
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nA,not-an-email\n", encoding="utf-8")
    before = _digests(shop.parent)
    targets = _targets(shop, tmp_path)
    assert set(targets) == set(TARGETS)
    for what, target in targets.items():
        if command == "export":
            args = ["--db", str(shop), "export", "-o", str(target), "--force"]
        else:
            args = ["--db", str(shop), "import", str(bad), "--rejects", str(target), "--force"]
        result = cli(*args)
        assert result.code == 2, (what, result.stderr)
        assert result.stderr.startswith(f"custinfo: error: refusing to write to {target}"), what
        assert result.stderr.count("\n") == 1
    assert _digests(shop.parent) == before


def test_an_ordinary_output_still_works_and_replaces_with_force(shop: Path, tmp_path, cli) -> None:
    out = tmp_path / "out.csv"
    cli.ok("--db", str(shop), "export", "-o", str(out))
    assert out.read_text(encoding="utf-8").count("\n") == 200  # header + 199
    assert os.stat(out).st_mode & 0o777 == 0o600
    refused = cli("--db", str(shop), "export", "-o", str(out))
    assert refused.code == 2 and "--force" in refused.stderr
    link = tmp_path / "link.csv"
    link.symlink_to(out)  # through a symlink to an ordinary file: the real file is replaced
    cli.ok("--db", str(shop), "export", "-o", str(link), "--force", "--format", "ndjson")
    assert link.is_symlink() and out.read_text(encoding="utf-8").startswith('{"id":')
    assert [p.name for p in tmp_path.iterdir() if files.TMP_MARK in p.name] == []
    assert [p for p in shop.parent.iterdir() if dbfiles.OUTPUT_MARK in p.name] == []


def test_stdout_appended_onto_the_database_is_refused(shop: Path) -> None:
    before = shop.read_bytes()
    with open(shop, "ab") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "custinfo", "export"], env=_env(shop), stdout=stdout,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert b"refusing to write to standard output: it is the database" in done.stderr
    assert shop.read_bytes() == before


# -- never a partial file --------------------------------------------------------------------
class _Failing:
    """A file whose flush and close fail, as on a full disk."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def write(self, data):
        return self.inner.write(data)

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    close = flush


def test_a_second_failure_while_cleaning_up_still_removes_the_temporary(tmp_path) -> None:
    """Regression (break 5): close() raised again and unlink() never ran."""
    out = files.AtomicOutput(tmp_path / "x.csv")
    handle = out.open(encoding="utf-8")
    handle.write("secret,row\n" * 1000)
    out._file = _Failing(handle)
    with pytest.raises(OSError):
        out.commit()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyboardInterrupt), files.atomic_output(tmp_path / "y.csv") as f:
        f.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def _limited(limit: int):
    import resource

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "vcard", "excel"])
def test_export_on_a_full_disk_leaves_no_file(shop: Path, tmp_path: Path, fmt: str) -> None:
    """Regression (break 5): RLIMIT_FSIZE makes every write past 48 KiB fail (EFBIG)."""
    target = tmp_path / f"out.{fmt}"
    args = ["--format", "csv", "--excel"] if fmt == "excel" else ["--format", fmt]
    done = subprocess.run(
        [sys.executable, "-m", "custinfo", "export", "-o", str(target), *args],
        env=_env(shop), capture_output=True, preexec_fn=_limited(48 << 10), timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no target, no temporary
    assert [p for p in shop.parent.iterdir() if dbfiles.OUTPUT_MARK in p.name] == []


def test_rejects_on_a_full_disk_leave_no_file_and_import_nothing(shop: Path, tmp_path) -> None:
    data = tmp_path / "in.csv"
    rows = [f"坏 {i},bad-email-{i}-{'x' * 40}" for i in range(2000)]
    data.write_text("name,email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    before = _digests(shop.parent)
    done = subprocess.run(
        [sys.executable, "-m", "custinfo", "import", str(data), "--rejects", str(rejects)],
        env=_env(shop), capture_output=True, preexec_fn=_limited(64 << 10), timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr
    assert list(rejects.parent.iterdir()) == []
    after = _digests(shop.parent)
    assert {k: v for k, v in after.items() if not k.endswith(("-shm", "-wal"))} == {
        k: v for k, v in before.items() if not k.endswith(("-shm", "-wal"))
    }


def test_killed_export_leaves_nothing_after_the_next_open(shop: Path, tmp_path, cli) -> None:
    """kill -9 mid-export: the target never appears half-written, and the hidden temporary
    (plain personal data) is removed by the next command that opens the database."""
    target = tmp_path / "out" / "all.json"
    target.parent.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, str(shop), PASSPHRASE, str(target)],
        env=_env(shop), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    proc.kill()
    proc.communicate(timeout=30)
    (tmp,) = list(target.parent.iterdir())
    assert files.TMP_MARK in tmp.name and not target.exists()
    (marker,) = [p for p in shop.parent.iterdir() if dbfiles.OUTPUT_MARK in p.name]
    old = time.time() - 2 * files.STALE_AFTER_S
    for path in (tmp, marker):
        os.utime(path, (old, old))
    cli.ok("--db", str(shop), "check")
    assert list(target.parent.iterdir()) == []
    assert [p for p in shop.parent.iterdir() if dbfiles.OUTPUT_MARK in p.name] == []


SLOW_EXPORT = """
import sys, time
from pathlib import Path
from custinfo import files
with files.atomic_output(Path(sys.argv[3]), encoding="utf-8", track=Path(sys.argv[1])) as out:
    out.write('{"name": "客户 1"}\\n' * 1000)
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""
