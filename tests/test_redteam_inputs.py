"""Regression tests for the red team's input breaks (issue 11, breaks 7, 8 and 9).

Each invalid input is exit 2 (or 3 for an id that does not exist) with one line naming the
value, never "internal error", and never anything saved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzzkit import assert_clean, fast_db, fingerprint, names, run_cli

BIG = str(2**63)  # one past SQLite's largest integer
HUGE = "99999999999999999999"


@pytest.fixture
def fdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A raw-keyed database with two customers (1 and 2)."""
    with fast_db(tmp_path, monkeypatch, names("Alice", "张伟")) as db:
        yield db


def usage_error(args: list[str], stdin: str = "", code: int = 2) -> str:
    result = run_cli(args, stdin)
    assert_clean(result)
    assert result.code == code, (args, result.code, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and lines[-1].startswith("custinfo: error: "), result.stderr
    return lines[-1]


# -- break 7: ids and limits past 2**63 - 1, demo --count ---------------------------------------

ID_COMMANDS = [
    ["show", BIG],
    ["edit", BIG, "--name", "x"],
    ["note", BIG, "hello"],
    ["purge", BIG, "--yes"],
    ["unmerge", BIG],
    ["subject", BIG],
    ["merge", "1", BIG, "--yes"],
    ["merge", BIG, "1", "--yes"],
    ["find", "--limit", BIG],
    ["export", "--limit", BIG],
    ["export", "--id", BIG],
    ["tag", "add", "x", BIG],
    ["tag", "remove", "x", BIG],
    ["show", HUGE],
    ["tag", "add", "x", HUGE],
]


@pytest.mark.parametrize("args", ID_COMMANDS, ids=" ".join)
def test_ids_and_limits_past_sqlite_range_are_usage_errors(fdb: Path, args: list[str]) -> None:
    before = fingerprint(fdb)
    value = BIG if BIG in args else HUGE
    message = usage_error(args)
    assert value in message and "1e+20" not in message
    assert fingerprint(fdb) == before


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "1e3", "１", " ", "0x10"])
def test_ids_that_are_not_whole_positive_numbers(fdb: Path, value: str) -> None:
    assert value.strip() in usage_error(["show", "--", value]) or value == " "


def test_tag_ids_from_stdin_past_the_range(fdb: Path) -> None:
    message = usage_error(["tag", "add", "x"], stdin=f"1\n{HUGE}\n")
    assert "stdin line 2" in message and HUGE in message
    # The largest id is fine as a value: it just does not exist (exit 3, not a float).
    message = usage_error(["tag", "add", "x", str(2**63 - 1)], code=3)
    assert str(2**63 - 1) in message


@pytest.mark.parametrize(("count", "word"), [("-1", "-1"), ("100000000000", "100000000000")])
def test_demo_count_is_checked_and_capped(fdb: Path, count: str, word: str) -> None:
    message = usage_error(["demo", "--count", count])
    assert word in message and "100000" in message


# -- break 7: import values that crashed -----------------------------------------------------


def write(tmp: Path, name: str, data: str | bytes) -> str:
    path = tmp / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib_codec", "uu", "hex", "bz2", "idna"])
def test_import_refuses_encodings_that_are_not_text(fdb: Path, tmp_path: Path, codec: str) -> None:
    path = write(tmp_path, "a.csv", "name\nBob\n")
    message = usage_error(["import", path, "--encoding", codec])
    assert codec in message and "not a text encoding" in message


def test_import_unknown_encoding_and_error_handler(fdb: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "name\nBob\n")
    assert "'nope'" in usage_error(["import", path, "--encoding", "nope"])
    assert "'bogus'" in usage_error(["import", path, "--encoding", "gbk:bogus"])


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_deeply_nested_json_is_an_error_not_a_crash(fdb: Path, tmp_path: Path, fmt: str) -> None:
    before = fingerprint(fdb)
    deep = "[" * 100_000 + "]" * 100_000
    text = f"[{deep}]" if fmt == "json" else f'{{"name": "x", "notes": {deep}}}\n'
    result = run_cli(["import", write(tmp_path, f"deep.{fmt}", text)])
    assert_clean(result)
    assert result.code == 2 and "nested too deeply" in result.stderr
    assert fingerprint(fdb) == before


