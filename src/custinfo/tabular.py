"""Flat (one row per customer) representation for CSV and tables.

Multi-valued fields (phones, emails, tags, notes) are joined into one cell with ";". A ";"
or "\\" inside a value is escaped with a backslash, so `split_values(join_values(x)) == x`
for any list of strings. Notes are written as "AT TEXT" (the timestamp, a space, the text).
"""

from __future__ import annotations

from typing import Any

from custinfo.models import CUSTOMER_FIELDS

SEPARATOR = ";"


def join_values(values: list[str]) -> str:
    return SEPARATOR.join(v.replace("\\", "\\\\").replace(SEPARATOR, "\\;") for v in values)


def split_values(cell: str) -> list[str]:
    """Inverse of `join_values`; an empty cell is an empty list."""
    if cell == "":
        return []
    values, current, chars = [], [], iter(cell)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == SEPARATOR:
            values.append("".join(current))
            current = []
        else:
            current.append(ch)
    values.append("".join(current))
    return values


def flat_row(record: dict[str, Any], columns: tuple[str, ...] = CUSTOMER_FIELDS) -> list[str]:
    """One CSV row (strings) from a customer dict as produced by `Customer.to_dict`."""
    row = []
    for name in columns:
        value = record.get(name)
        if name == "notes":
            value = join_values([f"{n['at']} {n['text']}" for n in value or []])
        elif isinstance(value, list):
            value = join_values([str(v) for v in value])
        row.append("" if value is None else str(value))
    return row
