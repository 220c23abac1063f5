"""Dates, times and durations as people type them, in the local time zone (TZ honoured).

Stored times are UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (sortable, unambiguous: see
`store.db.utc_now`). What people type is local: a date alone is that local day (its
start, local midnight); a date and time without an offset is local wall time; one with `Z`
or `+08:00` is taken as written. Durations count back from today in local days:
`90d`, `2w`, `6m` and `1y` (calendar months and years; the 31st minus a month is the last
day of the shorter month).

- `since(WHEN)`: the inclusive lower bound for filters (`--ordered-since 90d`,
  `--added-since 2026-01-01`): the start of that local day, as stored text;
- `until(WHEN)`: the exclusive upper bound of "on or before that day";
- `moment(DATE|DATETIME)`: one point in time (`order add --at`, imported order times);
- `local_text(stored)`: stored UTC text shown in local time.

Follow-ups and reports reuse these (`shift` also counts forward).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from custinfo.errors import ValidationError
from custinfo.text import normalize_text

WHEN_HELP = "YYYY-MM-DD or a duration back from today: 90d, 2w, 6m, 1y"
_DURATION = re.compile(r"(\d{1,5})\s*([dwmy])", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PLAIN_MOMENT = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?(Z)?"
)
_MOMENT = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:(?:T|\s+)(\d{1,2})[:时](\d{2})(?:[:分](\d{2})(?:\.(\d{1,6}))?)?秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


def to_stored(moment: datetime) -> str:
    """An aware datetime as stored text (UTC, microseconds, Z)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_stored(text: str) -> datetime | None:
    """Stored text as an aware UTC datetime (None if it is not in the stored form)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def today() -> date:
    """Today in the local time zone."""
    return datetime.now().astimezone().date()


def local_start(day: date) -> str:
    """The start of a local day (local midnight) as stored text."""
    return _local(day.year, day.month, day.day, 0, 0, 0, 0)


def shift(day: date, amount: int, unit: str) -> date:
    """`day` moved by `amount` (negative: back) days, weeks, months or years; a month end
    that does not exist in the target month becomes its last day."""
    unit = unit.lower()
    if unit == "d":
        return day + timedelta(days=amount)
    if unit == "w":
        return day + timedelta(weeks=amount)
    months = amount * 12 if unit == "y" else amount
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    month += 1
    return date(year, month, min(day.day, _month_days(year, month)))


def _month_days(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def parse_duration(text: str) -> tuple[int, str] | None:
    """(amount, unit) of a duration such as `90d`, `2w`, `6m`, `1y`; None if it is not one."""
    match = _DURATION.fullmatch(normalize_text(text or "", fold_symbols=True))
    return (int(match[1]), match[2].lower()) if match else None


def parse_day(value: str, option: str, *, now: date | None = None) -> date:
    """WHEN as a local date: `YYYY-MM-DD`, or a duration back from today."""
    text = normalize_text(value or "", fold_symbols=True)
    duration = parse_duration(text)
    try:
        if duration is not None:
            return shift(now or today(), -duration[0], duration[1])
        match = _DATE.fullmatch(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except (ValueError, OverflowError):
        pass
    raise ValidationError(f"{option} {value!r}: expected a date as {WHEN_HELP}")


def since(value: str, option: str, *, now: date | None = None) -> str:
    """The inclusive lower bound for WHEN: the start of that local day (stored text)."""
    return local_start(parse_day(value, option, now=now))


def until(value: str, option: str, *, now: date | None = None) -> str:
    """The exclusive upper bound for "on or before WHEN": the start of the next local day."""
    day = parse_day(value, option, now=now)
    return local_start(day + timedelta(days=1)) if day < date.max else "9999-12-31T24"


def moment(value: str, what: str) -> str:
    """A point in time as stored text: a date alone is the start of that local day; a
    date and time is local unless it carries `Z` or an offset. Also reads what shop
    exports write: `2026/11/11 10:23:45`, `2026.1.5`, `2026年11月11日 10:23`."""
    match = _PLAIN_MOMENT.fullmatch(value) if value else None  # the usual forms, fast
    if match is None:
        match = _MOMENT.fullmatch(normalize_text(value or "", fold_symbols=True))
    if match is None:
        raise ValidationError(
            f"{what} {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", what
        )
    y, mo, d, h, mi, s, frac, zone = match.groups()
    parts = (int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    micro = int((frac or "0").ljust(6, "0"))
    try:
        if zone is None:
            return _local(*parts, micro)
        if zone == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        from datetime import timezone

        return to_stored(datetime(*parts, micro, tzinfo=timezone(offset)))
    except (ValueError, OverflowError):
        raise ValidationError(f"{what} {value!r}: not a real date or time", what) from None


def not_after(stored: str, limit: timedelta, what: str, value: str) -> str:
    """`stored` unless it lies more than `limit` in the future (a typo such as 2062)."""
    horizon = to_stored(datetime.now(UTC) + limit)
    if stored > horizon:
        raise ValidationError(f"{what} {value!r} is in the future", what)
    return stored


def local_text(stored: str | None, *, with_time: bool = True) -> str:
    """Stored UTC text in local time: `2026-11-11 14:03` (or the date alone)."""
    if not stored:
        return ""
    moment_ = from_stored(stored)
    if moment_ is None:
        return stored
    local = moment_.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _local(y: int, mo: int, d: int, h: int, mi: int, s: int, micro: int) -> str:
    """Local wall time as stored text. The UTC offset is cached per local day; on a day
    whose offset does not change (every day but the daylight-saving ones) the UTC time is
    plain arithmetic on the time of day."""
    if h > 23 or mi > 59 or s > 59:
        raise ValueError("no such time")
    global _zone
    zone = (time.tzname, time.timezone)
    if zone != _zone:  # TZ changed (time.tzset): the cached days are another zone's
        _days.clear()
        _zone = zone
    info = _days.get((y, mo, d))
    if info is None:
        if len(_days) > 100_000:
            _days.clear()
        info = _days[(y, mo, d)] = _day(y, mo, d)
    offset, before, day, after = info
    if offset is None:  # the offset changes that day
        utc = datetime(y, mo, d, h, mi, s, micro) - _offset(y, mo, d, h)
        return utc.isoformat(timespec="microseconds") + "Z"
    seconds = h * 3600 + mi * 60 + s - offset
    if seconds < 0:
        seconds, day = seconds + 86400, before
    elif seconds >= 86400:
        seconds, day = seconds - 86400, after
    hours, rest = divmod(seconds, 3600)
    return f"{day}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{micro:06d}Z"


_days: dict[tuple[int, int, int], tuple[int | None, str, str, str]] = {}
_zone: object = None


def _day(y: int, mo: int, d: int) -> tuple[int | None, str, str, str]:
    """(UTC offset in seconds of the whole local day, or None when it changes during the
    day; the day before, the day and the day after as YYYY-MM-DD). A date that does not
    exist raises ValueError."""
    day = date(y, mo, d)
    first = _offset(y, mo, d, 0)
    offset = int(first.total_seconds()) if _offset(y, mo, d, 23) == first else None
    names = [(day + timedelta(days=k)).isoformat() if date.min < day < date.max or k == 0
             else "" for k in (-1, 0, 1)]  # fmt: skip
    return offset, names[0], names[1], names[2]


def _offset(y: int, mo: int, d: int, h: int) -> timedelta:
    """The local UTC offset at that local hour."""
    return datetime(y, mo, d, h).astimezone().utcoffset() or timedelta(0)
