"""Fuzzing import input: CSV, TSV, JSON, NDJSON, vCard and .xlsx files built from random
records (right and wrong types, Chinese, zero-width and control characters, huge numbers,
NaN, nesting),
in several encodings, often damaged at the byte level, imported with random options.

For every run: no traceback and no "internal error"; exit 0 or 2; under 30 s; when it
fails, or is a dry run, every table is unchanged, and otherwise the customers already
saved are unchanged (unless `--on-duplicate merge`); afterwards `custinfo check` passes.

To fuzz a new format, add its writer to WRITERS (records -> text); `--format NAME` is
then among the options tried. The default run is short; `pytest -m slow
tests/test_fuzz_import.py` runs the long one.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzkit import (
    FUZZ_BASE,
    RAW_KEY,
    assert_clean,
    fast_db,
    fingerprint,
    place_db,
    run_cli,
)

DEFAULT_EXAMPLES = 40
SLOW_EXAMPLES = 3000

Record = dict[str, Any]


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _delimited(records: list[Record], delimiter: str) -> str:
    header = list(dict.fromkeys(key for record in records for key in record)) or ["name"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(r[k]) if k in r else "" for k in header] for r in records)
    return out.getvalue()


#: vCard properties a record's keys become (other keys: X- properties).
_VCARD = {"name": "FN", "姓名": "FN", "phone": "TEL;TYPE=CELL", "手机": "TEL", "email": "EMAIL",
          "邮箱": "EMAIL;TYPE=WORK", "company": "ORG", "address": "ADR", "city": "ADR",
          "birthday": "BDAY", "tags": "CATEGORIES", "notes": "NOTE", "备注": "NOTE",
          "first_name": "N", "last_name": "N", "created_at": "X-CUSTINFO-CREATED",
          "updated_at": "X-CUSTINFO-UPDATED"}  # fmt: skip


def _vcards(records: list[Record]) -> str:
    """Cards with the records' values, escaped or raw (a raw `;`, `,` or line break is the
    kind of damage real exports have), in 2.1, 3.0 or 4.0 by turns."""
    out = []
    for index, record in enumerate(records):
        version = ("2.1", "3.0", "4.0")[index % 3]
        lines = ["BEGIN:VCARD", f"VERSION:{version}"]
        for key, value in record.items():
            prop = _VCARD.get(key, "X-" + "".join(ch for ch in key.upper() if ch.isalnum()) or "X")
            text = _cell(value)
            if index % 2:
                text = text.replace("\\", "\\\\").replace(",", "\\,").replace("\n", "\\n")
            if prop == "ADR":
                text = f";;{text};{text};;;"
            lines.append(f"{prop}:{text}")
        if index % 4 == 3:
            lines.append("PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ")
        lines.append("END:VCARD")
        out.append("\r\n".join(lines) + "\r\n")
    return "".join(out)


def _xlsx(records: list[Record]) -> bytes:
    """An .xlsx workbook of the records (the CSV header and cells; numbers stay numbers)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    header = list(dict.fromkeys(key for record in records for key in record)) or ["name"]
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in header])
    for record in records:
        row = []
        for key in header:
            value = record.get(key)
            number = type(value) in (int, float) and value == value and abs(value) < 1e15
            if number:
                row.append(value)
            elif key in record:
                row.append(ILLEGAL_CHARACTERS_RE.sub("", _cell(value))[:32000])
            else:
                row.append(None)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: format name -> writer of records as that format's text (.xlsx: bytes, see `_xlsx`).
WRITERS: dict[str, Callable[[list[Record]], str]] = {
    "csv": lambda records: _delimited(records, ","),
    "tsv": lambda records: _delimited(records, "\t"),
    "json": lambda records: json.dumps(records, ensure_ascii=False),
    "ndjson": lambda records: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
    "vcard": _vcards,
    "xlsx": lambda records: "",  # bytes: `inputs` calls `_xlsx`
}

KEYS = ["name", "姓名", "phone", "手机", "email", "邮箱", "company", "address", "city", "birthday",
        "tags", "notes", "created_at", "updated_at", "first_name", "last_name", "id", "source",
        "备注", "Kontakt", "error", ""]  # fmt: skip
