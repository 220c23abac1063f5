"""Fuzzing argv for every command in `cli/app.py` COMMANDS, the way an attacker (or a typo)
would: random subsets of each command's own options, with values of the right kind, of the
wrong kind and at the edges (ids past 2**63, NaN, dates in year 0, zero-width text, paths
to a directory, a device or nothing), plus stray tokens.

For every run: no traceback and no "internal error"; a documented exit code; under 30 s;
when it fails, every table of the database is unchanged; afterwards `custinfo check`
passes. Each example starts from the same small database (tests/fuzzkit.py FUZZ_BASE).
The default run is short; `pytest -m slow tests/test_fuzz_argv.py` runs the long one.
"""

from __future__ import annotations

import enum
import importlib
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo.cli.app import COMMANDS
from tests.fuzzkit import FUZZ_BASE, assert_clean, fast_db, fingerprint, place_db, run_cli

DEFAULT_EXAMPLES = 6  # per top-level command of COMMANDS (a fraction of a second each)
SLOW_EXAMPLES = 150  # per top-level command
#: Not fuzzed: the completion options are not on the real commands; --db stays on the
#: arena's database; demo --keep would leave a directory in /tmp behind every run.
SKIPPED = {"install_completion", "show_completion", "db", "keep"}
#: Always given: demo's default of 300 synthetic customers would make each run seconds long.
ALWAYS = {"count"}

IDS = ["1", "2", "3", "4", "5", "6", "99", "0", "-1", "１", "1.0", "1e3", " 2 ", "0x1",
       str(2**63 - 1), str(2**63), "99999999999999999999", "9" * 400]  # fmt: skip
#: The values that broke things before (issue 11): drawn for a third of every number.
EDGES = [str(2**63), "99999999999999999999", "-1", "0", "nan"]
PHONES = ["13800138000", "+86 139 0000 0001", "+1 415 555 0123", "8000", "123", "+999 1",
          "1" * 300, "１３８００１３８０００", "138-0013-8000 转 8",
          "+86 (0) 10 6234 5678"]  # fmt: skip
EMAILS = ["john@example.com", "@example.com", "example.com", "zhang.wei@", "a@b", "@", "x" * 300,
          "gone@example.com", "ＪＯＨＮ@ＥＸＡＭＰＬＥ.ＣＯＭ", "a..b@example.com"]  # fmt: skip
DATES = ["2024-01-01", "1990-05-01", "0000-01-01", "9999-12-31", "2024-02-30", "yesterday",
         "2024-1-1", "", "２０２４-０１-０１", "-1"]  # fmt: skip
DURATIONS = ["3y", "18m", "90d", "0d", "-1d", "1000000000y", "y", "3", "1.5y", ""]
REGIONS = ["CN", "us", "GB", "ZZ", "", "xx", "CNN", "中国"]
NUMBERS = ["0", "1", "3", "-1", "nan", "inf", "1e400", "0.5", "2", str(2**63), "x"]
ENCODINGS = ["utf-8", "gbk", "gb18030:replace", "rot13", "hex", "nope", "utf-16", ":", "gbk:"]
WEIRD_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30
)
SAMPLES = ["张伟", "John", "VIP", "上海", "Acme", "", " ", "\u200b", "-", "--", "a,b",
           "=cmd()", "x" * 200, "\u202etxet", "o'brien \"q\""]  # fmt: skip
TEXT = st.one_of(st.sampled_from(SAMPLES), WEIRD_TEXT)


def paths(tmp: Path) -> list[str]:
    """Files a fuzzed path may name; the database itself is left out (output-path guards
    are another helper's; add str(tmp / "fast.db") once they refuse it)."""
    return [str(tmp / "missing.csv"), str(tmp / "in.csv"), str(tmp / "in.json"), str(tmp),
            "/dev/null", str(tmp / "backups"), str(tmp / "out" / "x.csv"), "-", ""]  # fmt: skip


