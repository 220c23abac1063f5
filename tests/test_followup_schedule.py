"""WHEN and EVERY for follow-ups, the repeat and month-end rules (hypothesis), and what a
change of time zone does (a date stays, an instant shows at another local hour)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo.errors import ValidationError
from custinfo.followups.schedule import (
    Due,
    after,
    latest_base,
    next_due,
    parse_every,
    parse_when,
)
from tests.budget import examples

DAY = date(2026, 12, 1)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
everys = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 40), st.sampled_from("dwmy"))


@pytest.fixture
def zone() -> Iterator[object]:
    """Set TZ for the test (time.tzset), restored afterwards."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("today", DAY),
        ("Tomorrow", DAY + timedelta(days=1)),
        ("明天", DAY + timedelta(days=1)),
        ("+3d", date(2026, 12, 4)),
        ("+2w", date(2026, 12, 15)),
        ("+1m", date(2027, 1, 1)),
        ("＋1y", date(2027, 12, 1)),  # a full-width plus from a Chinese keyboard
    ],
)
def test_when_forms(text: str, expected: date) -> None:
    due = parse_when(text, "--due", today=DAY)
    assert due == Due(expected)


def test_a_month_after_the_31st_is_the_last_day_of_the_shorter_month() -> None:
    assert parse_when("+1m", "--due", today=date(2027, 1, 31)).day == date(2027, 2, 28)
    assert parse_when("+1m", "--due", today=date(2028, 1, 31)).day == date(2028, 2, 29)
    assert after(date(2026, 3, 31), "1m") == date(2026, 4, 30)
    assert after(date(2028, 2, 29), "1y") == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3d", "count forward with +"),
        ("2026-02-30", "not a real date"),
        ("2026-12-03T24:00", "not a real date or time"),
        ("next week", "expected YYYY-MM-DD"),
        ("", "expected YYYY-MM-DD"),
    ],
)
def test_bad_when_names_the_value_and_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when(text, "--due", today=DAY)
    assert f"--due {text!r}" in str(caught.value) and reason in str(caught.value)
    assert caught.value.exit_code == 2


def test_every_forms() -> None:
    assert [parse_every(v) for v in ("7d", "2W", "1m", "3m", "1y", " 30d ")] == [
        "7d", "2w", "1m", "3m", "1y", "30d"
    ]  # fmt: skip
    for bad in ("0d", "d", "1x", "+1m", "-2w"):
        with pytest.raises(ValidationError, match="expected a count and a unit"):
            parse_every(bad)


@settings(max_examples=examples(125), deadline=None)
@given(day=days, every=everys)
def test_repeat_rules(day: date, every: str) -> None:
    """The next occurrence lies after the day it was done; days and weeks are exact;
    months and years land on the same day of the month or, when that month is shorter,
    on its last day; a later day never gives an earlier occurrence."""
    n, unit = int(every[:-1]), every[-1]
    nxt = after(day, every)
    assert nxt > day
    if unit in "dw":
        assert (nxt - day).days == n * (7 if unit == "w" else 1)
    else:
        months = n * (12 if unit == "y" else 1)
        assert (nxt.year * 12 + nxt.month) - (day.year * 12 + day.month) == months
        following = date(nxt.year + nxt.month // 12, nxt.month % 12 + 1, 1)
        assert nxt.day == min(day.day, (following - timedelta(days=1)).day)
    assert after(day + timedelta(days=1), every) >= nxt
    due = next_due(Due(date(2020, 1, 1)), every, day)
    assert due == Due(nxt)


@settings(max_examples=examples(125), deadline=None)
@given(horizon=days, n=st.integers(1, 3), unit=st.sampled_from("dwmy"))
def test_latest_base_is_the_last_day_that_is_due(horizon: date, n: int, unit: str) -> None:
    every = f"{n}{unit}"
    base = latest_base(horizon, every)
    assert after(base, every) <= horizon < after(base + timedelta(days=1), every)


def test_a_date_stays_put_across_a_time_zone_change_and_a_time_moves(zone) -> None:  # type: ignore[no-untyped-def]
    zone("Asia/Shanghai")
    dated = parse_when("2026-12-03", "--due")
    timed = parse_when("2026-12-03T09:30", "--due")
    assert timed.at == "2026-12-03T01:30:00.000000Z"
    assert (dated.local_day(), timed.local_day()) == (date(2026, 12, 3), date(2026, 12, 3))
    zone("America/New_York")
    assert dated.local_day() == date(2026, 12, 3) and dated.iso() == "2026-12-03"
    assert timed.local_day() == date(2026, 12, 2)
    assert timed.iso() == "2026-12-02T20:30:00-05:00" and timed.text() == "2026-12-02 20:30"
    # A repeating timed follow-up keeps the local time of day where it is done.
    assert next_due(timed, "1m", date(2027, 1, 31)).iso() == "2027-02-28T20:30:00-05:00"