@pytest.mark.parametrize(
    ("record", "column", "reason"),
    [
        ({"name": "x", "notes": [{"at": 5, "text": "hi"}]}, "notes", 'a note\'s "at": expected '
         "text, got a number (5)"),
        ({"name": "x", "notes": [{"at": 5}]}, "notes", "got a number (5)"),
        ({"name": "x", "created_at": "0001-01-01T00:00:00+14:00"}, "created_at",
         "out of range in UTC"),
        ({"name": "x", "updated_at": "9999-12-31T23:59:59-14:00"}, "updated_at",
         "out of range in UTC"),
    ],
)  # fmt: skip
def test_json_values_that_crashed_are_row_errors(
    fdb: Path, tmp_path: Path, record: dict, column: str, reason: str
) -> None:
    path = write(tmp_path, "r.ndjson", json.dumps(record) + "\n")
    result = run_cli(["import", path])
    assert_clean(result)
    assert result.code == 2
    assert f"custinfo: line 1, column {column!r}: " in result.stderr and reason in result.stderr


def test_a_5000_digit_phone_number_is_a_row_error(fdb: Path, tmp_path: Path) -> None:
    digits = "1" * 5000
    text = f'{{"name": "x", "phone": {digits}}}\n{{"name": "y", "phone": "{digits}"}}\n'
    result = run_cli(["import", write(tmp_path, "p.ndjson", text)])
    assert_clean(result)
    assert result.code == 2
    assert "line 1, column 'phone': expected text, got a number (5000 digits)" in result.stderr
    assert "line 2, column 'phone': phone '11111" in result.stderr
    assert max(map(len, result.stderr.splitlines())) < 300  # the value is cut in the message


def test_old_timestamps_keep_four_digit_years(fdb: Path, tmp_path: Path) -> None:
    record = {"name": "Old", "created_at": "0099-01-02T03:04:05+00:00"}
    assert run_cli(["import", write(tmp_path, "o.ndjson", json.dumps(record))]).code == 0
    shown = json.loads(run_cli(["show", "3", "--format", "json"]).stdout)
    assert shown["created_at"] == "0099-01-02T03:04:05.000000Z"


# -- break 8: silent corruption ---------------------------------------------------------------


def mixed_file(tmp: Path) -> str:
    data = b"name,city\n" + "张三,上海\n".encode("gbk") + "李四,北京\n".encode()
    return write(tmp, "mixed.csv", data)


def test_a_file_mixing_gbk_and_utf8_is_refused_naming_the_line(fdb: Path, tmp_path: Path) -> None:
    before = fingerprint(fdb)
    message = usage_error(["import", mixed_file(tmp_path)])
    assert message.startswith("custinfo: error: line 3 looks like UTF-8") and "gb18030" in message
    assert fingerprint(fdb) == before
    # Naming the encoding alone does not silence the check: the rows would still be wrong.
    assert "line 3" in usage_error(["import", mixed_file(tmp_path), "--encoding", "gbk"])


def test_an_explicit_error_handler_is_the_users_choice(fdb: Path, tmp_path: Path) -> None:
    result = run_cli(["import", mixed_file(tmp_path), "--encoding", "gb18030:strict"])
    assert result.code == 0, result.stderr  # read as GB18030, as asked
    bad = write(tmp_path, "bad.csv", b"name\n" + "张三\n".encode("gbk") + b"Bo\xffb\n")
    assert "not valid gb18030" in usage_error(["import", bad, "--encoding", "gb18030"])
    result = run_cli(["import", bad, "--encoding", "gb18030:replace"])
    assert result.code == 0, result.stderr
    names = run_cli(["find", "--format", "json"]).stdout
    assert "Bo\ufffd" in json.loads(names)[-1]["name"]


