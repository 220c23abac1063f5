"""Several QUERY words as separate arguments mean the quoted form (issue 10, bug 3), in
every command that takes QUERY: find, export and dedupe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzzkit import fast_db, run_cli

PEOPLE = tuple(
    ("add", *args, "--allow-duplicate")
    for args in (
        ("--name", "John Murphy", "--city", "Dublin", "--phone", "+353 1 234 5678"),
        ("--name", "John Smith", "--city", "Boston"),
        ("--name", "Mary Dublin", "--city", "Cork"),
        ("--name", "Jon Murphy", "--city", "Dublin", "--phone", "+353 1 234 5678"),
        ("--name", "张伟", "--city", "上海"),
    )
)


@pytest.fixture
def people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with fast_db(tmp_path, monkeypatch, PEOPLE) as db:
        yield db


def ids(args: list[str]) -> list[str]:
    result = run_cli(args)
    assert result.code == 0, result.stderr
    return result.stdout.split()


def test_find_words_as_separate_arguments(people: Path) -> None:
    quoted = ids(["find", "john dublin", "--format", "ids"])
    assert quoted == ["1"]
    assert ids(["find", "john", "dublin", "--format", "ids"]) == quoted
    assert ids(["find", "--format", "ids", "john", "dublin"]) == quoted  # options anywhere
    assert ids(["find", "john", "--format", "ids", "dublin"]) == quoted
    assert ids(["find", "张伟", "上海", "--format", "ids"]) == ["5"]
    assert ids(["find", "john", "--city", "boston", "--format", "ids"]) == ["2"]


def test_a_phone_in_several_words_is_still_a_phone(people: Path) -> None:
    assert ids(["find", "+353", "1", "234", "5678", "--format", "ids"]) == ids(
        ["find", "+353 1 234 5678", "--format", "ids"]
    )
    assert ids(["find", "+353", "1", "234", "5678", "--format", "ids"]) == ["1", "4"]


def test_export_and_dedupe_take_several_words(people: Path) -> None:
    quoted = run_cli(["export", "john dublin", "--format", "ndjson"]).stdout
    assert [json.loads(line)["name"] for line in quoted.splitlines()] == ["John Murphy"]
    assert run_cli(["export", "john", "dublin", "--format", "ndjson"]).stdout == quoted
    both = run_cli(["dedupe", "murphy", "dublin", "--format", "json"])
    assert both.code == 0, both.stderr
    assert run_cli(["dedupe", "murphy dublin", "--format", "json"]).stdout == both.stdout
    assert [group["ids"] for group in json.loads(both.stdout)] == [[1, 4]]


def test_no_query_words_is_everyone(people: Path) -> None:
    assert ids(["find", "--format", "ids"]) == ["1", "2", "3", "4", "5"]


SELECTING = (["find"], ["export"], ["dedupe"], ["agenda"], ["order", "export"], ["report"])


@pytest.mark.parametrize("command", SELECTING, ids=" ".join)
def test_every_selecting_command_takes_every_find_filter(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One set of find filters, declared once: no command drifts (its --help lists each)."""
    from custinfo.cli import filters

    monkeypatch.setenv("COLUMNS", "200")
    shown = run_cli([*command, "--help"]).stdout
    options = [f"--{name.replace('_', '-')}" for name, _, _ in filters.FILTERS]
    assert len(options) >= 26
    missing = [o for o in options if not re.search(rf"{o}\b(?!-)", shown)]
    assert missing == [], f"{' '.join(command)} lacks {missing}"


@pytest.mark.parametrize("command", [["agenda"], ["order", "export"], ["report", "overview"]])
def test_custom_field_and_consent_filters_select_in_every_command(
    people: Path, command: list[str]
) -> None:
    """--where and --consent, once missing from agenda, order export and report, select
    there as they do in find (an unknown field or purpose is the same error)."""
    for given in (["--where", "nosuchfield=1"], ["--consent", "nosuchpurpose"]):
        result = run_cli([*command, *given, "--format", "json"])
        found = run_cli(["find", *given, "--format", "json"])
        assert found.code in (2, 3) and given[1].split("=")[0] in found.stderr
        assert (result.code, result.stderr) == (found.code, found.stderr)
