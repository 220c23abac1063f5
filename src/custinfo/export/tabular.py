"""Flat (one row per customer) representation for CSV and tables.

Multi-valued fields (phones, emails, tags, notes) are joined into one cell with ";". A ";"
or "\\" inside a value is escaped with a backslash, so `split_values(join_values(x)) == x`
for any list of strings. A backslash followed by anything else is kept as it is, so cells
typed by people ("C:\\temp") survive `split_values` unchanged. Notes are written as
"AT TEXT" (the UTC timestamp, one space, the text).

Spreadsheet formula neutralisation (`--excel` exports only): a cell that starts with
= + - @ TAB or CR gets a leading "'" so a spreadsheet shows it as text instead of running it,
except cells that are only (lists of) numbers such as phones "+8613800138000" or
"+861062345678 ext. 23;+8613912345678", which no spreadsheet can run. A cell that already
starts with "'" followed by such a character gets one more "'", so `unneutralize` can undo
the rule exactly.
"""

from __future__ import annotations

import re
from typing import Any

from custinfo.models import CUSTOMER_FIELDS

SEPARATOR = ";"
FORMULA_START = frozenset("=+-@\t\r")
_NUMBERS_ONLY = re.compile(r"[+-]?\d+(?: ext\. \d+)?(?:;[+-]?\d+(?: ext\. \d+)?)*")
_NOTE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z) (.*)", re.S)


def join_values(values: list[str]) -> str:
    return SEPARATOR.join(v.replace("\\", "\\\\").replace(SEPARATOR, "\\;") for v in values)


def split_values(cell: str) -> list[str]:
    """Inverse of `join_values`; an empty cell is an empty list."""
    if cell == "":
        return []
    if "\\" not in cell:
        return cell.split(SEPARATOR)
    values: list[str] = []
    current: list[str] = []
    i, n = 0, len(cell)
    while i < n:
        ch = cell[i]
        if ch == "\\" and i + 1 < n and cell[i + 1] in "\\;":
            current.append(cell[i + 1])
            i += 2
            continue
        if ch == SEPARATOR:
            values.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    values.append("".join(current))
    return values


def note_value(at: str, text: str) -> str:
    return f"{at} {text}"


def parse_notes(cell: str) -> list[tuple[str | None, str]] | None:
    """Notes in custinfo's "AT TEXT;AT TEXT" form as (at, text) pairs, else None."""
    if not _NOTE.match(cell):
        return None
    notes = []
    for value in split_values(cell):
        match = _NOTE.fullmatch(value)
        if match is None:
            return None
        notes.append((match.group(1), match.group(2)))
    return notes


def flat_row(record: dict[str, Any], columns: tuple[str, ...] = CUSTOMER_FIELDS) -> list[str]:
    """One CSV row (strings) from a customer dict as produced by `Customer.to_dict`."""
    row = []
    for name in columns:
        value = record.get(name)
        if name == "notes":
            value = join_values([note_value(n["at"], n["text"]) for n in value or []])
        elif isinstance(value, list):
            value = join_values([str(v) for v in value])
        row.append("" if value is None else str(value))
    return row


def neutralize(cell: str) -> str:
    """The `--excel` form of a cell (see the module docstring for the rule)."""
    if not cell:
        return cell
    first = cell[0]
    if first == "'":
        rest = cell.lstrip("'")
        return "'" + cell if rest and rest[0] in FORMULA_START else cell
    if first in FORMULA_START and not _NUMBERS_ONLY.fullmatch(cell):
        return "'" + cell
    return cell


def unneutralize(cell: str) -> str:
    """Undo `neutralize` (import of an `--excel` export)."""
    if cell.startswith("'"):
        rest = cell[1:].lstrip("'")
        if rest and rest[0] in FORMULA_START:
            return cell[1:]
    return cell
