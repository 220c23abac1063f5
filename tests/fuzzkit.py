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

RAW_KEY = "x'" + "5c" * 32 + "'"
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


_TEMPLATES: dict[tuple[str, ...], bytes] = {}


@contextmanager
def fast_db(tmp: Path, monkeypatch: object, names: tuple[str, ...] = ()) -> Iterator[Path]:
    """A database under `tmp` keyed with RAW_KEY (region CN) holding customers `names` (ids
    1, 2, …); the environment points at it. Built once per process, then copied."""
    db = tmp / "fast.db"
    for name in ("CUSTINFO_PASSPHRASE_FILE", "CUSTINFO_PASSPHRASE_COMMAND", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_DB", str(db))  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", RAW_KEY)  # type: ignore[attr-defined]
    monkeypatch.setenv("CUSTINFO_BACKUP_DIR", str(tmp / "backups"))  # type: ignore[attr-defined]
    if names not in _TEMPLATES:
        result = run_cli(["init", "--region", "CN"])
        assert result.code == 0, result.stderr
        for name in names:
            result = run_cli(["add", "--name", name])
            assert result.code == 0, result.stderr
        assert not Path(f"{db}-wal").exists()  # checkpointed on close: one file holds it all
        _TEMPLATES[names] = db.read_bytes()
    else:
        fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_TEMPLATES[names])
    yield db
