"""The passphrase sources under attack (issue 11, breaks 4 and 9): a command that hangs or
floods, undecodable bytes, loose file modes, and where a CR belongs."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from custinfo import passphrase as pp
from custinfo.errors import PassphraseError
from tests.conftest import PASSPHRASE, CliRunner, run_process


def py_command(code: str, *args: str) -> str:
    return shlex.join([sys.executable, "-c", code, *args])


def gone(pid: int) -> bool:
    """The process no longer runs (absent, or a zombie nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


# -- break 4: the command's timeout and output limit --------------------------------------------


def test_a_hanging_command_times_out_and_its_process_group_is_killed(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The command starts a helper in the background (as gpg or a shell script may) and hangs.
    script = (
        "import os, subprocess, sys, time; "
        "helper = subprocess.Popen(['sleep', '60']); "
        "open(sys.argv[1], 'w').write(f'{os.getpid()} {helper.pid}'); time.sleep(60)"
    )
    env = {pp.ENV_COMMAND: py_command(script, str(pids)), pp.ENV_TIMEOUT: "0.5"}
    started = time.monotonic()
    with pytest.raises(PassphraseError) as caught:
        pp.from_sources(None, env)
    assert time.monotonic() - started < 5
    assert str(caught.value) == (
        "CUSTINFO_PASSPHRASE_COMMAND did not finish within 0.5 s, so it was stopped "
        "(set CUSTINFO_PASSPHRASE_TIMEOUT to wait longer)"
    )
    child, helper = map(int, pids.read_text().split())
    deadline = time.monotonic() + 5
    while not (gone(child) and gone(helper)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child) and gone(helper)


def test_the_default_timeout_is_30_seconds_and_bad_values_are_refused() -> None:
    assert pp.command_timeout({}) == 30.0
    assert pp.command_timeout({pp.ENV_TIMEOUT: " 2.5 "}) == 2.5
    for bad in ("0", "-1", "nan", "inf", "abc", "1e9"):
        with pytest.raises(PassphraseError, match=pp.ENV_TIMEOUT):
            pp.command_timeout({pp.ENV_TIMEOUT: bad})


def test_a_flooding_command_is_stopped_at_64_kib(db: Path) -> None:
    """`yes` never ends: the old code buffered its output until memory ran out."""
    started = time.monotonic()
    done = run_process("show", "1", env={"CUSTINFO_DB": str(db), pp.ENV_COMMAND: "yes"}, timeout=20)
    assert time.monotonic() - started < 10
    assert (done.returncode, done.stdout) == (12, b"")
    assert done.stderr.decode() == (
        "custinfo: error: CUSTINFO_PASSPHRASE_COMMAND printed more than 64 KiB; it must print "
        "the passphrase on its first line\n"
    )


def test_a_command_may_print_more_lines_and_exit(tmp_path: Path) -> None:
    command = py_command("print('first'); print('second' * 1000)")
    assert pp.run_passphrase_command(command) == "first"
    # A helper left running in the background, holding stdout open, does not make it wait.
    command = py_command(
        "import subprocess; subprocess.Popen(['sleep', '30']); print('pw', flush=True)"
    )
    started = time.monotonic()
    assert pp.run_passphrase_command(command, timeout=10) == "pw"
    assert time.monotonic() - started < 5


def test_a_command_killed_by_a_signal_is_named() -> None:
    with pytest.raises(PassphraseError, match="was killed by signal 9"):
        pp.run_passphrase_command(py_command("import os; os.kill(os.getpid(), 9)"))


def test_the_timeout_ends_the_cli_with_exit_12(db: Path) -> None:
    env = {"CUSTINFO_DB": str(db), pp.ENV_COMMAND: "sleep 60", pp.ENV_TIMEOUT: "0.5"}
    started = time.monotonic()
    done = run_process("show", "1", env=env, timeout=20)
    assert time.monotonic() - started < 10
    assert done.returncode == 12 and b"did not finish within 0.5 s" in done.stderr


# -- break 9: undecodable passphrases, file modes, CRs ------------------------------------------


def test_invalid_utf8_is_exit_12_from_the_environment_and_from_a_file(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("init")
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", os.fsdecode(b"caf\xe9"))  # as os.environ has it
    result = cli("show", "1")
    assert (result.code, result.stderr) == (
        12, "custinfo: error: CUSTINFO_PASSPHRASE is not valid UTF-8\n",
    )  # fmt: skip
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
    bad = tmp_path / "latin1"
    bad.write_bytes(b"caf\xe9\n")
    bad.chmod(0o600)
    result = cli("show", "1", "--passphrase-file", str(bad))
    assert result.code == 12 and "is not UTF-8 text" in result.stderr


def test_invalid_utf8_from_the_environment_in_a_real_process(db: Path) -> None:
    env = {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": os.fsdecode(b"\xff\xfe")}
    done = run_process("show", "1", env=env)
    assert done.returncode == 12 and b"not valid UTF-8" in done.stderr


@pytest.mark.parametrize(
    ("content", "passphrase"),
    [
        (b"secret\r\n", "secret"),  # CRLF: the CR is part of the line end
        (b"secret\n", "secret"),
        (b"sec\rret\n", "sec\rret"),  # a lone CR inside is kept
        (b"secret\r", "secret\r"),  # and so is one at the end of a file without a newline
        (b"secret\r\r\n", "secret\r"),  # only the CR right before the LF goes
        (b"\rsecret\n", "\rsecret"),
        (b"secret", "secret"),
    ],
)
def test_only_a_cr_right_before_the_newline_is_stripped(
    tmp_path: Path, content: bytes, passphrase: str
) -> None:
    path = tmp_path / "p"
    path.write_bytes(content)
    path.chmod(0o600)
    assert pp.read_passphrase_file(path) == passphrase
    command = py_command("import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))",
                         content.hex())  # fmt: skip
    assert pp.run_passphrase_command(command) == passphrase  # the same rule for a command


def test_a_passphrase_file_is_read_up_to_64_kib(tmp_path: Path) -> None:
    path = tmp_path / "long"
    path.write_bytes(b"x" * (70 * 1024))
    path.chmod(0o600)
    with pytest.raises(PassphraseError, match="no line break in its first 64 KiB"):
        pp.read_passphrase_file(path)
    path.write_bytes(b"short\n" + b"y" * (1024 * 1024))
    assert pp.read_passphrase_file(path) == "short"
    # A device that never ends is not read to the end either.
    with pytest.raises(PassphraseError, match="64 KiB"):
        pp.read_passphrase_file(Path("/dev/zero"))
