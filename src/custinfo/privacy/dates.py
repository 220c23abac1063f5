"""Times typed by the owner (`--at`, `--since`) and retention durations (`2y`, `18m`, `90d`).

Stored times are UTC ISO 8601 with microseconds and a Z (`store.db.utc_now`), so they sort
as text. A typed date or time without a zone is local time (the machine's zone); a date
alone is the start of that day. Durations count calendar months (`purge.cutoff`).

This is the stand-in for the shared date/duration module of issue 12: `parse_when`,
`shift` and `DURATION` are the only entry points, so switching is local.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from custinfo.errors import ValidationError

DURATION = re.compile(r"^\s*(\d+)\s*([ymd])\s*$", re.IGNORECASE)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def stamp(moment: datetime) -> str:
    """The stored form of an aware datetime."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def parse_stamp(text: str) -> datetime:
    """A stored time back as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def check_duration(value: str, option: str = "--retention") -> str:
    """A duration normalised to `<number><y|m|d>`; ValidationError (exit 2) otherwise."""
    match = DURATION.match(value or "")
    if not match or int(match[1]) == 0:
        raise ValidationError(
            f"{option} {value!r}: expected a duration such as 2y, 18m or 90d", option.lstrip("-")
        )
    return f"{int(match[1])}{match[2].lower()}"


def shift(at: str, duration: str, sign: int = 1) -> str:
    """`at` (a stored time) plus (sign=1) or minus (sign=-1) `duration`."""
    match = DURATION.match(duration)
    if not match:
        raise ValidationError(f"bad duration {duration!r}: use e.g. 2y, 18m, 90d")
    amount, unit = int(match[1]) * sign, match[2].lower()
    moment = parse_stamp(at)
    if unit == "d":
        try:
            return stamp(moment + timedelta(days=amount))
        except OverflowError:
            raise ValidationError(f"duration {duration!r} is too long") from None
    months = amount * 12 if unit == "y" else amount
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise ValidationError(f"duration {duration!r} is too long")
    last = (datetime(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return stamp(moment.replace(year=year, month=month + 1, day=min(moment.day, last)))


def now() -> str:
    return stamp(datetime.now(UTC))


def parse_when(value: str, option: str, *, future: bool = False) -> str:
    """A typed time as a stored time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (or with `T`),
    optionally with `Z` or `+08:00` (else local time); or a duration (`30d`, `18m`) meaning
    that long ago. A time in the future is refused unless `future`."""
    text = (value or "").strip()
    if DURATION.match(text):
        return shift(now(), check_duration(text, option), -1)
    try:
        if _DAY.match(text):
            moment = datetime.fromisoformat(text)
        else:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1).replace("z", "Z"))
    except ValueError:
        raise ValidationError(
            f"{option} {value!r}: expected a date or time such as 2024-05-01 or "
            "2024-05-01 14:30, or a duration such as 30d"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time
    result = stamp(moment)
    if not future and result > now():
        raise ValidationError(f"{option} {value!r} is in the future")
    return result
