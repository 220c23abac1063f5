"""Opening and creating the SQLCipher file.

The key is passed with `Connection.set_key(bytes)` (never as SQL text) and SQLCipher's default
KDF and cipher settings are kept, so the file opens in standard SQLCipher tools with the same
passphrase. Each open derives the key once (about 0.1 s by design): open once per process.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custinfo.errors import (
    CustinfoError,
    DatabaseLockedError,
    IntegrityCheckError,
    PassphraseError,
    UsageError,
)
from custinfo.i18n import N_, _

if TYPE_CHECKING:
    from sqlite3 import Connection  # sqlcipher3 mirrors the sqlite3 API
else:
    Connection = Any

#: PRAGMA application_id of a custinfo database ("CINF").
APPLICATION_ID = 0x43494E46
DEFAULT_BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 65536  # 64 MiB page cache: SQLCipher's default (~8 MiB) makes bulk writes ~3x slower
WRONG_KEY = N_("wrong passphrase or not a custinfo database")


def _sqlcipher() -> Any:
    import sqlcipher3

    return sqlcipher3


def secure_create(path: Path, mode: int = 0o600) -> None:
    """Create an empty file with `mode` whatever the umask; fail if it exists."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    os.fchmod(fd, mode)
    os.close(fd)


def ensure_private_dir(path: Path) -> None:
    """Create a directory (and parents) 0700 if missing; existing directories are left alone."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):  # parents too: mkdir(parents=True) ignores `mode`
        directory.mkdir(mode=0o700)
        directory.chmod(0o700)


class Database:
    """An open, keyed, migrated connection. Use `open_database` or `create_database`."""

    def __init__(self, conn: Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.hold: Any = None  # custinfo.dbfiles.Hold, released on close

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self.conn.execute(sql, params)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any exception (nothing half-saved)."""
        if self.conn.in_transaction:  # nested use joins the outer transaction
            yield self.conn
            return
        with translate_errors():
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        else:
            with translate_errors():
                self.conn.execute("COMMIT")

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def integrity_errors(self) -> list[str]:
        """Problems found by cipher_integrity_check (HMAC per page) and integrity_check."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        problems = [r[0] for r in self.conn.execute("PRAGMA cipher_integrity_check")]
        problems += [r[0] for r in self.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            _("foreign key violation in {table}").format(table=r[0])
            for r in self.conn.execute("PRAGMA foreign_key_check")
        ]
        return problems

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        if self.hold is not None:
            self.hold.release()


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn sqlcipher3 errors into custinfo errors with exit codes."""
    sqlcipher3 = _sqlcipher()
    try:
        yield
    except sqlcipher3.OperationalError as exc:
        raise classify(exc) from None
    except sqlcipher3.DatabaseError as exc:
        raise classify(exc) from None


def classify(exc: BaseException) -> CustinfoError:
    """Map a SQLite error message to a custinfo error (no personal data in the result)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(_("database is locked by another process; try again later"))
    if "not a database" in text or "encrypted" in text:
        return PassphraseError(_(WRONG_KEY))
    if "malformed" in text or "corrupt" in text or "hmac" in text:
        return IntegrityCheckError(
            _("database file is damaged (run 'custinfo check'; restore from a backup)")
        )
    if "full" in text:
        return CustinfoError(_("disk is full: nothing was saved"))
    if "readonly" in text or "read-only" in text:
        return CustinfoError(_("database is read-only: nothing was saved"))
    if "disk i/o" in text or "unable to open" in text:
        return CustinfoError(_("I/O error on the database: {exc}").format(exc=exc))
    return CustinfoError(_("database error: {exc}").format(exc=exc))


def _connect(path: Path, key: bytes) -> Connection:
    sqlcipher3 = _sqlcipher()
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")  # no "hmac check failed" on stderr
    conn.set_key(key)
    return conn


def busy_timeout_ms() -> int:
    """How long to wait for another process's lock: CUSTINFO_BUSY_TIMEOUT_MS, default 5 s."""
    raw = os.environ.get("CUSTINFO_BUSY_TIMEOUT_MS", "")
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_MS
    if not raw.isdigit():
        raise UsageError(
            _("CUSTINFO_BUSY_TIMEOUT_MS must be a number of milliseconds, not {raw!r}").format(
                raw=raw
            )
        )
    return int(raw)


def _configure(conn: Connection) -> None:
    """Per-connection settings, then assert the safety-relevant ones actually hold."""
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    checks = {
        "secure_delete": (conn.execute("PRAGMA secure_delete").fetchone()[0], 1),
        "foreign_keys": (conn.execute("PRAGMA foreign_keys").fetchone()[0], 1),
        "temp_store": (conn.execute("PRAGMA temp_store").fetchone()[0], 2),
        "journal_mode": (mode.lower(), "wal"),
    }
    for name, (actual, wanted) in checks.items():
        if actual != wanted:
            raise CustinfoError(
                _("could not set PRAGMA {name} (got {actual!r})").format(name=name, actual=actual)
            )


def open_database(path: Path, key: bytes, *, migrate: bool = True, hold: bool = True) -> Database:
    """Open an existing custinfo database; wrong key or foreign file → PassphraseError.

    `hold`: take the shared hold (`custinfo.dbfiles`) first and tidy after killed processes;
    only `backup restore` opens its private copy without it.
    """
    from custinfo import dbfiles

    if not path.exists():
        raise UsageError(
            _("no database at {path} (create one with 'custinfo init')").format(path=path)
        )
    if path.is_dir():
        raise UsageError(_("{path} is a directory, not a database file").format(path=path))
    held = dbfiles.shared_hold(path, busy_timeout_ms()) if hold else None
    try:
        if held is not None:
            dbfiles.tidy(path)
        with translate_errors():
            conn = _connect(path, key)
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            except Exception:
                conn.close()
                raise
    except BaseException:
        if held is not None:
            held.release()
        raise
    if app_id != APPLICATION_ID:
        conn.close()
        if held is not None:
            held.release()
        raise PassphraseError(_(WRONG_KEY))
    db = Database(conn, path)
    db.hold = held
    try:
        with translate_errors():
            _configure(conn)
            if migrate:
                from custinfo.store.migrations import migrate as run_migrations

                run_migrations(db)
    except BaseException:
        db.close()
        raise
    return db


def create_database(path: Path, key: bytes, *, region: str, currency: str = "CNY") -> Database:
    """Create a new database file (0600, parent 0700); refuses to overwrite anything."""
    if not key:
        raise UsageError(_("the passphrase must not be empty"))
    if path.exists() or Path(f"{path}-wal").exists():
        raise UsageError(_("{path} already exists; refusing to overwrite it").format(path=path))
    ensure_private_dir(path.parent)
    from custinfo import dbfiles

    held = dbfiles.shared_hold(path, busy_timeout_ms())
    secure_create(path)
    try:
        with translate_errors():
            conn = _connect(path, key)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            _configure(conn)
        db = Database(conn, path)
        db.hold = held
        from custinfo.store.migrations import migrate as run_migrations

        with translate_errors():
            run_migrations(db)
            with db.transaction():
                db.set_meta("region", region)
                db.set_meta("currency", currency)
                db.set_meta("created_at", utc_now())
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")
        held.release()
        raise
    return db


def utc_now() -> str:
    """The current UTC time as ISO 8601 with microseconds and a Z (sortable as text)."""
    seconds, micros = divmod(time.time_ns() // 1000, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"
