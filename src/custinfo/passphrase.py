"""Where the passphrase comes from (never argv). The terminal prompt lives in the CLI.

Order, first that is set wins: an explicit passphrase file (`--passphrase-file`),
CUSTINFO_PASSPHRASE_COMMAND, CUSTINFO_PASSPHRASE_FILE, CUSTINFO_PASSPHRASE.

A file or a command gives its first line: the bytes up to the first LF, without a CR right
before that LF (a CRLF line end); any other CR is part of the passphrase. At most 64 KiB is
read from either, and a command must finish within CUSTINFO_PASSPHRASE_TIMEOUT seconds
(default 30), or it is stopped (its whole process group) and the run ends with exit 12.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from custinfo.errors import PassphraseError
from custinfo.i18n import N_, _

ENV_COMMAND = "CUSTINFO_PASSPHRASE_COMMAND"
ENV_FILE = "CUSTINFO_PASSPHRASE_FILE"
ENV_VALUE = "CUSTINFO_PASSPHRASE"
ENV_TIMEOUT = "CUSTINFO_PASSPHRASE_TIMEOUT"
SOURCES_HINT = N_(
    "use --passphrase-file, CUSTINFO_PASSPHRASE_COMMAND, CUSTINFO_PASSPHRASE_FILE or "
    "CUSTINFO_PASSPHRASE"
)
DEFAULT_TIMEOUT = 30.0  # seconds
MAX_TIMEOUT = 24 * 3600.0
MAX_BYTES = 64 * 1024  # read from a passphrase file or command, at most


def first_line(data: bytes, where: str) -> str:
    """The first line of `data` as text: up to the first LF, minus a CR right before it."""
    line, newline, _rest = data.partition(b"\n")
    if newline:
        line = line.removesuffix(b"\r")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseError(_("{where} is not UTF-8 text").format(where=where)) from None


def _loose_bits(mode: int) -> str:
    """What the group and other bits of `mode` allow, e.g. "group can read; others can read"."""
    parts = []
    for who, shift in ((N_("group can {what}"), 3), (N_("others can {what}"), 0)):
        bits = (mode >> shift) & 0o7
        if bits:
            names = ((N_("read"), 4), (N_("write"), 2), (N_("execute"), 1))
            allowed = [_(name) for name, bit in names if bits & bit]
            parts.append(_(who).format(what="/".join(allowed)))
    return "; ".join(parts)


def read_passphrase_file(path: Path) -> str:
    """First line of a private file (owned by the user, no group or other permissions)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise PassphraseError(
            _("cannot read passphrase file {path}: {strerror}").format(
                path=path, strerror=exc.strerror
            )
        ) from None
    if stat.S_ISREG(info.st_mode):
        if info.st_uid != os.getuid():
            raise PassphraseError(
                _("passphrase file {path} is not owned by you; refusing it").format(path=path)
            )
        if info.st_mode & 0o077:
            raise PassphraseError(
                _(
                    "passphrase file {path} has mode {mode:04o} ({bits}); run: chmod 600 {path}"
                ).format(path=path, mode=stat.S_IMODE(info.st_mode), bits=_loose_bits(info.st_mode))
            )
    data = bytearray()
    try:
        # A FIFO (`--passphrase-file <(pass show x)`) is read too; a regular file was checked.
        with open(path, "rb", buffering=0) as handle:
            while b"\n" not in data and len(data) <= MAX_BYTES:
                chunk = handle.read(MAX_BYTES + 1 - len(data))
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        raise PassphraseError(
            _("cannot read passphrase file {path}: {strerror}").format(
                path=path, strerror=exc.strerror
            )
        ) from None
    if b"\n" not in data[:MAX_BYTES] and len(data) > MAX_BYTES:
        raise PassphraseError(
            _("passphrase file {path} has no line break in its first 64 KiB").format(path=path)
        )
    return first_line(bytes(data), _("passphrase file {path}").format(path=path))