def value_strategy(param: Any, tmp: Path) -> st.SearchStrategy[str]:
    """Values for one parameter, from its annotation and name."""
    annotation = param.type_descriptor.annotation
    if typing.get_origin(annotation) in (list, tuple):  # list[int], tuple[int, int]: an item
        annotation = typing.get_args(annotation)[0]
    name = param.name
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.one_of(st.sampled_from([m.value for m in annotation]), TEXT)
    if annotation is Path or name in ("file", "folder", "target", "to"):
        return st.sampled_from(paths(tmp))
    if annotation is int and name not in ("count",) and not name.startswith("keep_"):
        return st.one_of(st.sampled_from(EDGES), st.sampled_from(IDS), TEXT)
    if name == "count":  # demo: small counts only (each run is a whole tour), and bad ones
        return st.one_of(st.sampled_from(["0", "2", "-1", "100001", str(2**63), "1.5"]), TEXT)
    if annotation in (int, float):
        return st.one_of(st.sampled_from(EDGES), st.sampled_from(NUMBERS), TEXT)
    table = {"phone": PHONES, "add_phone": PHONES, "remove_phone": PHONES, "email": EMAILS,
             "add_email": EMAILS, "remove_email": EMAILS, "birthday": DATES,
             "added_since": DATES, "updated_since": DATES, "older_than": DURATIONS,
             "region": REGIONS, "encoding": ENCODINGS, "ids": [*IDS, "-"],
             "map_": ["phone=email", "Kontakt=name", "x=ignore", "=", "name=nope"]}  # fmt: skip
    if name == "ids":  # tag add/remove: text ids, parsed by the command itself
        return st.one_of(st.sampled_from(EDGES), st.sampled_from(table[name]), TEXT)
    if name in table:
        return st.one_of(st.sampled_from(table[name]), TEXT)
    return TEXT


@st.composite
def argv_for(draw: st.DrawFn, path: tuple[str, ...], command: Any, tmp: Path) -> list[str]:
    args: list[str] = list(path)
    params = [p for p in command.params if p.name not in SKIPPED]
    options = [p for p in params if p.param_type_name == "option"]
    for param in [p for p in params if p.param_type_name == "argument"]:
        if param.required or draw(st.booleans()):
            count = draw(st.integers(1, 3)) if param.nargs == -1 else 1
            args += [draw(value_strategy(param, tmp)) for _ in range(count)]
    chosen = draw(st.lists(st.sampled_from(options), max_size=4, unique_by=id)) if options else []
    chosen += [p for p in options if p.name in ALWAYS and p not in chosen]
    for param in chosen:
        flag = draw(st.sampled_from(param.opts + param.secondary_opts))
        if param.type_descriptor.annotation is bool:
            args.append(flag)
        else:
            values = value_strategy(param, tmp)  # nargs values (--explain ID1 ID2)
            args += [flag, *(draw(values) for _ in range(max(param.nargs, 1)))]
    if draw(st.integers(0, 9)) == 0:  # a stray token somewhere
        stray = draw(st.sampled_from(["--nope", "-", "--", "-x", "--help", "extra", "-5"]))
        args.insert(draw(st.integers(len(path), len(args))), stray)
    return args


def commands(name: str) -> list[tuple[tuple[str, ...], Any]]:
    """(argv prefix, click command) for a command and, for a group, each subcommand."""
    command = typer.main.get_command(importlib.import_module(COMMANDS[name][0]).app)
    subs = getattr(command, "commands", None)
    if subs:
        return [((name, sub), cmd) for sub, cmd in sorted(subs.items())]
    return [((name,), command)]


@pytest.fixture
def arena(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with fast_db(tmp_path, monkeypatch, FUZZ_BASE) as db:
        (tmp_path / "in.csv").write_text("name,phone\n李四,13900139000\n", encoding="utf-8")
        (tmp_path / "in.json").write_text('[{"name": "Ann", "city": {"a": 1}}]')
        yield db


def check_run(db: Path, args: list[str], stdin: str, baseline: str) -> None:
    place_db(db, FUZZ_BASE)
    started = time.monotonic()
    result = run_cli(args, stdin)
    took = time.monotonic() - started
    note = f"argv={args!r} stdin={stdin!r}"
    assert took < 30, f"{note}: took {took:.1f} s"
    try:
        assert_clean(result)
    except AssertionError as exc:
        raise AssertionError(f"{note}: {exc}") from None
    if result.code != 0:
        assert fingerprint(db) == baseline, f"{note}: failed (exit {result.code}) yet changed data"
    checked = run_cli(["check"])
    assert checked.code == 0, f"{note}: check afterwards: {checked.stderr}"


def fuzz(name: str, db: Path, examples: int, derandomize: bool) -> None:
    place_db(db, FUZZ_BASE)
    baseline = fingerprint(db)
    tmp = db.parent
    strategy = st.one_of(*(argv_for(path, command, tmp) for path, command in commands(name)))
    stdin = st.one_of(st.just(""), st.sampled_from(["1\n2\n", "x\n", f"{2**63}\n"]), WEIRD_TEXT)

    @settings(
        max_examples=examples, deadline=None, derandomize=derandomize, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(args=strategy, stdin=stdin)
    def run_one(args: list[str], stdin: str) -> None:
        check_run(db, args, stdin, baseline)

    run_one()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_fuzz_argv(name: str, arena: Path) -> None:
    fuzz(name, arena, DEFAULT_EXAMPLES, derandomize=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COMMANDS))
def test_fuzz_argv_long(name: str, arena: Path) -> None:
    fuzz(name, arena, SLOW_EXAMPLES, derandomize=False)
