"""`backup create`: snapshot, verify, publish, record in the manifest, prune."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custinfo import dbfiles
from custinfo.backup.manifest import (
    LOCK,
    NAME_RE,
    TMP_PREFIX,
    KeepRules,
    journal_copy,
    prune,
    read_manifest,
    write_manifest,
)
from custinfo.backup.verify import check_file, open_readonly, sha256_file, table_counts
from custinfo.errors import (
    BackupLockedError,
    CustinfoError,
    DatabaseLockedError,
    IntegrityCheckError,
    UsageError,
)
from custinfo.files import TMP_MARK, fsync_path, remove_quietly, write_atomic
from custinfo.i18n import _
from custinfo.store.db import classify, utc_now

default_dir = dbfiles.default_backup_dir


@dataclass(slots=True)
class CreateResult:
    path: Path
    pruned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One `backup create` per folder: `flock` on `.custinfo-backup.lock`, which is removed
    again on the way out (also on Ctrl-C). A lock file that was replaced while we waited for
    it is not ours: we retry on the new one."""
    path = folder / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            mine = os.fstat(fd)
            now = os.stat(path)
        except BlockingIOError:
            os.close(fd)
            raise BackupLockedError(
                _("another 'backup create' is running into {folder}; try again later").format(
                    folder=folder
                )
            ) from None
        except FileNotFoundError:  # removed by its previous holder after we opened it
            os.close(fd)
            continue
        if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        remove_quietly(path)  # while still holding it, so nobody locks a removed file
        os.close(fd)


def _prepare_folder(folder: Path) -> None:
    try:
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
            folder.chmod(0o700)
        if not folder.is_dir():
            raise UsageError(_("backup target {folder} is not a folder").format(folder=folder))
        probe = folder / f"{TMP_PREFIX}probe-{secrets.token_hex(4)}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink(missing_ok=True)  # another process's tidy may have taken it already
    except OSError as exc:
        raise CustinfoError(
            _(
                "cannot write to backup folder {folder}: {strerror}; the database is untouched"
            ).format(folder=folder, strerror=exc.strerror)
        ) from None


def _final_name(folder: Path, stem: str, at: str) -> str:
    ts = at[:19].replace("-", "").replace(":", "") + "Z"
    name, n = f"{stem}-{ts}.db", 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{ts}-{n}.db"
    return name


def create(
    store: Any,
    key: bytes,
    folder: Path,
    keep: KeepRules | None = None,
    *,
    full_check: bool = False,
) -> CreateResult:
    """Snapshot, verify, publish and (with keep rules) prune. Returns the new backup's path.

    The copy is verified with `cipher_integrity_check`, row counts and `quick_check`, or
    with the full `integrity_check` too when `full_check` (see `check_file`). A copy of
    the purge journal is kept beside the backups (`<stem>.purge-journal`).
    """
    _prepare_folder(folder)
    with folder_lock(folder):
        warnings = _reconcile(folder, key)
        tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(8)}.db"
        try:
            at, counts = _snapshot(store.conn, key, tmp)
            with ThreadPoolExecutor(max_workers=1) as pool:
                hashing = pool.submit(sha256_file, tmp)  # hashlib releases the GIL too
                problems = check_file(tmp, key, counts, full=full_check)
                size, digest = tmp.stat().st_size, hashing.result()
            if problems:
                raise IntegrityCheckError(
                    _("the new backup failed verification ({problems}); nothing was kept").format(
                        problems=problems[0]
                    )
                )
            name = _final_name(folder, store.db.path.stem, at)
            os.replace(tmp, folder / name)
            fsync_path(folder)
        except BaseException as exc:
            remove_quietly(tmp)
            raise _target_error(exc, folder) from None
        entries = read_manifest(folder)
        entries[name] = {
            "name": name, "created_at": at, "size": size, "sha256": digest, "counts": counts,
            "db_uid": _meta(store.conn, "db_uid"),
        }  # fmt: skip
        try:
            write_manifest(folder, entries)
            _copy_journal(store.db.path, folder)
        except OSError as exc:
            raise _target_error(exc, folder) from None
        pruned = prune(folder, keep) if keep and keep.any() else []
    return CreateResult(folder / name, pruned, warnings)