REALISTIC = st.sampled_from([
    "张伟", "John Smith", "王小明", "13800138000", "+86 139 0000 0001", "+1 415 555 0123",
    "john@example.com", "gone@example.com", "ZHANG.WEI@EXAMPLE.COM", "上海", "1990-05-01",
    "2024-02-30", "2026-01-01T08:00:00+08:00", "0001-01-01T00:00:00+14:00", "VIP;wholesale",
    "2024-01-01T00:00:00.000000Z note;2024-01-02T00:00:00.000000Z two", "=1+1", "\u200b",
    "\u3164", "a\x00b", "x" * 5000, "1" * 5000, "李四\r\n王五", "\ufeffname", "",
])  # fmt: skip
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT | REALISTIC
    | st.integers(10**30, 10**60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
RECORD = st.dictionaries(
    st.sampled_from(KEYS), st.one_of(REALISTIC, REALISTIC, TEXT, JSON_VALUES), max_size=6
)
RECORDS = st.lists(RECORD, max_size=8)
ENCODINGS = ["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16"]
OPTIONS = st.lists(
    st.sampled_from([
        ["--dry-run"], ["--on-duplicate", "merge"], ["--on-duplicate", "add"],
        ["--allow-suppressed"], ["--region", "US"], ["--encoding", "gbk"],
        ["--encoding", "utf-8"], ["--encoding", "gb18030:replace"], ["--encoding", "utf-16"],
        ["--encoding", "latin-1"], ["--encoding", "rot13"], ["--map", "Kontakt=name"],
        ["--map", "备注=phone"], ["--map", "x=nope"], ["--rejects", "REJECTS", "--force"],
        ["--sheet", "Sheet"], ["--date-order", "dmy"],
        *(["--format", name] for name in WRITERS),
    ]),
    max_size=3,
)  # fmt: skip


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """`data`, often as it is, else cut, spliced with random bytes, or with a byte changed."""
    how = draw(st.sampled_from(["none", "none", "none", "cut", "insert", "flip", "append"]))
    if how == "none" or not data:
        return data
    at = draw(st.integers(0, len(data)))
    if how == "cut":
        return data[:at]
    junk = draw(st.binary(min_size=1, max_size=8))
    if how == "insert":
        return data[:at] + junk + data[at:]
    if how == "append":
        return data + junk
    at = min(at, len(data) - 1)
    return data[:at] + junk[:1] + data[at + 1 :]


@st.composite
def inputs(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    fmt = draw(st.sampled_from(sorted(WRITERS)))
    records = draw(RECORDS)
    options = [part for option in draw(OPTIONS) for part in option]
    if fmt == "xlsx":
        return draw(damaged(_xlsx(records))), options
    text = WRITERS[fmt](records)
    if draw(st.integers(0, 19)) == 0:  # nesting past any recursion limit
        text = "[" + "[" * 5000 + "]" * 5000 + "]" if fmt == "json" else "[" * 5000 + "\n"
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return draw(damaged(data)), options


def customer_rows(db: Path, ids: list[int]) -> list[Any]:
    """The stored rows of these customers (they must survive a successful import)."""
    from custinfo.store import Store

    marks = ",".join("?" * len(ids))
    tables = [("customers", "id"), ("phones", "customer_id"), ("emails", "customer_id"),
              ("notes", "customer_id"), ("customer_tags", "customer_id")]  # fmt: skip
    with Store.open(db, RAW_KEY.encode()) as store:
        return [
            sorted(store.conn.execute(f"SELECT * FROM {table} WHERE {col} IN ({marks})", ids))
            for table, col in tables
        ]


@pytest.fixture
def arena(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with fast_db(tmp_path, monkeypatch, FUZZ_BASE) as db:
        yield db


def fuzz(db: Path, examples: int, derandomize: bool) -> None:
    place_db(db, FUZZ_BASE)
    baseline = fingerprint(db)
    saved_ids = [1, 2, 3]
    saved = customer_rows(db, saved_ids)
    path, rejects = db.parent / "input.bin", db.parent / "rejects.out"

    @settings(
        max_examples=examples, deadline=None, derandomize=derandomize, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=inputs())
    def run_one(case: tuple[bytes, list[str]]) -> None:
        data, options = case
        options = [str(rejects) if part == "REJECTS" else part for part in options]
        place_db(db, FUZZ_BASE)
        path.write_bytes(data)
        started = time.monotonic()
        result = run_cli(["import", str(path), *options])
        took = time.monotonic() - started
        note = f"input={data[:300]!r} options={options}"
        assert took < 30, f"{note}: took {took:.1f} s"
        try:
            assert_clean(result, frozenset({0, 2}))
        except AssertionError as exc:
            raise AssertionError(f"{note}: {exc}") from None
        if result.code != 0 or "--dry-run" in options:
            assert fingerprint(db) == baseline, f"{note}: exit {result.code} yet changed data"
        elif "merge" not in options:
            assert customer_rows(db, saved_ids) == saved, f"{note}: saved customers changed"
        checked = run_cli(["check"])
        assert checked.code == 0, f"{note}: check afterwards: {checked.stderr}"

    run_one()


def test_fuzz_import(arena: Path) -> None:
    fuzz(arena, DEFAULT_EXAMPLES, derandomize=True)


@pytest.mark.slow
def test_fuzz_import_long(arena: Path) -> None:
    fuzz(arena, SLOW_EXAMPLES, derandomize=False)
