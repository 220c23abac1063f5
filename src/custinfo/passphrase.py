"""Where the passphrase comes from (never argv). The terminal prompt lives in the CLI.

Order, first that is set wins: an explicit passphrase file (`--passphrase-file`),
CUSTINFO_PASSPHRASE_COMMAND, CUSTINFO_PASSPHRASE_FILE, CUSTINFO_PASSPHRASE.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from custinfo.errors import PassphraseError

ENV_COMMAND = "CUSTINFO_PASSPHRASE_COMMAND"
ENV_FILE = "CUSTINFO_PASSPHRASE_FILE"
ENV_VALUE = "CUSTINFO_PASSPHRASE"
SOURCES_HINT = f"use --passphrase-file, {ENV_COMMAND}, {ENV_FILE} or {ENV_VALUE}"


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].removesuffix("\r")


def read_passphrase_file(path: Path) -> str:
    """First line of a private file (owned by the user, not readable by group or others)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise PassphraseError(f"cannot read passphrase file {path}: {exc.strerror}") from None
    if stat.S_ISREG(info.st_mode):
        if info.st_uid != os.getuid():
            raise PassphraseError(f"passphrase file {path} is not owned by you; refusing it")
        if info.st_mode & 0o077:
            raise PassphraseError(
                f"passphrase file {path} is readable by others; run: chmod 600 {path}"
            )
    try:
        with open(path, encoding="utf-8") as handle:
            return _first_line(handle.read())
    except UnicodeDecodeError:
        raise PassphraseError(f"passphrase file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise PassphraseError(f"cannot read passphrase file {path}: {exc.strerror}") from None


def run_passphrase_command(command: str) -> str:
    """Run a command without a shell; its first line of stdout is the passphrase."""
    import shlex
    import subprocess  # imported here: ~5-10 ms that most runs do not need

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PassphraseError(f"{ENV_COMMAND} cannot be parsed: {exc}") from None
    if not argv:
        raise PassphraseError(f"{ENV_COMMAND} is empty")
    try:
        done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        raise PassphraseError(f"{ENV_COMMAND} could not run {argv[0]!r}: {exc.strerror}") from None
    if done.returncode != 0:
        raise PassphraseError(f"{ENV_COMMAND} failed with exit status {done.returncode}")
    try:
        return _first_line(done.stdout.decode("utf-8"))
    except UnicodeDecodeError:
        raise PassphraseError(f"{ENV_COMMAND} printed something that is not UTF-8") from None


def from_sources(
    passphrase_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The passphrase from the first configured source, or None if none is configured."""
    env = os.environ if environ is None else environ
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if env.get(ENV_COMMAND):
        return run_passphrase_command(env[ENV_COMMAND])
    if env.get(ENV_FILE):
        return read_passphrase_file(Path(env[ENV_FILE]))
    if ENV_VALUE in env:
        return env[ENV_VALUE]
    return None


def to_key(passphrase: str) -> bytes:
    """The bytes given to SQLCipher: the passphrase as UTF-8 (what other tools use too)."""
    if not passphrase:
        raise PassphraseError("the passphrase is empty")
    return passphrase.encode("utf-8")
