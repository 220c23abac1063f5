"""The files that belong to a database, the hold on it, and tidying after a killed process.

Beside `customers.db`: SQLite's `-wal`, `-shm`, `-journal`; the purge journal
`customers.db.purge-journal`; the lock file `customers.db.lock`; copies kept by restore,
`customers.db.pre-restore-<UTC>`; while a restore runs, `.customers.db.restore-<hex>`.
The backup folder (`--to`, `$CUSTINFO_BACKUP_DIR`, else `backups/` beside the database)
holds backups, `manifest.json`, `<stem>.purge-journal` (a copy) and, while `backup create`
runs, `.custinfo-backup.lock` and `.tmp-*`.

**The hold.** Every custinfo process that opens a database holds `flock(LOCK_SH)` on its lock
file for as long as it has the database open (taken before SQLite opens the file, so no
process can reach a file that a restore is about to replace). `backup restore` takes
`flock(LOCK_EX)` without waiting: it gets it only when no other custinfo process has the
database open, and while it holds it, no custinfo process can open it (they wait up to the
busy timeout, then exit 11). See docs/backup.md.

**Tidying.** `tidy()` runs at every open, under the shared hold (so no restore is running):
it removes what a killed `backup restore` or `backup create` left behind, since those copies
may still hold people erased since.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Mapping
from pathlib import Path

from custinfo.errors import DatabaseLockedError
from custinfo.i18n import _

LOCK_SUFFIX = ".lock"
JOURNAL_SUFFIX = ".purge-journal"
PRE_RESTORE = ".pre-restore-"
RESTORE_TMP = ".restore-"
OUTPUT_MARK = ".output-"
ENV_BACKUP_DIR = "CUSTINFO_BACKUP_DIR"
BACKUP_LOCK = ".custinfo-backup.lock"
BACKUP_TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
_POLL_S = 0.02


def lock_path(db_path: Path) -> Path:
    return Path(f"{db_path}{LOCK_SUFFIX}")


def journal_path(db_path: Path) -> Path:
    return Path(f"{db_path}{JOURNAL_SUFFIX}")


def restore_temp(db_path: Path, token: str) -> Path:
    return db_path.parent / f".{db_path.name}{RESTORE_TMP}{token}"


def is_restore_temp(path: Path, db_path: Path) -> bool:
    return path.parent == db_path.parent and path.name.startswith(f".{db_path.name}{RESTORE_TMP}")


def default_backup_dir(
    db_path: Path, to: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """--to, else $CUSTINFO_BACKUP_DIR, else `backups` beside the database."""
    env = os.environ if environ is None else environ
    if to is not None:
        return to.expanduser()
    if env.get(ENV_BACKUP_DIR):
        return Path(env[ENV_BACKUP_DIR]).expanduser()
    return db_path.parent / "backups"


def siblings(db_path: Path) -> list[tuple[Path, str]]:
    """custinfo's and SQLite's files beside the database, with what each is (beside the
    path given and, when that is a symlink, beside the real file, where SQLite puts them)."""
    out: list[tuple[Path, str]] = []
    real = Path(os.path.realpath(db_path))
    for base in dict.fromkeys((db_path, real)):
        out += [
            (base, _("the database")),
            (Path(f"{base}-wal"), _("the database's WAL file")),
            (Path(f"{base}-shm"), _("the database's shared-memory file")),
            (Path(f"{base}-journal"), _("the database's rollback journal")),
            (journal_path(base), _("the purge journal")),
            (lock_path(base), _("the database's lock file")),
        ]
        with contextlib.suppress(OSError):
            out += [
                (base.parent / name, _("a copy kept by 'backup restore'"))
                for name in os.listdir(base.parent)
                if name.startswith(f"{base.name}{PRE_RESTORE}")
            ]
    return out


def backup_folders(db_path: Path) -> list[Path]:
    """The backup folders custinfo knows for this database (those that exist)."""
    folder = default_backup_dir(db_path)
    return [folder] if folder.is_dir() else []


def backup_folder_of(folder: Path, db_path: Path | None) -> Path | None:
    """`folder` if it is a custinfo backup folder (the known one, or one with a manifest)."""
    if db_path is not None:
        for known in backup_folders(db_path):
            with contextlib.suppress(OSError):
                if os.path.samefile(known, folder):
                    return known
    if (folder / BACKUP_LOCK).exists() or _is_manifest(folder / MANIFEST):
        return folder
    return None


def _is_manifest(path: Path) -> bool:
    try:
        if path.stat().st_size > 64 << 20:
            return False
        import json

        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("backups"), list)


# -- the hold ----------------------------------------------------------------------------------
class Hold:
    """A `flock` on the database's lock file; released by `release()` (or process exit)."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):  # LOCK_UN first: forked children share it
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _open_lock(db_path: Path) -> int | None:
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        raise  # the database's folder is missing: the caller reports it
    except OSError:  # a read-only folder: use the lock file if it exists, else none can exist
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o600)
    return fd


