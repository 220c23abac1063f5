"""The foundation commands end to end: init, add, show, edit, note; output, exit codes, files."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ENV_NAMES, PASSPHRASE, CliRunner, run_process

ANSI = re.compile(r"\x1b\[")
JSON_KEYS = ["id", "name", "phones", "emails", "company", "address", "city", "birthday", "tags",
             "notes", "source", "created_at", "updated_at", "wechat", "qq",
             # appended by the orders issue (documented keys keep their order)
             "order_count", "order_total", "last_order_at", "last_contact_at",
             "orders_summary"]  # fmt: skip
SRC = str(Path(__file__).resolve().parent.parent / "src")


def process_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def show_json(cli: CliRunner, customer: str) -> dict[str, object]:
    return json.loads(cli.ok("show", customer, "--format", "json"))


def count(db: Path) -> int:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return store.count()


# -- init ---------------------------------------------------------------------------------------


def test_init_creates_and_refuses_to_overwrite(cli: CliRunner) -> None:
    result = cli("init", "--region", "us")
    assert (result.code, result.stdout) == (0, "")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("A lost passphrase cannot be recovered")  # the warning
    assert lines[1] == f"created {cli.db} (region US, currency CNY)"
    assert lines[2].startswith("next: custinfo import FILE") and "custinfo add" in lines[3]
    assert cli("-q", "init", "--db", str(cli.db.with_name("quiet.db"))).stderr == ""
    content = cli.db.read_bytes()
    again = cli("init")
    assert again.code == 2
    assert again.stderr == f"custinfo: error: {cli.db} already exists; refusing to overwrite it\n"
    assert cli.db.read_bytes() == content
    # The region is stored: a US number typed without +1 is understood.
    customer = cli.ok("add", "--name", "Sam", "--phone", "(415) 555-2671").strip()
    assert show_json(cli, customer)["phones"] == ["+14155552671"]


def test_init_invalid_region(cli: CliRunner) -> None:
    result = cli("init", "--region", "XX")
    assert result.code == 2
    assert "unknown region 'XX'" in result.stderr
    assert not cli.db.exists()


def test_init_default_region_is_cn(db: Path, cli: CliRunner) -> None:
    customer = cli.ok("add", "--name", "李", "--phone", "010-62345678").strip()
    assert show_json(cli, customer)["phones"] == ["+861062345678"]


def test_commands_need_a_database(cli: CliRunner) -> None:
    result = cli("show", "1")
    assert result.code == 2
    assert result.stderr == (
        f"custinfo: error: no database at {cli.db} (create one with 'custinfo init')\n"
    )


# -- add ----------------------------------------------------------------------------------------


def test_add_prints_the_id_alone(db: Path, cli: CliRunner) -> None:
    result = cli(
        "add", "--name", " 张  伟 ", "--phone", "138 0013 8000", "-p", "010-62345678 转 23",
        "--email", "Zhang.Wei@Example.COM", "-e", "zw@example.com", "--company", "明辉贸易",
        "--address", "中山路 1 号", "--city", "上海", "--birthday", "1985-07-01",
        "--tag", "VIP", "-t", "新客", "--note", "首次到店",
    )  # fmt: skip
    assert result.code == 0 and result.stderr == ""
    assert re.fullmatch(r"\d+\n", result.stdout)
    record = show_json(cli, result.stdout.strip())
    assert list(record) == JSON_KEYS
    assert record["id"] == int(result.stdout)
    assert record["name"] == "张 伟"
    assert record["phones"] == ["+8613800138000", "+861062345678 ext. 23"]
    assert record["emails"] == ["Zhang.Wei@example.com", "zw@example.com"]
    assert (record["company"], record["address"], record["city"], record["birthday"]) == (
        "明辉贸易", "中山路 1 号", "上海", "1985-07-01",
    )  # fmt: skip
    assert sorted(record["tags"]) == ["VIP", "新客"]  # type: ignore[type-var]
    notes = record["notes"]
    note_keys = ["at", "text", "id", "kind", "direction", "status", "ref", "resolved_at"]
    assert isinstance(notes, list) and [list(n) for n in notes] == [note_keys]
    assert notes[0]["text"] == "首次到店"
    assert record["source"] == "manual"
    assert record["created_at"] == record["updated_at"] == notes[0]["at"]


def test_add_region_override(db: Path, cli: CliRunner) -> None:
    customer = cli.ok("add", "--name", "Ann", "--phone", "020 7946 0958", "--region", "gb")
    assert show_json(cli, customer.strip())["phones"] == ["+442079460958"]
    assert cli("add", "--name", "Ann", "--region", "XX").code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "  "], "name must not be empty"),
        (["--name", "x", "--phone", "138 0013 8000", "--phone", "12345"], "phone '12345': "),
        (["--name", "x", "--email", "ok@example.com", "--email", "bad@"], "email 'bad@': "),
        (["--name", "x", "--birthday", "1990-02-30"], "birthday '1990-02-30': expected"),
        (["--name", "x", "--tag", "a,b"], "tag 'a,b': must not contain commas"),
        (["--phone", "13800138000"], "Missing option '--name'"),
    ],
)
def test_add_invalid_saves_nothing(db: Path, cli: CliRunner, args: list[str], message: str) -> None:
    result = cli("add", *args)
    assert result.code == 2 and result.stdout == ""
    assert message in result.stderr
    assert count(db) == 0


def test_add_duplicates(db: Path, cli: CliRunner) -> None:
    first = cli.ok("add", "--name", "A", "--phone", "13800138000", "--email", "a@example.com")
    first = first.strip()
    result = cli("add", "--name", "B", "--phone", "+86 138-0013-8000")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"custinfo: error: phone +8613800138000 already belongs to customer {first} "
        "(use --allow-duplicate to add it anyway)\n"
    )
    result = cli("add", "--name", "B", "--email", "A@EXAMPLE.com")
    assert result.code == 2 and f"already belongs to customer {first}" in result.stderr
    assert count(db) == 1
    second = cli.ok("add", "--name", "B", "--phone", "13800138000", "--allow-duplicate").strip()
    assert int(second) > int(first)
    assert show_json(cli, second)["phones"] == ["+8613800138000"]


# -- show ---------------------------------------------------------------------------------------


@pytest.fixture
def customer(db: Path, cli: CliRunner) -> str:
    return cli.ok(
        "add", "--name", "王小明", "--phone", "139 1234 5678", "--email", "xm@example.com",
        "--city", "上海", "--tag", "VIP", "--note", "line one\nline two",
    ).strip()  # fmt: skip


def test_show_in_a_pipe_is_plain_lines(customer: str, cli: CliRunner) -> None:
    out = cli.ok("show", customer)
    lines = out.splitlines()
    assert lines[:4] == [f"id: {customer}", "name: 王小明", "phones: +8613912345678",
                         "emails: xm@example.com"]  # fmt: skip
    assert "company: " in lines and "city: 上海" in lines and "tags: VIP" in lines
    assert lines[-1].startswith("note: ") and lines[-1].endswith("line one / line two")
    assert not ANSI.search(out)


def test_show_on_a_terminal(customer: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "100")
    out = cli.ok("show", customer, tty=True)
    assert "王小明" in out and "name: " not in out
    plain_text = re.sub(r"\x1b\[[0-9;]*m", "", out)
    # On screen: local time to the minute, phones in international format.
    assert re.search(r"notes\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+line one", plain_text)
    assert "+86 139 1234 5678" in plain_text
    assert ANSI.search(out)  # bold field names on a colour terminal
    monkeypatch.setenv("NO_COLOR", "1")
    plain = cli.ok("show", customer, tty=True)
    assert not ANSI.search(plain) and "王小明" in plain


def test_show_json(customer: str, cli: CliRunner) -> None:
    for fmt in (["--format", "json"], ["-f", "json"]):
        out = cli.ok("show", customer, *fmt, tty=True)
        assert not ANSI.search(out)
        record = json.loads(out)
        assert list(record) == JSON_KEYS
        assert record["notes"][0]["text"] == "line one\nline two"
        assert record["company"] is None and record["birthday"] is None
    assert cli("show", customer, "--format", "xml").code == 2


@pytest.mark.parametrize("command", [["show", "999"], ["edit", "999", "--city", "x"],
                                     ["note", "999", "hi"]])  # fmt: skip
def test_unknown_id_is_exit_3(db: Path, cli: CliRunner, command: list[str]) -> None:
    result = cli(*command)
    assert (result.code, result.stdout) == (3, "")
    assert result.stderr == "custinfo: error: no customer with id 999\n"


def test_non_numeric_id_is_usage_error(db: Path, cli: CliRunner) -> None:
    assert cli("show", "abc").code == 2


# -- edit ---------------------------------------------------------------------------------------


def test_edit_every_option(customer: str, cli: CliRunner) -> None:
    before = show_json(cli, customer)
    cli.ok(
        "edit", customer, "--name", " 王  小明 ", "--add-phone", "+86 10 6234 5678",
        "--add-phone", "(415) 555-2671", "--region", "US", "--remove-phone", "+86 139 1234 5678",
        "--add-email", "New@Example.com", "--remove-email", "XM@example.com",
        "--company", "明辉", "--address", "中山路 1 号", "--city", "北京",
        "--birthday", "1990-01-31",
    )  # fmt: skip
    after = show_json(cli, customer)
    assert after["name"] == "王 小明"
    assert after["phones"] == ["+861062345678", "+14155552671"]  # --region US for this edit
    assert after["emails"] == ["New@example.com"]
    assert (after["company"], after["address"], after["city"], after["birthday"]) == (
        "明辉", "中山路 1 号", "北京", "1990-01-31",
    )  # fmt: skip
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]  # type: ignore[operator]
    # Empty values clear.
    cli.ok("edit", customer, "--company", "", "--address", "", "--city", "", "--birthday", "")
    cleared = show_json(cli, customer)
    assert [cleared[k] for k in ("company", "address", "city", "birthday")] == [None] * 4


def test_edit_phones_in_the_database_region(customer: str, cli: CliRunner) -> None:
    cli.ok("edit", customer, "--add-phone", "010-62345678 转 8", "--add-phone", "13800138000")
    assert show_json(cli, customer)["phones"] == [
        "+8613912345678", "+861062345678 ext. 8", "+8613800138000",
    ]  # fmt: skip
    cli.ok("edit", customer, "--remove-phone", "139-1234-5678", "--remove-phone", "+8613800138000")
    assert show_json(cli, customer)["phones"] == ["+861062345678 ext. 8"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--remove-phone", "13800138000"], "has no phone +8613800138000"),
        (["--remove-email", "nope@example.com"], "has no email nope@example.com"),
        (["--add-phone", "123"], "phone '123': too short"),
        (["--add-email", "x@"], "email 'x@'"),
        (["--name", ""], "name must not be empty"),
        (["--birthday", "31.01.1990"], "expected a date as YYYY-MM-DD"),
        ([], "nothing to change"),
    ],
)
def test_edit_refusals_change_nothing(
    customer: str, cli: CliRunner, args: list[str], message: str
) -> None:
    before = show_json(cli, customer)
    # Valid changes given with the bad one are not saved either.
    valid = ["--city", "广州", "--add-phone", "13700137000"] if args else []
    result = cli("edit", customer, *valid, *args)
    assert result.code == 2 and result.stdout == ""
    assert message in result.stderr
    assert show_json(cli, customer) == before


def test_edit_duplicates(customer: str, cli: CliRunner) -> None:
    other = cli.ok("add", "--name", "Other", "--phone", "13800138000").strip()
    result = cli("edit", customer, "--add-phone", "138 0013 8000")
    assert result.code == 2 and f"already belongs to customer {other}" in result.stderr
    cli.ok("edit", customer, "--add-phone", "138 0013 8000", "--allow-duplicate")
    assert "+8613800138000" in show_json(cli, customer)["phones"]  # type: ignore[operator]
    cli.ok("edit", customer, "--add-phone", "139 1234 5678")  # its own phone is no conflict


# -- note ---------------------------------------------------------------------------------------


def test_note(customer: str, cli: CliRunner) -> None:
    before = show_json(cli, customer)
    assert cli.ok("note", customer, "回访：对价格满意").strip().isdigit()  # the new note's id
    cli.ok("note", customer, "-", input="from stdin\n\n  second line \n")
    after = show_json(cli, customer)
    texts = [n["text"] for n in after["notes"]]  # type: ignore[union-attr, index]
    assert texts == ["line one\nline two", "回访：对价格满意", "from stdin\nsecond line"]
    assert after["updated_at"] > before["updated_at"]  # type: ignore[operator]
    result = cli("note", customer, "-", input=" \n ")
    assert result.code == 2 and "note must not be empty" in result.stderr


# -- options and entry points -------------------------------------------------------------------


def test_db_option_before_and_after_the_command(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("CUSTINFO_DB", str(tmp_path / "not-this.db"))
    cli.ok("--db", str(elsewhere), "init")
    customer = cli.ok("add", "--name", "X", "--db", str(elsewhere)).strip()
    assert "name: X" in cli.ok("--db", str(elsewhere), "show", customer)
    assert "name: X" in cli.ok("show", customer, "--db", str(elsewhere))
    # The command's own option wins over the one before it.
    assert (
        cli("--db", str(tmp_path / "nope.db"), "show", customer, "--db", str(elsewhere)).code == 0
    )
    assert not (tmp_path / "not-this.db").exists()


def test_default_database_location(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUSTINFO_DB")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    cli.ok("init")
    default = tmp_path / "home" / ".local" / "share" / "custinfo" / "customers.db"
    assert default.exists()
    assert stat.S_IMODE(default.parent.stat().st_mode) == 0o700
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cli.ok("init")
    assert (tmp_path / "xdg" / "custinfo" / "customers.db").exists()


def test_python_dash_m_and_version() -> None:
    done = run_process("--version")
    assert (done.returncode, done.stdout) == (0, b"custinfo 0.1.0\n")
    done = run_process("--help")
    assert done.returncode == 0 and b"USAGE\n  custinfo [options] COMMAND" in done.stdout
    assert not ANSI.search(done.stdout.decode())


def test_usage_errors_are_one_line(cli: CliRunner) -> None:
    result = cli("shwo", "1")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        "custinfo: error: No such command 'shwo'. Did you mean show? (see 'custinfo --help')\n"
    )
    result = cli("show", "1", "--no-such-option")
    assert result.code == 2
    assert result.stderr == (
        "custinfo: error: No such option: --no-such-option (see 'custinfo show --help')\n"
    )
    result = cli("add")
    assert result.code == 2
    assert result.stderr.startswith("custinfo: error: Missing option '--name'")
    assert result.stderr.count("\n") == 1
    bare = cli()
    assert bare.code == 2 and "USAGE\n  custinfo" in bare.stdout + bare.stderr


def test_subcommand_help_has_no_completion_options(cli: CliRunner) -> None:
    out = cli.ok("add", "--help")
    assert "--name" in out and "--allow-duplicate" in out
    assert "--install-completion" not in out and "--show-completion" not in out


# -- errors and exit codes ----------------------------------------------------------------------


def test_locked_database_is_exit_11(db: Path) -> None:
    import sqlcipher3

    holder = sqlcipher3.connect(str(db), isolation_level=None)
    holder.set_key(PASSPHRASE.encode())
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta(key, value) VALUES ('lock-test', '1')")
    try:
        env = {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE,
               "CUSTINFO_BUSY_TIMEOUT_MS": "150"}  # fmt: skip
        done = run_process("add", "--name", "Blocked", env=env)
        assert (done.returncode, done.stdout) == (11, b"")
        assert done.stderr.decode() == (
            "custinfo: error: database is locked by another process; try again later\n"
        )
        assert run_process("show", "1", env=env).returncode == 3  # readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert count(db) == 0


def test_busy_timeout_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from custinfo.store.db import busy_timeout_ms

    monkeypatch.setenv("CUSTINFO_BUSY_TIMEOUT_MS", "1234")
    assert busy_timeout_ms() == 1234
    monkeypatch.delenv("CUSTINFO_BUSY_TIMEOUT_MS")
    assert busy_timeout_ms() == 5000


def test_interrupt_is_exit_130_and_saves_nothing(
    db: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custinfo.store import audit

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(audit, "record", interrupted)
    result = cli("add", "--name", "Half", "--phone", "13800138000")
    assert (result.code, result.stdout) == (130, "")
    assert result.stderr.splitlines()[-1] == "custinfo: error: interrupted; nothing half-saved"
    monkeypatch.undo()
    assert count(db) == 0


def test_unexpected_error_is_one_line(
    customer: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custinfo.store.repo import Store

    def broken(self: object, customer_id: int) -> None:
        raise RuntimeError("secret 王小明 +8613912345678")

    monkeypatch.setattr(Store, "get", broken)
    result = cli("show", customer)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        "custinfo: error: internal error (RuntimeError); set CUSTINFO_DEBUG=1 for details\n"
    )


def test_broken_pipe_is_quiet(
    customer: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custinfo.cli.output import Output

    def gone(*args: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(Output, "customer_detail", gone)
    assert cli("show", customer) == type(cli("show", customer))(0, "", "")


def test_read_only_database_is_exit_1(
    customer: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlcipher3

    connect = sqlcipher3.connect

    def read_only(path: str, *args: object, **kwargs: object) -> object:
        return connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlcipher3, "connect", read_only)
    before = show_json(cli, customer)
    for command in (["add", "--name", "RO"], ["note", customer, "x"],
                    ["edit", customer, "--city", "x"]):  # fmt: skip
        result = cli(*command)
        assert (result.code, result.stdout) == (1, "")
        assert result.stderr == "custinfo: error: database is read-only: nothing was saved\n"
    assert show_json(cli, customer) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
def test_read_only_file_is_exit_1(customer: str, cli: CliRunner) -> None:
    cli.db.chmod(0o400)
    try:
        result = cli("note", customer, "x")
        assert result.code == 1 and "read-only" in result.stderr
    finally:
        cli.db.chmod(0o600)


# -- files are private whatever the umask --------------------------------------------------------


def umask_022() -> None:
    os.umask(0o022)


def test_files_and_directories_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "customers.db"
    env = process_env(CUSTINFO_DB=str(path), CUSTINFO_PASSPHRASE=PASSPHRASE)
    python = [sys.executable, "-m", "custinfo"]
    subprocess.run([*python, "init"], env=env, check=True, capture_output=True,
                   preexec_fn=umask_022)  # fmt: skip
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "dir").stat().st_mode) == 0o700
    customer = subprocess.run([*python, "add", "--name", "F"], env=env, check=True,
                              capture_output=True, preexec_fn=umask_022).stdout.strip()  # fmt: skip
    # `note ID -` opens the database, then waits for stdin: the WAL files exist meanwhile.
    proc = subprocess.Popen([*python, "note", customer.decode(), "-"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=umask_022)  # fmt: skip
    try:
        extras = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        deadline = time.monotonic() + 30
        while not all(p.exists() for p in extras) and time.monotonic() < deadline:
            time.sleep(0.02)
        for extra in extras:
            assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra
    finally:
        _, err = proc.communicate(b"note text\n", timeout=60)
    assert proc.returncode == 0, err


# -- start-up: what loads -------------------------------------------------------------------------


def test_show_does_not_import_validation_libraries(customer: str, cli: CliRunner) -> None:
    code = (
        "import sys\n"
        "from custinfo.cli.main import run\n"
        f"assert run(['show', {customer!r}]) == 0\n"
        "heavy = ('phonenumbers', 'email_validator', 'rapidfuzz', 'pypinyin', 'faker', 'vobject',\n"
        "         'openpyxl')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = process_env(CUSTINFO_DB=str(cli.db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[-1] == "[]"


def test_help_imports_no_command_or_database_module() -> None:
    code = (
        "import sys\n"
        "from custinfo.cli.main import run\n"
        "assert run(['--help']) == 0\n"
        "heavy = ('phonenumbers', 'email_validator', 'sqlcipher3', 'custinfo.store',\n"
        "         'custinfo.cli.cmd_add', 'custinfo.cli.cmd_show', 'custinfo.validation',\n"
        "         'vobject', 'openpyxl')\n"
        "print(sorted(m for m in sys.modules if m in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=process_env(), capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines()[-1] == "[]"


def test_output_tables_have_no_escape_codes_without_colour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custinfo.cli.output import Format, Output
    from tests.conftest import TtyStringIO

    monkeypatch.setenv("TERM", "xterm-256color")
    rows = [["1", "张伟", "+8613800138000"]]
    monkeypatch.setenv("NO_COLOR", "1")
    out = TtyStringIO()
    Output(stdout=out).table(["id", "name", "phones"], rows, title="t")
    assert "张伟" in out.getvalue() and not ANSI.search(out.getvalue())
    monkeypatch.delenv("NO_COLOR")
    out = TtyStringIO()
    Output(stdout=out).table(["id", "name", "phones"], rows)
    assert ANSI.search(out.getvalue())  # header in bold on a colour terminal
    pipe = TtyStringIO()
    pipe.isatty = lambda: False  # type: ignore[method-assign]
    output = Output(stdout=pipe)
    output.table(["id", "name", "phones"], rows)
    assert pipe.getvalue() == "id,name,phones\n1,张伟,+8613800138000\n"  # a pipe gets CSV
    assert output.choose(None) is Format.csv
    assert output.choose("json") is Format.json
    assert Output(stdout=TtyStringIO()).choose(None) is Format.table


def test_ctrl_c_in_a_real_process(customer: str, cli: CliRunner) -> None:
    import signal

    env = process_env(CUSTINFO_DB=str(cli.db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    # `note ID -` opens the database, then blocks reading stdin: interrupt it there.
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    argv = [sys.executable, "-m", "custinfo", "note", customer, "-"]
    proc = subprocess.Popen(argv, env=env, **pipes)  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 30
        while not Path(f"{cli.db}-shm").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert (proc.returncode, out) == (130, b"")
    assert err.decode().splitlines()[-1] == "custinfo: error: interrupted; nothing half-saved"
    assert "Traceback" not in err.decode()
    assert len(show_json(cli, customer)["notes"]) == 1  # type: ignore[arg-type]


def test_bad_busy_timeout_is_a_usage_error(
    cli: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTINFO_BUSY_TIMEOUT_MS", "soon")
    result = cli("show", "1")
    assert result.code == 2
    assert "CUSTINFO_BUSY_TIMEOUT_MS must be a number" in result.stderr
