"""Passphrase sources, their precedence and safety; wrong keys; SQLCipher compatibility."""

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

WRONG = "custinfo: error: wrong passphrase or not a custinfo database\n"


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def echo_command(value: str) -> str:
    """A CUSTINFO_PASSPHRASE_COMMAND printing `value` (run without a shell)."""
    return shlex.join([sys.executable, "-c", "import sys; print(sys.argv[1])", value])


# -- sources and precedence (core) ------------------------------------------------------------


def test_no_source_is_none() -> None:
    assert pp.from_sources(None, {}) is None


def test_precedence(tmp_path: Path) -> None:
    explicit = private_file(tmp_path / "explicit", "from-option\n")
    env_file = private_file(tmp_path / "envfile", "from-env-file\n")
    everything = {
        pp.ENV_COMMAND: echo_command("from-command"),
        pp.ENV_FILE: str(env_file),
        pp.ENV_VALUE: "from-value",
    }
    assert pp.from_sources(explicit, everything) == "from-option"
    assert pp.from_sources(None, everything) == "from-command"
    del everything[pp.ENV_COMMAND]
    assert pp.from_sources(None, everything) == "from-env-file"
    del everything[pp.ENV_FILE]
    assert pp.from_sources(None, everything) == "from-value"


def test_empty_variables_count_as_unset_except_the_value(tmp_path: Path) -> None:
    env = {pp.ENV_COMMAND: "", pp.ENV_FILE: "", pp.ENV_VALUE: "v"}
    assert pp.from_sources(None, env) == "v"
    assert pp.from_sources(None, {pp.ENV_VALUE: ""}) == ""
    with pytest.raises(PassphraseError, match="the passphrase is empty"):
        pp.to_key("")


def test_file_first_line_only(tmp_path: Path) -> None:
    path = private_file(tmp_path / "p", "  two words  \r\nsecond line\n")
    assert pp.read_passphrase_file(path) == "  two words  "
    assert pp.read_passphrase_file(private_file(tmp_path / "q", "no newline")) == "no newline"


@pytest.mark.parametrize(
    ("mode", "bits"),
    [
        (0o640, "group can read"),
        (0o604, "others can read"),
        (0o660, "group can read/write"),
        (0o644, "group can read; others can read"),
        (0o610, "group can execute"),
        (0o602, "others can write"),
    ],
)
def test_file_open_to_others_is_refused_naming_the_bits(
    tmp_path: Path, mode: int, bits: str
) -> None:
    path = private_file(tmp_path / "p", "secret\n", mode)
    with pytest.raises(PassphraseError) as caught:
        pp.read_passphrase_file(path)
    assert str(caught.value) == (
        f"passphrase file {path} has mode {mode:04o} ({bits}); run: chmod 600 {path}"
    )


def test_file_not_owned_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = private_file(tmp_path / "p", "secret\n")
    monkeypatch.setattr(os, "getuid", lambda: path.stat().st_uid + 1)
    with pytest.raises(PassphraseError, match="is not owned by you"):
        pp.read_passphrase_file(path)


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(PassphraseError, match="cannot read passphrase file"):
        pp.read_passphrase_file(tmp_path / "missing")
    bad = tmp_path / "latin1"
    bad.write_bytes(b"caf\xe9\n")
    bad.chmod(0o600)
    with pytest.raises(PassphraseError, match="not UTF-8"):
        pp.read_passphrase_file(bad)


def test_command_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    command = f"echo ok; touch {marker} && echo $HOME | cat `id` $(id)"
    # A shell would run `touch`; without one, echo prints its arguments literally.
    assert pp.run_passphrase_command(command) == (
        f"ok; touch {marker} && echo $HOME | cat `id` $(id)"
    )
    assert not marker.exists()


