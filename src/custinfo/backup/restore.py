"""`backup restore`: replace the database with a verified backup, re-applying later purges.

The order, and why (docs/backup.md has the user's version):
1. Verify the backup (nothing is held yet; this is the slow part).
2. Take the exclusive hold (`dbfiles.exclusive_hold`): refused at once (exit 11) while any
   other custinfo process has the database open; while held, none can open it.
3. Read what the live database records (`_Live`: its purges, its journal key), changing
   nothing; a busy error is exit 11, and only a file that cannot be read with the key is
   "damaged" (then kept byte for byte).
4. Read and check the purge journal (`_journal`); refuse (exit 13) unless it reads in full.
5. Copy the backup beside the database, migrate, re-apply the purges, audit, check.
6. Take SQLite's own exclusive lock on the live file (`_Live.lock`): leaving WAL mode
   succeeds only when no other connection, custinfo or not, has it open (else exit 11), and
   folds the WAL in, so the file is complete on its own and held with
   `locking_mode=EXCLUSIVE`.
7. Keep the live file as `<db>.pre-restore-<UTC>` (a hard link: no copy, so no disk space,
   so never truncated; a complete copy through a temporary file where links are
   impossible) and rename the copy over the database. Only then are the locks released.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custinfo import dbfiles
from custinfo.backup.manifest import NAME_RE, journal_copy
from custinfo.backup.verify import verify
from custinfo.errors import CustinfoError, DatabaseLockedError, IntegrityCheckError
from custinfo.files import copy_atomic, fsync_path, remove_quietly
from custinfo.i18n import _, gap, plural
from custinfo.store.db import APPLICATION_ID, busy_timeout_ms, classify

IGNORE_HINT = "--ignore-damaged-journal"


@dataclass(slots=True)
class RestoreResult:
    pre_restore: Path | None
    reapplied: int
    erased: int
    foreign: int = 0  # journal entries of another database, not applied
    optouts: int = 0  # opt-out rows re-applied (`privacy.optout_journal`)
    ignored: list[str] = field(default_factory=list)  # journal damage passed over on request
    torn: str = ""  # a torn last journal line (a crash during a purge)
    journal_from: Path | None = None  # the backup folder's copy, used for a missing journal


class _Live:
    """The live database: what it records (read first, changing nothing), then held with
    SQLite's exclusive lock for the swap (`lock`; see the module doc)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.key = key
        self.conn: Any = None
        self.state = "missing"  # or "ok", "held", or "damaged" (unreadable with the key)
        self.db_uid: str | None = None
        self.purges: set[str] = set()
        self.mac_key: bytes | None = None

    def __enter__(self) -> _Live:
        if not self.path.exists():
            return self
        import sqlcipher3

        from custinfo.privacy import journal, optout_journal

        self.state = "damaged"
        self.conn = sqlcipher3.connect(
            str(self.path), isolation_level=None, check_same_thread=False
        )
        try:
            self.conn.execute("PRAGMA cipher_log_level = NONE")
            self.conn.set_key(self.key)
            self.conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            if self.conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                return self
        except sqlcipher3.Error as exc:
            try:
                self._locked(exc)
            except DatabaseLockedError:
                self.__exit__()
                raise
            return self  # damaged or foreign: kept byte for byte, held by the flock alone
        self.state = "ok"
        with contextlib.suppress(Exception):  # an old schema: no purge log, no key
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'db_uid'").fetchone()
            self.db_uid = row[0] if row else ""
            self.purges = {r[0] for r in self.conn.execute("SELECT uid FROM purge_log")}
            self.mac_key = journal.mac_key(self.conn)
            self.purges |= optout_journal.recorded(self.conn)  # journalled like purges
        return self

    def lock(self) -> None:
        """SQLite's exclusive lock: leaving WAL mode works only when no other connection has
        the file open; it folds the WAL in; `locking_mode=EXCLUSIVE` keeps the lock."""
        if self.state != "ok":
            return
        import sqlcipher3

        try:
            self.conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            mode = self.conn.execute("PRAGMA journal_mode = MEMORY").fetchone()[0]
            if mode.lower() != "memory":  # still in WAL mode: another connection has it
                raise sqlcipher3.OperationalError("database is locked")
            self.conn.execute("BEGIN EXCLUSIVE")
        except sqlcipher3.Error as exc:
            self._locked(exc)
            raise classify(exc) from None
        self.state = "held"

    def _locked(self, exc: BaseException) -> None:
        if isinstance(classify(exc), DatabaseLockedError):
            raise DatabaseLockedError(
                _(
                    "another program has the database open (a custinfo process "
                    "of an older version, or an SQLite tool?); close it and retry"
                )
            ) from None

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


