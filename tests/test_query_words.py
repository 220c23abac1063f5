"""Several QUERY words as separate arguments mean the quoted form (issue 10, bug 3), in
every command that takes QUERY: find, export and dedupe."""

from __future__ import annotations

import json
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
