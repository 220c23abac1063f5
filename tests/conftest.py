"""Shared fixtures: an in-process CLI runner, a fresh database, an open store.

Opening a database with a passphrase derives the SQLCipher key (PBKDF2, ~0.15 CPU-s by
design). The shared fixtures key their databases with a raw key instead (`x'<64 hex>'`,
which SQLCipher takes as the key itself), so an open costs ~2 ms and the suite can afford a
database per test; encryption, HMACs and every code path above the key are the same. The
passphrase path itself (sources, prompts, Unicode, wrong keys, standard tools' PRAGMA key,
`passwd`) is tested with real passphrases in test_passphrase*.py and test_passwd.py.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

#: SQLCipher's raw-key form: no key derivation (see the module docstring).
PASSPHRASE = "x'" + "5c" * 32 + "'"
ENV_NAMES = (
    "CUSTINFO_DB",
    "CUSTINFO_PASSPHRASE",
    "CUSTINFO_PASSPHRASE_FILE",
    "CUSTINFO_PASSPHRASE_COMMAND",
    "CUSTINFO_PASSPHRASE_TIMEOUT",
    "CUSTINFO_BACKUP_DIR",
    "CUSTINFO_PAGER",
    "CUSTINFO_REGION",
    "CUSTINFO_CURRENCY",
    "NO_COLOR",
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile custinfo to bytecode once, as installing a wheel does: with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) every `python -m custinfo` a test
    starts would otherwise recompile ~60 modules from source (~0.13 CPU-s each time)."""
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parent.parent / "src", quiet=2)


# Tests read English messages and no user's config file, whatever the machine says; the
# language and config tests set these themselves.
os.environ["CUSTINFO_LANG"] = "en"
os.environ["CUSTINFO_CONFIG"] = os.devnull + ".custinfo-tests-have-no-config.toml"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


class TtyStringIO(io.StringIO):
    """A captured stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


class CliRunner:
    """Runs `custinfo ARGS` in this process, capturing stdin, stdout and stderr."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def __call__(
        self, *args: str, input: str | None = None, tty: bool = False, stdin_tty: bool | None = None
    ) -> Result:
        """`tty`: stdout and stderr are a terminal, and so is stdin unless `stdin_tty` says
        otherwise (`stdin_tty=False` with `tty`: a pipe into a command run at a terminal)."""
        from custinfo.cli.main import run

        out = TtyStringIO() if tty else io.StringIO()
        err = TtyStringIO() if tty else io.StringIO()
        saved = sys.stdin, sys.stdout, sys.stderr
        person = tty if stdin_tty is None else stdin_tty
        sys.stdin = (TtyStringIO if person else io.StringIO)(input or "")
        sys.stdout, sys.stderr = out, err
        try:
            code = run([str(a) for a in args])
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, input: str | None = None, tty: bool = False) -> str:
        """Run and assert exit 0; returns stdout."""
        result = self(*args, input=input, tty=tty)
        assert result.code == 0, (result.code, result.stderr)
        return result.stdout


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment pointing at a (not yet created) database in tmp_path."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "customers.db"
    monkeypatch.setenv("CUSTINFO_LANG", "en")
    monkeypatch.setenv("CUSTINFO_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CUSTINFO_DB", str(db))
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
    return db


@pytest.fixture
def cli(env: Path) -> CliRunner:
    return CliRunner(env)


@pytest.fixture
def db(cli: CliRunner) -> Path:
    """An initialised empty database (region CN); returns its path."""
    cli.ok("init", "--region", "CN")
    return cli.db


@pytest.fixture
def store(db: Path) -> Iterator[object]:
    """The core Store over the `db` fixture's database."""
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as opened:
        yield opened


def run_process(
    *args: str, env: dict[str, str] | None = None, input: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m custinfo ARGS` as a real process (for end-to-end behaviour)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    full_env.update(env or {})
    src = str(Path(__file__).resolve().parent.parent / "src")
    full_env["PYTHONPATH"] = src + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "custinfo", *args],
        env=full_env,
        input=input,
        capture_output=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
        start_new_session=True,
    )
