"""Numbers for people: the one formatting function of every report view (terminal, HTML).

- money: `¥12,345.67`, `-US$12.50` (`custinfo.money.display`: exact, never a float);
- counts: `12,345`; under a Chinese interface from 10,000 on in 万 and from 10^8 in 亿 with
  one decimal (`1.2万`, `3.4亿`; a trailing `.0` is dropped: `12万`);
- shares: `12.3%`;
- anything else as text (None is empty).

CSV and JSON never use this: they keep exact numbers (money as decimal text in major units).
"""

from __future__ import annotations

from typing import Any


def human(value: Any, *, chinese: bool | None = None) -> str:
    """`value` for people (see the module docstring)."""
    from custinfo.reports import Money

    if value is None:
        return ""
    if isinstance(value, Money):
        from custinfo.money import display

        return display(value.minor, value.currency)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        if chinese is None:
            chinese = _chinese()
        return _chinese_count(value) if chinese and abs(value) >= 10_000 else f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def share(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage with one decimal (`–` when `whole` is 0)."""
    return f"{100 * part / whole:.1f}%" if whole else "–"


def ratio(part: int, whole: int) -> float | None:
    """`part / whole` rounded to 4 places (JSON), None when `whole` is 0."""
    return round(part / whole, 4) if whole else None


def _chinese_count(value: int) -> str:
    unit, size = ("亿", 10**8) if abs(value) >= 10**8 else ("万", 10**4)
    tenths = (abs(value) * 10 + size // 2) // size  # round half up, in integers
    text = f"{tenths // 10}" + (f".{tenths % 10}" if tenths % 10 else "")
    return ("-" if value < 0 else "") + text + unit


def _chinese() -> bool:
    try:
        from custinfo.i18n import language
    except ImportError:  # pragma: no cover - builds without the message catalogue
        return False
    return language() == "zh_CN"