def test_gbk_and_utf8_files_still_import(fdb: Path, tmp_path: Path) -> None:
    # 凱 and 號 in GB18030 hold bytes that look like UTF-8 on their own (a check by runs of
    # non-ASCII bytes refused this row); whole lines do not.
    lines = "姓名,城市,地址\n张三,上海,\n李四,北京,\n陳凱翔,台中,迴龍街181號\n"
    gbk = write(tmp_path, "g.csv", lines.encode("gb18030"))
    utf = write(tmp_path, "u.csv", "name,city\n王五,深圳\n")
    assert run_cli(["import", gbk]).code == 0
    assert run_cli(["import", utf]).code == 0
    names = {c["name"] for c in json.loads(run_cli(["find", "--format", "json"]).stdout)}
    assert {"张三", "李四", "王五", "陳凱翔"} <= names


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"a": 1}, "an object"),
        ([1, 2], "an array"),
        (True, "a boolean (true)"),
        (12, "a number (12)"),
        (1.5, "a number (1.5)"),
        (float("nan"), "a number (NaN)"),
    ],
)
@pytest.mark.parametrize("column", ["name", "company", "city", "birthday", "email", "tags"])
def test_json_type_confusion_is_a_row_error(
    fdb: Path, tmp_path: Path, value: object, kind: str, column: str
) -> None:
    if column in ("email", "tags") and kind == "an array":
        value = [{"a": 1}]  # a list is fine there; its items must be text
        kind = "an object"
    record = {"name": "ok", column: value}
    result = run_cli(["import", write(tmp_path, "t.ndjson", json.dumps(record) + "\n")])
    assert_clean(result)
    assert result.code == 2
    assert f"line 1, column {column!r}: expected text, got {kind}" in result.stderr


def test_json_phone_may_be_a_whole_number(fdb: Path, tmp_path: Path) -> None:
    record = {"name": "Num", "phone": 13800138000}
    assert run_cli(["import", write(tmp_path, "n.json", json.dumps([record]))]).code == 0
    assert json.loads(run_cli(["show", "3", "--format", "json"]).stdout)["phones"] == [
        "+8613800138000"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('[{"name": "a"}] garbage', "unexpected data after the JSON array"),
        ('[{"name": "a"}][{"name": "b"}]', "unexpected data after the JSON array"),
        ('[{"name": "a"} {"name": "b"}]', "expected ',' or ']'"),
        ('[{"name": "a"},,{"name": "b"}]', "malformed JSON in item 2"),
        ('[{"name": "a"}', "the array is not closed"),
        ('[{"name": "a"}, 12', "the array is not closed"),
    ],
)
def test_malformed_json_arrays_are_refused(
    fdb: Path, tmp_path: Path, text: str, reason: str
) -> None:
    before = fingerprint(fdb)
    assert reason in usage_error(["import", write(tmp_path, "m.json", text), "-f", "json"])
    assert fingerprint(fdb) == before


def test_ndjson_trailing_garbage_is_a_bad_line(fdb: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "g.ndjson", '{"name": "a"}\n{"name": "b"} x\n')
    result = run_cli(["import", path])
    assert result.code == 2 and "line 2, column 'line': not valid JSON" in result.stderr


INVISIBLE = ["\u200b", "\u200b\u200c\u200d\u2060", "\ufeff", "\u3164", "\u115f", "\u2800",
             "\u0301", "\u200e\u200f", "\u3000\u200b"]  # fmt: skip


@pytest.mark.parametrize("text", INVISIBLE, ids=lambda t: t.encode("unicode_escape").decode())
def test_text_needs_a_visible_character(fdb: Path, tmp_path: Path, text: str) -> None:
    before = fingerprint(fdb)
    assert "has no visible character" in usage_error(["add", "--name", text])
    assert "city" in usage_error(["add", "--name", "ok", "--city", text])
    for field in ("name", "tags", "notes"):
        record = {"name": "ok", field: text}
        path = write(tmp_path, "z.ndjson", json.dumps(record) + "\n")
        assert run_cli(["import", path]).code == 2
    assert fingerprint(fdb) == before
    # Visible text around them is fine, and kept as typed.
    assert run_cli(["add", "--name", f"A{text}B"]).code == 0


# -- break 9: import of things that are not regular files ---------------------------------------


def test_import_of_a_device_directory_or_fifo_says_not_a_regular_file(
    fdb: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, kind in ((os.devnull, "a device"), (str(tmp_path), "a directory"),
                       (str(fifo), "a pipe")):  # fmt: skip
        message = usage_error(["import", path])
        assert f"not a regular file: {path} is {kind}" in message
    assert "no such file" in usage_error(["import", str(tmp_path / "missing.csv")])