def restore(
    db_path: Path, backup_file: Path, key: bytes, *, ignore_damaged_journal: bool = False
) -> RestoreResult:
    """Verify `backup_file`, re-apply later purges to a copy, keep the current database as
    `<db>.pre-restore-<UTC>` and swap the copy in atomically (see the module doc)."""
    dbfiles.exclusive_hold(db_path).release()  # fail fast (exit 11) before the slow part
    _good, bad = verify(backup_file, key)
    if bad:
        raise IntegrityCheckError(
            _("backup {backup_file} failed verification: {bad}").format(
                backup_file=backup_file, bad=bad[backup_file]
            )
        )
    with dbfiles.exclusive_hold(db_path):
        dbfiles.tidy(db_path)
        with _Live(db_path, key) as live:
            result = _restore(db_path, backup_file, key, live, ignore_damaged_journal)
        for suffix in ("-wal", "-shm"):  # the old file's, if its connection left them
            remove_quietly(f"{db_path}{suffix}")
        fsync_path(db_path.parent)
    return result


def _restore(
    db_path: Path, backup_file: Path, key: bytes, live: _Live, ignore: bool
) -> RestoreResult:
    from custinfo.privacy import optout_journal, purge
    from custinfo.store.db import open_database, translate_errors
    from custinfo.store.migrations import migrate as run_migrations
    from custinfo.store.repo import Store

    tmp = dbfiles.restore_temp(db_path, secrets.token_hex(6))
    pre: Path | None = None
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as out, open(backup_file, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        store = Store(open_database(tmp, key, migrate=False, hold=False))
        try:
            old_schema = store.conn.execute("PRAGMA user_version").fetchone()[0] < 4
            with translate_errors():  # an older backup is upgraded to the current schema
                run_migrations(store.db)
            copy = _CopyFacts(store, old_schema)
            read = _journal(db_path, backup_file, live, copy)
            if read.problems and not ignore:
                raise IntegrityCheckError(
                    _(
                        "the purge journal {path} cannot be read in full: "
                        "{problems}{value}; nothing was changed. Use an intact copy "
                        "of it, or restore with {IGNORE_HINT} to re-apply what can "
                        "be read (docs/backup.md)"
                    ).format(
                        path=read.journal.path,
                        problems=read.problems[0],
                        value=_more(read.problems),
                        IGNORE_HINT=IGNORE_HINT,
                    )
                )
            if read.install:  # the backup folder's copy stands in for a missing journal
                copy_atomic(read.journal.path, dbfiles.journal_path(db_path))
            entries = read.journal.entries
            if old_schema and (live.db_uid or entries):  # a new db_uid: adopt the lineage's
                with store.write("restore") as w:
                    w.set_meta(
                        "db_uid", live.db_uid or entries[-1].get("db_uid", ""), audited=False
                    )
            foreign = purge.foreign_entries(store, entries)
            done = purge.reapply(store, entries)
            optouts = optout_journal.reapply_optouts(store, entries)  # after the purges
            _audit(store, backup_file, len(done), read.problems, optouts)
            problems = store.integrity_errors()
            if problems:
                raise IntegrityCheckError(
                    _("restored copy failed its check: {problems}").format(problems=problems[0])
                )
            store.conn.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            store.close()
        fsync_path(tmp)
        live.lock()
        try:
            pre = _set_aside(db_path, live)
        except OSError as exc:
            raise CustinfoError(
                _(
                    "cannot keep the current database aside ({strerror}); nothing was changed"
                ).format(strerror=exc.strerror)
            ) from None
        os.replace(tmp, db_path)
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            remove_quietly(f"{tmp}{suffix}")
        if pre is not None and (live.state == "held" or _same_file(pre, db_path)):
            remove_quietly(pre)  # a link to, or a copy of, the live file: still in place
        raise
    return RestoreResult(
        pre, len(done), sum(r.customers for r in done), foreign, optouts,
        ignored=read.problems if ignore else [], torn=read.journal.torn,
        journal_from=read.journal.path if read.install else None,
    )  # fmt: skip


def _more(problems: list[str]) -> str:
    if len(problems) < 2:
        return ""
    return gap() + _("(and {n} more)").format(n=len(problems) - 1)


class _CopyFacts:
    """What the restored copy knows before anything is re-applied to it."""

    def __init__(self, store: Any, old_schema: bool) -> None:
        from custinfo.privacy import journal, optout_journal

        self.db_uid = store.db.meta("db_uid") or ""
        self.purges = {r[0] for r in store.conn.execute("SELECT uid FROM purge_log")}
        self.purges |= optout_journal.recorded(store.conn)  # opt-out batches, journalled too
        # A pre-v4 backup got a fresh suppression key when migrated: it cannot check lines.
        self.mac_key = None if old_schema else journal.mac_key(store.conn)


@dataclass(slots=True)
class _JournalRead:
    journal: Any
    problems: list[str]
    install: bool = False


def _journal(db_path: Path, backup_file: Path, live: _Live, copy: _CopyFacts) -> _JournalRead:
    """Read the purge journal (or, when it is missing, the backup folder's copy) and list
    every reason it cannot be trusted in full."""
    from custinfo.privacy import journal

    keys = {uid: key for uid, key in ((live.db_uid, live.mac_key), (copy.db_uid, copy.mac_key))
            if uid is not None and key is not None}  # fmt: skip
    path = dbfiles.journal_path(db_path)
    match = NAME_RE.match(backup_file.name)
    spare = journal_copy(backup_file.parent, match["stem"]) if match else None
    install = not path.exists() and spare is not None and spare.exists()
    read = journal.read_journal(spare if install and spare else path, keys)
    recorded = set(live.purges)
    if live.state != "ok" or copy.db_uid == live.db_uid:
        recorded |= copy.purges
    problems = read.problems(recorded, have_key=bool(keys))
    if spare is not None and spare.exists() and not install:
        spare_read = journal.read_journal(spare, keys)  # only this lineage's checked lines
        extra = {e["uid"] for e in spare_read.entries if e["checked"] != "none"} - read.uids()
        if extra:
            problems.append(
                _("its copy {spare} has {purges} that it lacks").format(
                    spare=spare, purges=plural(len(extra), "purge")
                )
            )
    return _JournalRead(read, problems, install)


def _audit(
    store: Any, backup_file: Path, reapplied: int, ignored: list[str], optouts: int = 0
) -> None:
    """The restore's one audit entry (in the restored copy): which backup, how many purges
    (and opt-out rows) were re-applied, and whether journal damage was passed over
    (--ignore-damaged-journal)."""
    detail: dict[str, Any] = {"backup": backup_file.name, "reapplied": reapplied}
    if optouts:
        detail["optouts_reapplied"] = optouts
    if ignored:
        detail.update(ignored_damaged_journal=True, journal_problems=len(ignored))
    with store.write("restore") as w:
        w.audit(detail=json.dumps(detail))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _set_aside(db_path: Path, live: _Live) -> Path | None:
    """Keep the live file as `<db>.pre-restore-<UTC>` (0600): a hard link to it, or a
    complete copy through a temporary file (never a truncated one). A damaged file is kept
    byte for byte with its WAL, which must not stay beside the restored database."""
    if live.state == "missing":
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    pre = Path(f"{db_path}{dbfiles.PRE_RESTORE}{stamp}")
    n = 1
    while pre.exists():
        n += 1
        pre = Path(f"{db_path}{dbfiles.PRE_RESTORE}{stamp}-{n}")
    sides = [] if live.state == "held" else ["-wal"]
    made: list[Path] = []
    try:
        for suffix in ["", *sides]:
            src, dst = Path(f"{db_path}{suffix}"), Path(f"{pre}{suffix}")
            if suffix and (not src.exists() or src.stat().st_size == 0):
                continue
            try:
                os.link(src, dst)
            except OSError:  # no hard links here (FAT, some network file systems): copy
                copy_atomic(src, dst)
            made.append(dst)
    except BaseException:
        for path in made:  # links to, or copies of, files that are all still in place
            remove_quietly(path)
        raise
    for suffix in ("-wal", "-shm"):  # held: folded in already; damaged: kept with `pre`
        remove_quietly(f"{db_path}{suffix}")
    return pre
