"""Shared parameter types: customer ids, counts and limits, parsed once for every command.

SQLite integers are signed 64-bit, so a customer id or a limit is a whole number from 1 to
2**63 - 1. Anything else (a sign, a decimal point, an exponent, full-width digits, a number
past that range) is a usage error (exit 2) that names the value, never an OverflowError
deep in the database layer, and never a float ("1e+20").

    def show(customer_id: options.CustomerIdArgument): ...
    def purge(ids: options.CustomerIdsArgument = None): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from custinfo.i18n import _

MAX_ID = 2**63 - 1  # SQLite's largest INTEGER
_SHOWN = 40  # characters of a bad value quoted in a message


def _quoted(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def parse_whole(value: object, what: str, low: int, high: int, hint: str = "") -> int:
    """`value` (text or int) as a whole number in [low, high], else ValueError naming it."""
    if isinstance(value, bool):
        raise ValueError(_("{value!r} is not {what}").format(value=value, what=what))
    if isinstance(value, int):
        number, text = value, str(value)
    else:
        text = str(value)
        stripped = text.strip()
        if not (stripped.isascii() and stripped.isdigit()):
            raise ValueError(
                _("{value} is not {what} (a whole number from {low} to {high})").format(
                    value=_quoted(text), what=what, low=low, high=high
                )
            )
        digits = stripped.lstrip("0") or "0"
        number = int(digits) if len(digits) <= 30 else high + 1  # no huge int conversions
    if number < low or number > high:
        raise ValueError(
            _("{value} is out of range for {what} ({low} to {high})").format(
                value=_quoted(text), what=what, low=low, high=high
            )
            + hint
        )
    return number


def parse_customer_id(value: object) -> int:
    """A customer id (1 to 2**63 - 1); ValueError naming the value otherwise."""
    return parse_whole(value, _("a customer id"), 1, MAX_ID)


def _param(parse: Callable[[object], int]) -> Callable[[str], int]:
    def convert(value: str) -> int:
        try:
            return parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return convert


customer_id = _param(parse_customer_id)
limit = _param(lambda value: parse_whole(value, _("a limit"), 1, MAX_ID))


def count(low: int, high: int, hint: str = "") -> Callable[[str], int]:
    """A parser for a count option in [low, high] (`hint` is appended when too large)."""
    return _param(
        lambda value: parse_whole(value, _("a count"), low, high, _(hint) if hint else "")
    )


CustomerIdArgument = Annotated[
    int, typer.Argument(metavar="ID", help="Customer id.", parser=customer_id)
]
CustomerIdsArgument = Annotated[
    list[int] | None,
    typer.Argument(metavar="ID", help="Customer ids.", parser=customer_id, show_default=False),
]
#: Ids of other records (notes, orders): the same range as customer ids.
record_id = _param(lambda value: parse_whole(value, "an id", 1, MAX_ID))
