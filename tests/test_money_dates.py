"""Amounts (integer minor units parsed as decimals) and dates/durations (local, TZ honoured)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo import money, times
from custinfo.errors import ValidationError
from tests.budget import examples

CODES = sorted(money.CURRENCIES)
minor_units = st.integers(min_value=-(10**10) + 1, max_value=10**10 - 1)


@settings(max_examples=examples(100))
@given(st.sampled_from(CODES), minor_units)
def test_amount_text_round_trips(currency: str, minor: int) -> None:
    places = money.digits(currency)
    text = money.to_text(minor, currency)
    assert money.parse_amount(text, currency) == minor
    assert Decimal(text) == Decimal(minor).scaleb(-places)  # the decimal value, exactly
    assert money.parse_amount(money.display(minor, currency), currency) == minor


@settings(max_examples=examples(100))
@given(st.sampled_from(CODES), st.decimals(allow_nan=False, allow_infinity=False,
                                          min_value=-(10**9), max_value=10**9))  # fmt: skip
def test_any_decimal_is_exact_or_refused(currency: str, value: Decimal) -> None:
    """No rounding ever: an amount with more digits than the currency has is refused."""
    places = money.digits(currency)
    text = f"{value:f}"
    try:
        minor = money.parse_amount(text, currency)
    except ValidationError as exc:
        assert "decimal places" in str(exc)
        assert value.scaleb(places) != value.scaleb(places).to_integral_value()
    else:
        assert Decimal(minor) == value.scaleb(places)


@settings(max_examples=examples(100))
@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(0, 999),
       st.sampled_from(["CNY", "USD", "EUR", "JPY", "KWD"]))  # fmt: skip
def test_fast_path_equals_the_decimal_path(whole: int, part: int, currency: str) -> None:
    for text in (str(whole), f"{whole}.{part:03d}", f"{whole}.{part % 100:02d}", f"-{part}.5"):
        results = []
        for parse in (money.parse_amount, money.parse_general):
            try:
                results.append(parse(text, currency))
            except ValidationError as exc:
                results.append(str(exc))
        assert results[0] == results[1], text


def test_what_shop_exports_write() -> None:
    assert money.parse_amount("¥1,299.00", "CNY") == 129900
    assert money.parse_amount("￥598", "CNY") == 59800
    assert money.parse_amount("1299元", "CNY") == 129900
    assert money.parse_amount("１２３.４", "CNY") == 12340  # full-width digits
    assert money.parse_amount("-¥10.00", "CNY") == -1000  # a refund
    assert money.parse_amount("US$12.50", "USD") == 1250
    assert money.parse_amount("1500", "JPY") == 1500
    assert money.parse_amount("1.230", "CNY") == 123  # trailing zeros are fine


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("1.234", "CNY", "at most 2 decimal places"),
        ("1.5", "JPY", "no decimal places"),
        ("$12", "CNY", "is not a sign of CNY"),
        ("abc", "CNY", "not a number"),
        ("1e3", "CNY", "not a number"),
        ("NaN", "CNY", "not a number"),
        ("", "CNY", "empty"),
        ("1,2", "CNY", "not a number"),
        ("99999999999", "CNY", "too large"),
    ],
)
def test_bad_amounts_name_the_value_and_the_reason(text: str, currency: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        money.parse_amount(text, currency, what="--amount")
    assert reason in str(info.value)
    assert str(info.value).startswith("--amount")


def test_currencies() -> None:
    assert money.check_currency(" usd ") == "USD"
    with pytest.raises(ValidationError, match="unknown currency 'XYZ'"):
        money.check_currency("XYZ")
    assert money.display(209300, "CNY") == "¥2,093.00"
    assert money.display(-1250, "USD") == "-US$12.50"
    assert money.display(1234567, "JPY") == "JP¥1,234,567"
    assert money.display_totals({"USD": 1200, "CNY": 209300}, "CNY") == "¥2,093.00 + US$12.00"
    assert money.to_text(-5, "CNY") == "-0.05"


def test_sql_text_equals_to_text(store) -> None:
    for currency in ("CNY", "JPY", "KWD"):
        sql = f"SELECT {money.sql_text('x', currency)} FROM (SELECT ? AS x)"
        for minor in (0, 5, -5, 100, -100, 123456789, -99999, 1, -1000):
            assert store.conn.execute(sql, (minor,)).fetchone()[0] == money.to_text(minor, currency)


# -- dates ----------------------------------------------------------------------------------
@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_date_alone_is_that_local_day(shanghai) -> None:  # type: ignore[no-untyped-def]
    assert times.moment("2026-11-11", "--at") == "2026-11-10T16:00:00.000000Z"
    assert times.moment("2026-11-11T10:23", "--at") == "2026-11-11T02:23:00.000000Z"
    assert times.moment("2026-11-11T10:23:00Z", "--at") == "2026-11-11T10:23:00.000000Z"
    assert times.moment("2026-11-11 10:23+01:00", "--at") == "2026-11-11T09:23:00.000000Z"
    assert times.moment("2026/11/11 10:23:45", "下单时间") == "2026-11-11T02:23:45.000000Z"
    assert times.moment("2026年11月11日 10:23", "x") == "2026-11-11T02:23:00.000000Z"
    assert times.moment("2026.1.5", "x") == "2026-01-04T16:00:00.000000Z"
    assert times.since("2026-11-11", "--since") == "2026-11-10T16:00:00.000000Z"
    assert times.until("2026-11-11", "--until") == "2026-11-11T16:00:00.000000Z"
    assert times.local_text("2026-11-10T16:00:00.000000Z") == "2026-11-11 00:00"


def test_time_zone_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    got = {}
    for zone in ("UTC", "America/New_York", "Asia/Shanghai"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        got[zone] = times.moment("2026-07-01T12:00", "--at")
    monkeypatch.undo()
    time.tzset()
    assert got == {"UTC": "2026-07-01T12:00:00.000000Z",
                   "America/New_York": "2026-07-01T16:00:00.000000Z",
                   "Asia/Shanghai": "2026-07-01T04:00:00.000000Z"}  # fmt: skip


@pytest.mark.parametrize(
    "value", ["2026-02-30", "x", "2026-13-01", "11/11/2026", "2026-11-11T25:00"]
)
def test_bad_moments(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        times.moment(value, "--at")
    assert str(info.value).startswith(f"--at {value!r}")


@pytest.mark.parametrize("value", ["yesterday", "2026-1-1", "90", "d90", "-3d", "2026-02-30"])
def test_bad_whens(value: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD or a duration"):
        times.since(value, "--ordered-since")


def test_durations_count_back_in_local_days() -> None:
    today = date(2026, 3, 31)
    assert times.parse_day("90d", "x", now=today) == date(2025, 12, 31)
    assert times.parse_day("2w", "x", now=today) == date(2026, 3, 17)
    assert times.parse_day("1m", "x", now=today) == date(2026, 2, 28)  # month end clamps
    assert times.parse_day("6m", "x", now=date(2026, 8, 31)) == date(2026, 2, 28)
    assert times.parse_day("1y", "x", now=date(2028, 2, 29)) == date(2027, 2, 28)
    assert times.parse_day("0d", "x", now=today) == today


@settings(max_examples=examples(100))
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
       st.integers(0, 600), st.sampled_from("dwmy"))  # fmt: skip
def test_shift_back(day: date, amount: int, unit: str) -> None:
    import calendar

    back = times.shift(day, -amount, unit)
    assert back <= day
    if unit in "dw":
        assert (day - back).days == amount * (7 if unit == "w" else 1)
        return
    months = amount * (12 if unit == "y" else 1)
    assert (day.year * 12 + day.month) - (back.year * 12 + back.month) == months
    assert back.day == min(day.day, calendar.monthrange(back.year, back.month)[1])


@settings(max_examples=examples(100))
@given(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2100, 1, 1)),
       st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"]))  # fmt: skip
def test_moment_agrees_with_the_standard_library(moment: datetime, zone: str) -> None:
    import os

    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        moment = moment.replace(microsecond=0)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        expected = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert times.moment(text, "--at") == expected
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_future_times_are_refused() -> None:
    future = times.to_stored(datetime.now(UTC) + timedelta(days=3))
    with pytest.raises(ValidationError, match="in the future"):
        times.not_after(future, timedelta(days=1), "--at", "2062-01-01")
    soon = times.to_stored(datetime.now(UTC) + timedelta(hours=3))
    assert times.not_after(soon, timedelta(days=1), "--at", "x") == soon