def command_timeout(environ: Mapping[str, str]) -> float:
    """Seconds a passphrase command may take (CUSTINFO_PASSPHRASE_TIMEOUT, default 30)."""
    raw = environ.get(ENV_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_TIMEOUT:  # NaN fails too
        raise PassphraseError(
            _(
                "{ENV_TIMEOUT} must be a number of seconds above 0 and at "
                "most {MAX_TIMEOUT:g}, not {raw!r}"
            ).format(ENV_TIMEOUT=ENV_TIMEOUT, MAX_TIMEOUT=MAX_TIMEOUT, raw=raw[:40])
        )
    return value


def run_passphrase_command(command: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Run a command without a shell, in its own process group; its first line of stdout is
    the passphrase. Stopped (the whole group) after `timeout` seconds or 64 KiB of output."""
    import shlex
    import subprocess  # imported here: ~5-10 ms that most runs do not need

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PassphraseError(
            _("{ENV_COMMAND} cannot be parsed: {exc}").format(ENV_COMMAND=ENV_COMMAND, exc=exc)
        ) from None
    if not argv:
        raise PassphraseError(_("{ENV_COMMAND} is empty").format(ENV_COMMAND=ENV_COMMAND))
    try:
        child = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, process_group=0
        )
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise PassphraseError(
            _("{ENV_COMMAND} could not run {argv!r}: {reason}").format(
                ENV_COMMAND=ENV_COMMAND, argv=argv[0], reason=reason
            )
        ) from None
    try:
        data = _collect(child, timeout)
    except BaseException:
        _stop(child)
        raise
    finally:
        assert child.stdout is not None
        child.stdout.close()
    if child.returncode != 0:
        how = (
            _("{name} was killed by signal {n}").format(name=ENV_COMMAND, n=-child.returncode)
            if child.returncode < 0
            else _("{name} failed with exit status {n}").format(
                name=ENV_COMMAND, n=child.returncode
            )
        )
        raise PassphraseError(how)
    return first_line(data, _("what {name} printed").format(name=ENV_COMMAND))


def _collect(child: Any, timeout: float) -> bytes:
    """The child's stdout (at most MAX_BYTES), once it has exited; raises on a timeout."""
    import selectors
    import subprocess
    import time

    deadline = time.monotonic() + timeout
    fd = child.stdout.fileno()
    data = bytearray()
    expired = PassphraseError(
        _(
            "{ENV_COMMAND} did not finish within {timeout:g} s, so it "
            "was stopped (set {ENV_TIMEOUT} to wait longer)"
        ).format(ENV_COMMAND=ENV_COMMAND, timeout=timeout, ENV_TIMEOUT=ENV_TIMEOUT)
    )
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise expired
            ready = selector.select(min(remaining, 0.1))
            if ready:
                chunk = os.read(fd, MAX_BYTES + 1 - len(data))
                if not chunk:
                    break  # end of output
                data += chunk
                if len(data) > MAX_BYTES:
                    raise PassphraseError(
                        _(
                            "{ENV_COMMAND} printed more than 64 KiB; it must print the "
                            "passphrase on its first line"
                        ).format(ENV_COMMAND=ENV_COMMAND)
                    )
            elif child.poll() is not None:
                break  # exited; whatever still holds the pipe open is not waited for
    try:
        child.wait(max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        raise expired from None
    return bytes(data)


def _stop(child: Any) -> None:
    """Kill the child's process group (it may have started helpers) and reap the child."""
    import contextlib
    import signal

    with contextlib.suppress(OSError):  # already gone
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):  # best effort while another error is on its way
        child.kill()
        child.wait(5)


def from_sources(
    passphrase_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The passphrase from the first configured source, or None if none is configured."""
    env = os.environ if environ is None else environ
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if env.get(ENV_COMMAND):
        return run_passphrase_command(env[ENV_COMMAND], command_timeout(env))
    if env.get(ENV_FILE):
        return read_passphrase_file(Path(env[ENV_FILE]))
    if ENV_VALUE in env:
        value = env[ENV_VALUE]
        _check_text(value, ENV_VALUE)
        return value
    return None


def _check_text(value: str, where: str) -> None:
    """Undecodable bytes arrive as lone surrogates (os.environ, a terminal): refuse them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PassphraseError(_("{where} is not valid UTF-8").format(where=where)) from None


def to_key(passphrase: str) -> bytes:
    """The bytes given to SQLCipher: the passphrase as UTF-8 (what other tools use too)."""
    if not passphrase:
        raise PassphraseError(_("the passphrase is empty"))
    _check_text(passphrase, _("the passphrase"))
    return passphrase.encode("utf-8")