def test_command_quoting_and_first_line() -> None:
    assert pp.run_passphrase_command("printf '%s\\n%s' 'it'\"'\"'s \"x\"' second") == 'it\'s "x"'


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("false", "failed with exit status 1"),
        (f"{shlex.quote(sys.executable)} -c 'raise SystemExit(3)'", "exit status 3"),
        ("/nonexistent/custinfo-pass", "could not run"),
        ("'unterminated", "cannot be parsed"),
        ("   ", "is empty"),
    ],
)
def test_command_failures(command: str, message: str) -> None:
    with pytest.raises(PassphraseError, match=message):
        pp.run_passphrase_command(command)


# -- end to end through the CLI ---------------------------------------------------------------

AWKWARD = [
    "with  spaces  ",
    "it's \"quoted\" ''",
    "back\\slash\\n\\\\",
    "中文密码 🔑 ключ",
    "'; DROP TABLE customers; --",
]


@pytest.mark.parametrize("secret", AWKWARD)
def test_awkward_passphrases_end_to_end(
    secret: str, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", secret)
    cli.ok("init")
    customer = cli.ok("add", "--name", "Awkward").strip()
    # The same passphrase from a file and from a command opens it too.
    monkeypatch.delenv("CUSTINFO_PASSPHRASE")
    path = private_file(tmp_path / "pass.txt", secret + "\n")
    assert "Awkward" in cli.ok("show", customer, "--passphrase-file", str(path))
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_COMMAND", echo_command(secret))
    assert "Awkward" in cli.ok("show", customer)


def test_cli_precedence(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    right = private_file(tmp_path / "right", PASSPHRASE + "\n")
    wrong = private_file(tmp_path / "wrong", "wrong\n")
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", "wrong")
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_FILE", str(wrong))
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_COMMAND", echo_command("wrong"))
    assert cli("show", "1", "--passphrase-file", str(right)).code == 3  # opened: id 1 unknown
    assert cli("--passphrase-file", str(right), "show", "1").code == 3
    assert cli("show", "1").code == 12
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_COMMAND", echo_command(PASSPHRASE))
    assert cli("show", "1").code == 3
    monkeypatch.delenv("CUSTINFO_PASSPHRASE_COMMAND")
    assert cli("show", "1").code == 12
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_FILE", str(right))
    assert cli("show", "1").code == 3
    monkeypatch.delenv("CUSTINFO_PASSPHRASE_FILE")
    assert cli("show", "1").code == 12
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
    assert cli("show", "1").code == 3


def test_cli_refuses_an_open_passphrase_file(cli: CliRunner, tmp_path: Path) -> None:
    cli.ok("init")
    loose = private_file(tmp_path / "loose", PASSPHRASE + "\n", 0o644)
    result = cli("show", "1", "--passphrase-file", str(loose))
    assert result.code == 12
    assert result.stderr == (
        f"custinfo: error: passphrase file {loose} has mode 0644 (group can read; others can "
        f"read); run: chmod 600 {loose}\n"
    )


def test_cli_failing_command_is_exit_12(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    monkeypatch.setenv("CUSTINFO_PASSPHRASE_COMMAND", "false")
    result = cli("show", "1")
    assert (result.code, result.stderr) == (
        12, "custinfo: error: CUSTINFO_PASSPHRASE_COMMAND failed with exit status 1\n",
    )  # fmt: skip


def test_no_terminal_and_no_source(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("init")
    monkeypatch.delenv("CUSTINFO_PASSPHRASE")
    started = time.monotonic()
    done = run_process("show", "1", env={"CUSTINFO_DB": str(cli.db)})
    assert time.monotonic() - started < 20  # at once: no prompt waiting for input
    assert done.returncode == 12 and done.stdout == b""
    assert done.stderr.decode() == (
        "custinfo: error: no passphrase and no terminal to ask on: use --passphrase-file, "
        "CUSTINFO_PASSPHRASE_COMMAND, CUSTINFO_PASSPHRASE_FILE or CUSTINFO_PASSPHRASE\n"
    )
    assert cli("init", "--db", str(cli.db.with_name("other.db"))).code == 12


def fake_terminal(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """Make the CLI believe a person is at the terminal and answer its prompts; returns the
    prompts."""
    from custinfo.cli import terminal

    prompts: list[str] = []
    monkeypatch.setattr(terminal, "person_present", lambda: True)

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.delenv("CUSTINFO_PASSPHRASE")
    return prompts


def test_prompt_asks_twice_at_init(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = fake_terminal(monkeypatch, ["typed 密码 long", "typed 密码 long", "typed 密码 long"])
    cli.ok("init")
    assert prompts == ["New passphrase: ", "Repeat new passphrase: "]
    assert cli("show", "1").code == 3  # the prompted passphrase opens it
    assert prompts[2:] == ["Passphrase: "]


def test_prompt_mismatch_creates_nothing(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_terminal(monkeypatch, ["long enough one", "long enough two"] * 3)  # asked 3 times
    result = cli("init")
    assert result.code == 12 and result.stderr.count("The two passphrases differ") == 3
    assert result.stderr.endswith("custinfo: error: no new passphrase given; nothing changed\n")
    assert not cli.db.exists()


def test_empty_prompt_is_refused(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_terminal(monkeypatch, ["", "", ""])
    assert cli("init").code == 12
    assert not cli.db.exists()


# -- wrong keys and foreign files (real processes: SQLCipher's own log must stay silent) ------


def test_wrong_passphrase_is_one_line(db: Path) -> None:
    done = run_process("show", "1", env={"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": "nope"})
    assert (done.returncode, done.stdout, done.stderr.decode()) == (12, b"", WRONG)


def test_plaintext_sqlite_file_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    done = run_process("show", "1", env={"CUSTINFO_DB": str(path), "CUSTINFO_PASSPHRASE": "x"})
    assert (done.returncode, done.stdout, done.stderr.decode()) == (12, b"", WRONG)


@pytest.mark.parametrize("content", [os.urandom(8192), b"", b"hello\n"])
def test_random_or_empty_file_is_refused(content: bytes, cli: CliRunner) -> None:
    cli.db.write_bytes(content)
    result = cli("add", "--name", "x")
    assert (result.code, result.stderr) == (12, WRONG)
    assert cli.db.read_bytes() == content  # left untouched


def test_another_sqlcipher_database_is_refused(tmp_path: Path) -> None:
    import sqlcipher3

    path = tmp_path / "foreign.db"
    conn = sqlcipher3.connect(str(path))
    conn.set_key(PASSPHRASE.encode())
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    done = run_process(
        "show", "1", env={"CUSTINFO_DB": str(path), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    )
    assert (done.returncode, done.stderr.decode()) == (12, WRONG)


# -- compatibility with standard SQLCipher tools ----------------------------------------------


def test_opens_with_plain_pragma_key(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the sqlcipher shell and DB Browser do: PRAGMA key with default settings."""
    import sqlcipher3

    secret = 'it\'s 中文 "key" \\ ok'
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", secret)
    cli.ok("init")
    customer = cli.ok("add", "--name", "张伟", "--phone", "138 0013 8000").strip()
    conn = sqlcipher3.connect(str(cli.db))
    quoted = secret.replace("'", "''")
    conn.execute(f"PRAGMA key = '{quoted}'")
    rows = conn.execute("SELECT id, name FROM customers").fetchall()
    assert rows == [(int(customer), "张伟")]
    assert conn.execute("SELECT e164 FROM phones").fetchall() == [("+8613800138000",)]
    conn.close()
    # A wrong PRAGMA key cannot read it.
    conn = sqlcipher3.connect(str(cli.db))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute("PRAGMA key = 'wrong'")
    with pytest.raises(sqlcipher3.DatabaseError, match="not a database"):
        conn.execute("SELECT count(*) FROM customers").fetchall()
    conn.close()


def test_sqlcipher_defaults_are_kept(store: object) -> None:
    conn = store.conn  # type: ignore[attr-defined]
    assert conn.execute("PRAGMA kdf_iter").fetchone()[0] in ("256000", 256000)
    assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] in ("4096", 4096)
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
