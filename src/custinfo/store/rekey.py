"""Change the passphrase of a database in place: SQLCipher rekey, then a full verification.

Why in place is safe against kill -9 (tests/test_passwd.py kills it at random moments):
the WAL is checkpointed and truncated first, then `Connection.reset_key` (`PRAGMA rekey`)
rewrites every page under the new key as ONE write transaction, which in WAL mode appends
every page to the `-wal` file and commits with its last frame. Before that commit frame is
on disk, a reader ignores the new frames (the file is fully old); after it, every page's
newest version is in the WAL under the new key (fully new), and the checkpoint that copies
them into the main file is redone by the next open if it is interrupted. The result keeps
SQLCipher's defaults (PBKDF2-SHA512, 256,000 iterations, HMAC-SHA512), so the file opens in
SQLCipher 4 tools with the new passphrase.

Another process with the database open would go on with the old key: the change is refused
(exit 11) unless this is the only connection, which `PRAGMA journal_mode=DELETE` proves (it
is refused while any other connection has the file open, even an idle one; the mode goes
back to WAL at once). Backups are separate files and keep their old passphrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from custinfo.errors import DatabaseLockedError, IntegrityCheckError, UsageError
from custinfo.i18n import _
from custinfo.store.db import open_database, translate_errors


@dataclass(frozen=True)
class Rekeyed:
    path: Path
    tables: int
    rows: int


def _counts(conn: object) -> dict[str, int]:
    names = [r[0] for r in conn.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    )]  # fmt: skip
    return {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[attr-defined]
        for name in names
    }


def _alone(conn: object) -> None:
    """Raise DatabaseLockedError unless no other connection has the database open."""
    import contextlib

    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]  # type: ignore[attr-defined]
    conn.execute("PRAGMA busy_timeout = 250")  # type: ignore[attr-defined]
    try:
        mode = None
        with contextlib.suppress(Exception):  # "database is locked": someone else has it
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]  # type: ignore[attr-defined]
        if mode != "delete":
            raise DatabaseLockedError(
                _("another process has the database open; stop it (and cron jobs) and retry")
            )
        conn.execute("PRAGMA journal_mode = WAL")  # type: ignore[attr-defined]
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")  # type: ignore[attr-defined]


def _checkpoint(conn: object) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()  # type: ignore[attr-defined]


def change_passphrase(path: Path, old_key: bytes, new_key: bytes) -> Rekeyed:
    """Re-encrypt `path` from `old_key` to `new_key`, then reopen it with `new_key` and check
    every page (HMAC), every b-tree and the row count of every table."""
    if old_key == new_key:
        raise UsageError(_("the new passphrase is the same as the current one; nothing changed"))
    db = open_database(path, old_key)
    try:
        with translate_errors():
            before = _counts(db.conn)
            _alone(db.conn)  # also leaves the WAL empty
            db.conn.reset_key(new_key)
            _checkpoint(db.conn)
    finally:
        db.close()
    from custinfo.store.db import utc_now
    from custinfo.store.repo import Store

    check = open_database(path, new_key, migrate=False)
    try:
        with translate_errors():
            bad = check.conn.execute("PRAGMA cipher_integrity_check").fetchall()
            quick = check.conn.execute("PRAGMA quick_check").fetchall()
            after = _counts(check.conn)
        if bad or quick != [("ok",)] or after != before:
            raise IntegrityCheckError(
                _(
                    "the passphrase was changed but the check of {path} failed; the new "
                    "passphrase is in effect: run 'custinfo check'"
                ).format(path=path)
            )
        with Store(check).write("passwd") as w:  # one audit entry; no value, no passphrase
            w.set_meta("passphrase_changed_at", utc_now())
    finally:
        check.close()
    return Rekeyed(path, len(after), sum(after.values()))
