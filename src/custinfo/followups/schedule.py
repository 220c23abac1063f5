"""When follow-ups are due: WHEN and EVERY as people type them, and the repeat rule.

Built on `custinfo.times` (local time zone, `TZ` honoured; stored times are UTC text).

WHEN (`followup add --due`, `snooze`, `note --follow-up`, `--due-before`):
- `YYYY-MM-DD`: a local calendar date. It is stored as that date, not as an instant, so a
  change of time zone never moves it (a call due on 3 December stays on 3 December);
- `YYYY-MM-DDTHH:MM` (or a space instead of `T`): local wall time, stored as the UTC
  instant it is (a time-zone change shows it at another local hour, as a calendar does);
- `today`, `tomorrow` (also 今天, 明天, 后天);
- `+3d`, `+2w`, `+1m`, `+1y`: forward from today in local calendar days, weeks, months,
  years.

EVERY (`--repeat`, `keep-in-touch --every`): `7d`, `2w`, `1m`, `3m`, `1y` (any count >= 1).

Months are calendar months: one month after 31 January is the last day of February
(28 or 29), one month after 30 April is 30 May. A repeating follow-up's next occurrence is
counted from the local day it was done, keeping the time of day of a timed one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from custinfo import times
from custinfo.errors import ValidationError
from custinfo.text import normalize_text

WHEN_FORMS = "YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, tomorrow, or +3d, +2w, +1m"
EVERY_FORMS = "a count and a unit: 7d, 2w, 1m, 3m or 1y"
WITHIN_FORMS = "a duration forward from today: 14d, 2w, 1m"
_FORWARD = re.compile(r"\+\s*(\d{1,4})\s*([dwmy])", re.IGNORECASE)
_EVERY = re.compile(r"(\d{1,4})\s*([dwmy])", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?")
_WORDS = {"today": 0, "tomorrow": 1, "今天": 0, "明天": 1, "后天": 2}


@dataclass(frozen=True, slots=True)
class Due:
    """When a follow-up is due: a local calendar `day`, and for a timed one the instant
    `at` (stored UTC text; `day` is then its local date when it was typed)."""

    day: date
    at: str | None = None

    def local_day(self) -> date:
        """The local date it is due on now (in the current time zone)."""
        if self.at is None:
            return self.day
        moment = times.from_stored(self.at)
        return moment.astimezone().date() if moment else self.day

    def text(self) -> str:
        """`2026-12-03`, or `2026-12-03 10:00` (local) for a timed one."""
        return self.day.isoformat() if self.at is None else times.local_text(self.at)

    def iso(self) -> str:
        """`2026-12-03`, or local ISO 8601 with the offset: `2026-12-03T10:00:00+08:00`."""
        if self.at is None:
            return self.day.isoformat()
        moment = times.from_stored(self.at)
        return moment.astimezone().isoformat(timespec="seconds") if moment else self.at

    def is_past(self, now: datetime | None = None) -> bool:
        """Overdue: a dated one once its day has passed, a timed one once its time has."""
        now = now or datetime.now().astimezone()
        if self.at is None:
            return self.day < now.date()
        return self.at < times.to_stored(now)

    @classmethod
    def stored(cls, due_date: str, due_at: str | None) -> Due:
        return cls(date.fromisoformat(due_date), due_at)


def parse_when(value: str, option: str, *, today: date | None = None) -> Due:
    """WHEN (see the module docstring) as a `Due`; ValidationError (exit 2) naming the value
    and the reason."""
    text = normalize_text(value or "", fold_symbols=True).strip()
    day0 = today or times.today()
    try:
        word = _WORDS.get(text.lower())
        if word is not None:
            return Due(day0 + timedelta(days=word))
        match = _FORWARD.fullmatch(text)
        if match:
            return Due(times.shift(day0, int(match[1]), match[2]))
        match = _DATE.fullmatch(text)
        if match:
            return Due(date(int(match[1]), int(match[2]), int(match[3])))
        match = _DATETIME.fullmatch(text)
        if match:
            return _timed(*(int(g or 0) for g in match.groups()))
    except (ValueError, OverflowError):
        raise ValidationError(f"{option} {value!r}: not a real date or time", option) from None
    hint = " (durations count forward with +, e.g. +3d)" if _EVERY.fullmatch(text) else ""
    raise ValidationError(f"{option} {value!r}: expected {WHEN_FORMS}{hint}", option)


def _timed(y: int, mo: int, d: int, h: int, mi: int, s: int) -> Due:
    datetime(y, mo, d, h, mi, s)  # ValueError for a day or time that does not exist
    stored = times.moment(f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}", "WHEN")
    return Due(date(y, mo, d), stored)


def parse_every(value: str, option: str = "--every") -> str:
    """EVERY in its stored form (`30d`, `2w`, `1m`, `1y`); exit 2 if it is not one."""
    text = normalize_text(value or "", fold_symbols=True).strip()
    match = _EVERY.fullmatch(text)
    if match is None or int(match[1]) < 1:
        raise ValidationError(f"{option} {value!r}: expected {EVERY_FORMS}", option)
    return f"{int(match[1])}{match[2].lower()}"


def after(day: date, every: str) -> date:
    """`day` plus the interval EVERY (stored form), months ending as documented above."""
    return stepper(every)(day)


def stepper(every: str) -> Callable[[date], date]:
    """`after(·, every)` with EVERY read once (for many days)."""
    match = _EVERY.fullmatch(every)
    if match is None:
        raise ValueError(f"not an interval: {every!r}")
    amount, unit = int(match[1]), match[2].lower()
    if unit in "dw":
        step = timedelta(days=amount * (7 if unit == "w" else 1))
        return lambda day: day + step
    return lambda day: times.shift(day, amount, unit)


def next_due(due: Due, every: str, done_on: date) -> Due:
    """The next occurrence of a repeating follow-up done on the local day `done_on`:
    EVERY after that day, at the same local time of day for a timed one."""
    day = after(done_on, every)
    if due.at is None:
        return Due(day)
    moment = times.from_stored(due.at)
    wall = moment.astimezone() if moment else datetime(2000, 1, 1)
    return _timed(day.year, day.month, day.day, wall.hour, wall.minute, 0)


def latest_base(horizon: date, every: str) -> date:
    """The latest local day whose EVERY-after falls on or before `horizon`: a customer
    last contacted on that day or earlier is due by `horizon` (`after` never decreases, so
    this one day bounds them all)."""
    match = _EVERY.fullmatch(every)
    assert match is not None
    day = times.shift(horizon, -int(match[1]), match[2])
    while after(day, every) > horizon:  # a month end clamped forward
        day -= timedelta(days=1)
    while after(day + timedelta(days=1), every) <= horizon:  # several days map to one
        day += timedelta(days=1)
    return day


def within(value: str, option: str, *, today: date | None = None) -> date:
    """The last local day of DURATION (`14d`, `2w`, `1m`) forward from today (`--birthdays`,
    `--birthday-within`)."""
    duration = times.parse_duration(value or "")
    if duration is None:
        raise ValidationError(f"{option} {value!r}: expected {WITHIN_FORMS}", option)
    try:
        return times.shift(today or times.today(), duration[0], duration[1])
    except (ValueError, OverflowError):
        raise ValidationError(f"{option} {value!r}: too far ahead", option) from None


def before_clause(limit: Due, alias: str = "f") -> tuple[str, list[Any]]:
    """SQL (on `alias`) for "due before `limit`", exact in the current time zone and served
    by the due-date index: a dated follow-up compares days, a timed one instants (its
    stored `due_date` is within two days of its local date anywhere)."""
    if limit.at is None:
        day, instant = limit.day, times.local_start(limit.day)
    else:
        day = limit.local_day() + timedelta(days=1)
        instant = limit.at
    slack = (day + timedelta(days=2)).isoformat()
    clause = (
        f"{alias}.due_date < ? AND CASE WHEN {alias}.due_at IS NULL THEN {alias}.due_date < ? "
        f"ELSE {alias}.due_at < ? END"
    )
    return clause, [slack, day.isoformat(), instant]
