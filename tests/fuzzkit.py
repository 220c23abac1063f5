"""Helpers for the red-team tests and fuzzers: a fast-opening database, a cheap fingerprint.

SQLCipher derives the key from a passphrase with PBKDF2 (~0.1 s per open, by design). A
passphrase of the form x'<64 hex digits>' is a raw key instead: SQLCipher skips the KDF, so
each in-process `custinfo` run costs milliseconds and a fuzzer can afford hundreds of runs.
Everything else (encryption, HMACs, the CLI path) is the same.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PASSPHRASE as RAW_KEY

#: Every exit code docs/cli.md documents.
DOCUMENTED_CODES = frozenset({0, 1, 2, 3, 11, 12, 13, 130})


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], stdin: str = "") -> Run:
    """`custinfo ARGS` in this process, with its streams captured and os.environ restored
    afterwards (`demo` changes it)."""
    from custinfo.cli.main import run

    saved_env = dict(os.environ)
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = run(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(code, out.getvalue(), err.getvalue())


def fingerprint(db: Path) -> str:
    """A hash of every row of every table (audit, derived data and settings included: a
    failing command writes nothing at all). Opened with RAW_KEY: a few ms."""
    from custinfo.store import Store

    digest = hashlib.sha256()
    with Store.open(db, RAW_KEY.encode()) as store:
        tables = [
            name
            for name, sql in store.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if not (sql or "").upper().startswith("CREATE VIRTUAL")
        ]
        for table in tables:
            digest.update(table.encode())
            rows = sorted(repr(row) for row in store.conn.execute(f'SELECT * FROM "{table}"'))
            digest.update("\n".join(rows).encode())
    return digest.hexdigest()


def assert_clean(result: Run, allowed: frozenset[int] = DOCUMENTED_CODES) -> None:
    """No traceback, no internal error, a documented code, at most one error line."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.code in allowed, (result.code, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("custinfo: error:")]
    assert len(errors) <= 1, result.stderr
    if result.code != 0 and result.code != 130:
        assert errors or result.stderr.strip(), "a failure must say why"


_TEMPLATES: dict[tuple[tuple[str, ...], ...], bytes] = {}

#: A small database for fuzzers: Chinese and Latin customers with phones, emails, tags and
#: notes, one merge (so unmerge can succeed) and one purge (so the suppression list is used).
FUZZ_BASE: tuple[tuple[str, ...], ...] = (
    ("add", "--name", "张伟", "--phone", "13800138000", "--email", "zhang.wei@example.com",
     "--city", "上海", "--tag", "VIP", "--note", "首次到店"),
    ("add", "--name", "John Smith", "--phone", "+1 415 555 0123", "--email", "john@example.com",
     "--city", "Boston", "--company", "Acme", "--tag", "wholesale"),
    ("add", "--name", "王小明", "--birthday", "1990-05-01", "--address", "人民路 1 号"),
    ("add", "--name", "To Purge", "--phone", "+86 139 0000 0001", "--email", "gone@example.com"),
    ("purge", "4", "--yes"),
    ("add", "--name", "Zhang Wei", "--phone", "13800138000", "--allow-duplicate"),
    ("merge", "1", "5", "--yes"),
)  # fmt: skip


def names(*names: str) -> tuple[tuple[str, ...], ...]:
    """Setup commands adding customers with these names (ids 1, 2, …)."""
    return tuple(("add", "--name", name) for name in names)


def place_db(db: Path, setup: tuple[tuple[str, ...], ...] = ()) -> None:
    """Write the database that `setup` (run after `init`) makes at `db`, built once per
    process and copied afterwards (any -wal/-shm there is removed first)."""
    for extra in (Path(f"{db}-wal"), Path(f"{db}-shm"), db):
        extra.unlink(missing_ok=True)
    if setup not in _TEMPLATES:
        saved = os.environ.get("CUSTINFO_DB")
        os.environ["CUSTINFO_DB"] = str(db)
        try:
            for args in (("init", "--region", "CN"), *setup):
                result = run_cli(list(args))
                assert result.code == 0, (args, result.stderr)
        finally:
            if saved is None:
                os.environ.pop("CUSTINFO_DB", None)
            else:
                os.environ["CUSTINFO_DB"] = saved
        assert not Path(f"{db}-wal").exists()  # checkpointed on close: one file holds it all
        _TEMPLATES[setup] = db.read_bytes()
        return
    fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_TEMPLATES[setup])


@contextmanager
def fast_db(
    tmp: Path, monkeypatch: object, setup: tuple[tuple[str, ...], ...] = ()
) -> Iterator[Path]:
    """A database under `tmp` keyed with RAW_KEY (region CN) after the `setup` commands;
    the environment points at it."""
    db = tmp / "fast.db"
    for name in ("CUSTINFO_PASSPHRASE_FILE", "CUSTINFO_PASSPHRASE_COMMAND", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_DB", str(db))  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", RAW_KEY)  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_BACKUP_DIR", str(tmp / "backups"))  # type: ignore[attr-defined]
    place_db(db, setup)
    yield db
