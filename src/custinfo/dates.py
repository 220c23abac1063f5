"""Dates as contact files write them: birthdays with or without a year, and times.

Stored forms: a birthday is `YYYY-MM-DD`, or `--MM-DD` when the year is unknown (vCard 4.0
and Google Contacts write it so); times are ISO 8601 (`custinfo.importer.rows`).

Read forms (`birthday`):
- `YYYY-MM-DD`; year-less `--MM-DD`, `--MMDD`, `M月D日`;
- year first, which is never ambiguous: `YYYY/M/D`, `YYYY.M.D`, `YYYY-M-D`, `YYYY年M月D日`,
  `YYYYMMDD`;
- `M/D/YYYY` (Outlook, US) or `D/M/YYYY` (also with `.` or `-`): only with an `order` —
  the import resolves it per file (`resolve_order`) and reports it; typed input (`add`,
  `edit`) has no order and must use `YYYY-MM-DD`;
- Outlook's empty birthday `0/0/00`, and `0000-00-00`, mean no birthday.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable

from custinfo.i18n import N_, _

#: Day/month orders of a file's `N/N/YYYY` dates.
MDY = "M/D/YYYY"
DMY = "D/M/YYYY"

_YEARLESS = re.compile(r"--(\d\d)-?(\d\d)")
_YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)")
_CHINESE_YEARLESS = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_YEAR_LAST = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})")
_EMPTY = re.compile(r"0{1,2}[-/.]0{1,2}[-/.]0{2,4}|0000[-/.]00[-/.]00")
_TIME = re.compile(r"(\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?")
EXPECTED = N_("expected a date as YYYY-MM-DD (or --MM-DD without a year)")


class _OrderError(ValueError):
    """A date that cannot be in the file's day/month order."""


def is_yearless(value: str | None) -> bool:
    return bool(value) and value.startswith("--")  # type: ignore[union-attr]


def _month_day(month: int, day: int) -> str:
    _dt.date(2000, month, day)  # a leap year: 29 February is a birthday too
    return f"--{month:02d}-{day:02d}"


def _ymd(year: int, month: int, day: int) -> str:
    return _dt.date(year, month, day).isoformat()


def year_last_parts(text: str) -> tuple[int, int] | None:
    """The two leading numbers of an `N/N/YYYY` date (None for any other form)."""
    match = _YEAR_LAST.fullmatch(text.strip())
    return (int(match.group(1)), int(match.group(3))) if match else None


def birthday(text: str, order: str | None = None) -> str | None:
    """The stored form of a birthday as written in a file (see the module docstring);
    None for an empty one. Raises ValueError with the reason."""
    text = text.strip()
    if not text or _EMPTY.fullmatch(text):
        return None
    try:
        if match := _YEARLESS.fullmatch(text):
            return _month_day(int(match.group(1)), int(match.group(2)))
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return _dt.date.fromisoformat(text).isoformat()
        if match := (_YEAR_FIRST.fullmatch(text) or _COMPACT.fullmatch(text)):
            return _ymd(*map(int, match.groups()))
        if match := _CHINESE_YEARLESS.fullmatch(text):
            return _month_day(int(match.group(1)), int(match.group(2)))
        if order is not None and (match := _YEAR_LAST.fullmatch(text)):
            first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
            month, day = (first, second) if order == MDY else (second, first)
            if month > 12:
                raise _OrderError(_("not a date in this file's order {order}").format(order=order))
            return _ymd(year, month, day)
    except _OrderError:
        raise
    except ValueError:
        raise ValueError(_("not a real date")) from None
    raise ValueError(_(EXPECTED))


def moment(text: str, order: str | None = None) -> str:
    """A time as written in a file, in a form `datetime.fromisoformat` reads: ISO 8601
    unchanged; else a date in any `birthday` form with a year, optionally followed by a
    time `H:MM[:SS[.ffffff]]` (`2023/5/6 14:03`, `5/6/2023 2:03:00`)."""
    text = text.strip()
    try:
        _dt.datetime.fromisoformat(text)
        return text
    except ValueError:
        pass
    head, _, tail = text.partition(" ")
    when = _TIME.fullmatch(tail.strip()) if tail.strip() else None
    if tail.strip() and when is None:
        return text  # not a form this reads: the caller reports it
    try:
        day = birthday(head, order)
    except ValueError:
        return text
    if day is None or is_yearless(day):
        return text
    if when is None:
        return day
    hour, minute, second, fraction = when.groups()
    return f"{day}T{int(hour):02d}:{minute}:{second or '00'}" + (f".{fraction}" if fraction else "")


def resolve_order(values: Iterable[str]) -> tuple[str | None, str]:
    """The day/month order of a file's `N/N/YYYY` dates, and why: a first number above 12
    means day first, a second one above 12 month first. ("", reason) when the values
    contradict each other; (None, "") when no value is of that form."""
    day_first = month_first = None
    seen = 0
    for value in values:
        parts = year_last_parts(value)
        if parts is None:
            continue
        seen += 1
        if parts[0] > 12 and day_first is None:
            day_first = value
        if parts[1] > 12 and month_first is None:
            month_first = value
    if day_first and month_first:
        return "", _("both {a!r} (day first) and {b!r} (month first) occur").format(
            a=day_first, b=month_first
        )
    if day_first:
        return DMY, _("day first, as {value!r} shows").format(value=day_first)
    if month_first:
        return MDY, _("month first, as {value!r} shows").format(value=month_first)
    if seen:
        return None, _("ambiguous")
    return None, ""


def month_day(value: str | None) -> tuple[int, int] | None:
    """(month, day) of a stored birthday, with or without a year (for an agenda)."""
    if not value:
        return None
    text = value[2:] if value.startswith("--") else value[5:]
    month, _, day = text.partition("-")
    return (int(month), int(day)) if month.isdigit() and day.isdigit() else None


def compare_birthdays(a: str | None, b: str | None) -> int:
    """1 the same birthday, -1 different, 0 unknown: a year-less `--04-22` and
    `1985-04-22` are not different (the year is unknown), though not proof either."""
    if not a or not b:
        return 0
    if is_yearless(a) or is_yearless(b):
        return 0 if month_day(a) == month_day(b) else -1
    return 1 if a == b else -1