def _copy_journal(db_path: Path, folder: Path) -> None:
    """Keep the purge journal beside the backups, so they can be restored on a new machine
    without bringing erased people back (restore checks it like the journal itself)."""
    from custinfo.privacy import journal

    data = journal.snapshot(journal.journal_path(db_path))
    if data is not None:
        write_atomic(journal_copy(folder, db_path.stem), data)


def _meta(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _snapshot(src: Any, key: bytes, tmp: Path) -> tuple[str, dict[str, int]]:
    """Copy one consistent snapshot of `src` into `tmp` (encrypted, same passphrase)."""
    import sqlcipher3

    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    dst = sqlcipher3.connect(str(tmp), isolation_level=None, check_same_thread=False)
    try:
        dst.execute("PRAGMA cipher_log_level = NONE")
        dst.set_key(key)
        src.execute("BEGIN")  # one read snapshot for the counts and the copy
        try:
            at = utc_now()
            counts = table_counts(src)
            src.backup(dst)
        finally:
            src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode = DELETE").fetchone()  # a single self-contained file
    finally:
        dst.close()
    fsync_path(tmp)
    return at, counts


def _target_error(exc: BaseException, folder: Path) -> BaseException:
    """A clear message for a failed backup (disk full, read-only...); others unchanged."""
    if isinstance(exc, CustinfoError) and not isinstance(exc, DatabaseLockedError):
        return exc
    if isinstance(exc, OSError):
        return CustinfoError(
            _("backup into {folder} failed: {strerror}; the database is untouched").format(
                folder=folder, strerror=exc.strerror
            )
        )
    if type(exc).__module__.startswith("sqlcipher3"):
        text = str(exc).lower()
        if "full" in text or "disk i/o" in text or "readonly" in text or "unable to open" in text:
            why = (
                _("the target is full")
                if "full" in text
                else _("cannot write there ({reason})").format(reason=exc)
            )
            return CustinfoError(
                _("backup into {folder} failed: {why}; the database is untouched").format(
                    folder=folder, why=why
                )
            )
        return classify(exc)
    return exc


def _reconcile(folder: Path, key: bytes) -> list[str]:
    """Tidy after a crash: drop temp files (held by the folder lock, so all are dead);
    adopt verified final-name files missing from the manifest (a crash between rename and
    manifest write)."""
    for path in folder.iterdir():
        if path.name.startswith(TMP_PREFIX) or TMP_MARK in path.name:
            remove_quietly(path)
    entries = read_manifest(folder)
    warnings, changed = [], False
    for path in sorted(folder.glob("*.db")):
        if not NAME_RE.match(path.name) or path.name in entries:
            continue
        if check_file(path, key):
            warnings.append(
                _("{name} is not in the manifest and fails verification").format(name=path.name)
            )
            continue
        conn = open_readonly(path, key)
        try:
            counts, db_uid = table_counts(conn), _meta(conn, "db_uid")
        finally:
            conn.close()
        match = NAME_RE.match(path.name)
        assert match
        ts = match["ts"]
        at = f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}.000000Z"
        entries[path.name] = {
            "name": path.name, "created_at": at, "size": path.stat().st_size,
            "sha256": sha256_file(path), "counts": counts, "db_uid": db_uid,
        }  # fmt: skip
        changed = True
    for name in list(entries):
        if not (folder / name).exists():
            warnings.append(
                _("{name} is listed in the manifest but missing; forgetting it").format(name=name)
            )
            del entries[name]
            changed = True
    if changed:
        write_manifest(folder, entries)
    return warnings