def shared_hold(db_path: Path, timeout_ms: int) -> Hold:
    """The hold every process takes to use the database; waits up to `timeout_ms` while a
    restore holds it exclusively, then raises DatabaseLockedError (exit 11)."""
    fd = _open_lock(db_path)
    if fd is None:
        return Hold(None)
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return Hold(fd)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise DatabaseLockedError(
                    _(
                        "{db_path} is being restored by another custinfo process; try again later"
                    ).format(db_path=db_path)
                ) from None
            time.sleep(_POLL_S)
        except BaseException:
            os.close(fd)
            raise


def exclusive_hold(db_path: Path) -> Hold:
    """The hold of `backup restore`: only when no other custinfo process has the database
    open (no waiting); else DatabaseLockedError (exit 11)."""
    fd = _open_lock(db_path)
    if fd is None:
        raise DatabaseLockedError(
            _("cannot create the lock file {value}").format(value=lock_path(db_path))
        )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseLockedError(
            _(
                "another custinfo process has the database open (an import, "
                "purge, cron job or an open shell?); stop it and retry"
            )
        ) from None
    return Hold(fd)


# -- tidying -----------------------------------------------------------------------------------
def mark_output(db_path: Path, tmp: Path) -> Path:
    """A marker beside the database naming an output's temporary file (see `tidy`)."""
    import secrets

    marker = db_path.parent / f".{db_path.name}{OUTPUT_MARK}{secrets.token_hex(6)}"
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, os.fsencode(os.path.abspath(tmp)))
    finally:
        os.close(fd)
    return marker


def _tidy_marker(marker: Path) -> bool:
    """Remove a dead writer's temporary file named by `marker`, then the marker."""
    from custinfo.files import STALE_AFTER_S, TMP_MARK, is_stale, remove_quietly

    try:
        if time.time() - marker.stat().st_mtime < STALE_AFTER_S:
            return False  # its writer may be about to create the file
        tmp = Path(os.fsdecode(marker.read_bytes()))
    except OSError:
        return False
    if TMP_MARK in tmp.name and tmp.exists():
        if not is_stale(tmp):
            return False  # its writer is still at work
        remove_quietly(tmp)
    remove_quietly(marker)
    return True


def tidy(db_path: Path) -> list[Path]:
    """Remove what killed processes left: restore copies, `.pre-restore` links to the live
    file, stale output temporaries beside the database and in the backup folder. Call with
    a hold on the database (so no restore is running). Returns the removed paths."""
    from custinfo.files import remove_quietly, sweep_stale

    removed: list[Path] = []
    folder = db_path.parent
    try:
        names = os.listdir(folder)
        live = os.stat(db_path)
    except OSError:
        return removed
    for name in names:
        path = folder / name
        if name.startswith(f".{db_path.name}{OUTPUT_MARK}"):
            if _tidy_marker(path):
                removed.append(path)
        elif name.startswith(f".{db_path.name}{RESTORE_TMP}"):
            remove_quietly(path)  # a copy of a backup, possibly still holding erased people
            removed.append(path)
        elif name.startswith(f"{db_path.name}{PRE_RESTORE}") and not name.endswith(
            ("-wal", "-shm", "-journal")
        ):
            with contextlib.suppress(OSError):
                info = os.stat(path)
                if (info.st_dev, info.st_ino) == (live.st_dev, live.st_ino):
                    remove_quietly(path)  # a restore killed before its swap: only an alias
                    removed.append(path)
    removed += sweep_stale(folder)
    for backups in backup_folders(db_path):
        removed += _tidy_backup_folder(backups)
    return removed


def _tidy_backup_folder(folder: Path) -> list[Path]:
    """Temporary files of a killed `backup create`, when no create is running there."""
    from custinfo.files import TMP_MARK

    def stale(name: str) -> bool:
        return name.startswith(BACKUP_TMP_PREFIX) or TMP_MARK in name

    try:
        if not any(stale(n) for n in os.listdir(folder)):
            return []
    except OSError:
        return []
    from custinfo.backup.create import folder_lock
    from custinfo.errors import BackupLockedError
    from custinfo.files import remove_quietly

    removed = []
    with contextlib.suppress(BackupLockedError, OSError), folder_lock(folder):
        for name in os.listdir(folder):
            if stale(name):
                remove_quietly(folder / name)
                removed.append(folder / name)
    return removed
