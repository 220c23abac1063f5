"""On screen: fitted tables, phones and times for people, quiet, colour, pager, grammar."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo.cli import tables, terminal
from custinfo.cli.help import width_of
from custinfo.i18n import plural
from tests.conftest import CliRunner, TtyStringIO

ANSI = re.compile(r"\x1b\[[0-9;]*m")
PHONE = "+8613800138000"
EMAIL = "a.very.long.address.for.testing@example-company.com"


def rows(n: int = 3, email: str = "zhang.wei@example.com") -> list[list[str]]:
    phones = f"{PHONE}\n+861062345678 ext. 23"
    company, tags = "Shanghai Trading Company Ltd", "VIP, wholesale, 2026"
    return [[str(1000 + i), f"张伟 Zhang Wei {i}", phones, email, company, "上海", tags]
            for i in range(n)]  # fmt: skip


COLUMNS = ["id", "name", "phones", "emails", "company", "city", "tags"]


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60])
def test_tables_never_wrap_a_phone_email_or_id(width: int) -> None:
    text, dropped = tables.render(COLUMNS, rows(), width=width, color=False, title=None)
    lines = text.splitlines()
    assert max(width_of(line) for line in lines) <= width
    for value in ("+86 138 0013 8000", "+86 10 6234 5678 ext. 23", "zhang.wei@example.com"):
        assert any(value in line for line in lines), (width, value)
    if width >= 200:
        assert dropped == []
    if width == 80:
        assert dropped and "phones" not in dropped and "emails" not in dropped
        assert "…" in text or dropped  # truncated or dropped, never wrapped


@pytest.mark.parametrize("width", [80, 40])
def test_too_narrow_for_the_table_becomes_cards(width: int) -> None:
    text, _dropped = tables.render(COLUMNS, rows(2, EMAIL), width=width, color=False, title=None)
    assert "1000 张伟 Zhang Wei 0" in text and "  phones   +86 138 0013 8000" in text
    assert "│" not in text and f"  emails   {EMAIL}\n" in text and "…" not in text
    assert "  company  Shanghai Trading Company Ltd\n" in text


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=0, max_size=30), st.text(min_size=0, max_size=12)),
        min_size=1, max_size=5,
    ),
    st.integers(min_value=30, max_value=160),
)  # fmt: skip
def test_fit_keeps_protected_columns_whole(data: list[tuple[str, str]], width: int) -> None:
    cells = [[str(i), name.replace("\n", " "), PHONE, tag.replace("\n", " ")]
             for i, (name, tag) in enumerate(data)]  # fmt: skip
    layout = tables.fit(["id", "name", "phones", "tags"], cells, width)
    if not layout.cards:
        assert 0 in layout.keep and 2 in layout.keep
        assert layout.widths[2] >= len(PHONE)
        assert tables.table_width(layout.widths[i] for i in layout.keep) <= width


def test_screen_values_and_machine_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert tables.local_time("2026-11-03T06:12:09.123456Z") == "2026-11-03 14:12"
        assert tables.local_prefix("2026-11-03T23:59:00Z 回访") == "2026-11-04 07:59 回访"
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()
        assert tables.local_time("2026-07-01T12:00:00Z") == "2026-07-01 08:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert tables.local_time("not a time") == "not a time"
    cases = {
        "+8613800138000": "+86 138 0013 8000",
        "+14155550132": "+1 415-555-0132",
        "+442079460958": "+44 20 7946 0958",
        "+861062345678 ext. 23": "+86 10 6234 5678 ext. 23",
        "+85291234567": "+852 9123 4567",
        "12345": "12345",
    }
    for raw, shown in cases.items():
        assert tables.international(raw) == shown


def test_find_on_a_terminal_and_in_a_pipe(cli: CliRunner, db: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    cli.ok("add", "--name", "张伟", "--phone", "138 0013 8000", "--email", EMAIL,
           "--company", "A Company With A Long Name", "--city", "上海", "--tag", "VIP")  # fmt: skip
    screen = cli("find", tty=True)
    assert "+86 138 0013 8000" in screen.stdout and EMAIL in screen.stdout
    assert max(width_of(line) for line in ANSI.sub("", screen.stdout).splitlines()) <= 80
    pipe = cli.ok("find")
    assert "+8613800138000" in pipe and "+86 138" not in pipe  # machine formats keep E.164
    shown = cli.ok("show", "1", tty=True)
    assert re.search(r"created_at\s+\d{4}-\d\d-\d\d \d\d:\d\d\s", ANSI.sub("", shown))
    assert cli.ok("show", "1").count("Z\n") == 2  # UTC in a pipe


def test_quiet_leaves_only_errors(cli: CliRunner, db: Path) -> None:
    result = cli("-q", "add", "--name", "A", "--email", "a@example.com")
    assert (result.code, result.stdout, result.stderr) == (0, "1\n", "")
    result = cli("--quiet", "tag", "add", "VIP", "1")
    assert (result.code, result.stderr) == (0, "")
    result = cli("-q", "show", "99")
    assert result.code == 3 and result.stderr == "custinfo: error: no customer with id 99\n"
    assert "tagged" in cli("tag", "add", "new", "1").stderr  # not quiet: the message


def test_colour_switches(cli: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("add", "--name", "A")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert ANSI.search(cli.ok("find", tty=True))
    assert not ANSI.search(cli.ok("--no-color", "find", tty=True))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(cli.ok("find", tty=True))
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not ANSI.search(cli.ok("find", tty=True))


def test_the_pager_is_used_only_on_a_real_terminal_and_for_long_output(monkeypatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(terminal, "_spawn_pager", lambda argv, text, s: calls.append(argv) or True)
    monkeypatch.setattr(terminal, "_real_terminal", lambda stream: True)
    monkeypatch.setenv("LINES", "10")
    out = TtyStringIO()
    terminal.page("short\n", out)
    assert calls == [] and out.getvalue() == "short\n"  # it fits: no pager
    terminal.page("x\n" * 30, out)
    assert calls == [["less", "-FRX"]]
    monkeypatch.setenv("CUSTINFO_PAGER", "more -d")
    terminal.page("x\n" * 30, out)
    assert calls[-1] == ["more", "-d"]
    monkeypatch.setenv("CUSTINFO_PAGER", "")
    assert terminal.pager_command() is None
    monkeypatch.setattr(terminal, "_real_terminal", lambda stream: False)
    monkeypatch.delenv("CUSTINFO_PAGER")
    terminal.page("x\n" * 30, out)
    assert len(calls) == 2  # never in a pipe


def test_plural_and_progress_line() -> None:
    from custinfo.cli.cmd_import import progress_line

    assert plural(1, "customer") == "1 customer"
    assert plural(0, "customer") == "0 customers"
    assert plural(1274, "group") == "1,274 groups"
    assert plural(2, "entry", "entries") == "2 entries"
    line = progress_line(23104, 2_310_400, 10_000_000, 10.75)
    assert line == "23,104/~100,000 · 2,149 rows/s · ETA 0:36"
    assert progress_line(5, 100, None, 1.0) == "5 · 5 rows/s"  # stdin: no total, no ETA


def test_the_spinner_is_silent_in_a_pipe_and_when_quiet(capsys) -> None:
    with terminal.spinner("finding duplicates") as say:
        say("still finding")
    assert capsys.readouterr().err == ""
    terminal.set_ui(quiet=True)
    try:
        with terminal.spinner("x") as say:
            say("y")
    finally:
        terminal.set_ui(quiet=False)
    assert capsys.readouterr().err == ""
