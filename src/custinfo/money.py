"""Money as integer minor units: currencies, parsing amounts as decimals, formatting.

An amount is stored as an integer number of the currency's minor units (fen for CNY,
cents for USD, yen for JPY: the ISO 4217 minor digits of `CURRENCIES`). Text is parsed with
`Decimal`, never a float: "299.00" CNY is 29900, "-12.5" USD is -1250 (a refund). An amount
may carry at most the currency's minor digits (trailing zeros aside: "1.230" CNY is fine,
"1.234" is not). Totals are kept per currency and never mixed.
"""

from __future__ import annotations

import re

from custinfo.currency import CURRENCIES as _CURRENCIES
from custinfo.errors import ValidationError
from custinfo.text import normalize_text

#: ISO 4217 code -> minor digits, every code in circulation (`custinfo.currency`); other
#: codes are refused (exit 2).
CURRENCIES: dict[str, int] = _CURRENCIES
#: Display prefixes of the common currencies of a shop in China with international
#: customers; any other currency is shown with its code ("KES 1,200.00").
PREFIXES: dict[str, str] = {
    "CNY": "¥", "HKD": "HK$", "MOP": "MOP$", "TWD": "NT$", "USD": "US$", "EUR": "€",
    "GBP": "£", "JPY": "JP¥", "KRW": "₩", "SGD": "S$", "MYR": "RM", "THB": "฿", "VND": "₫",
    "IDR": "Rp", "PHP": "₱", "INR": "₹", "AUD": "A$", "NZD": "NZ$", "CAD": "C$", "RUB": "₽",
    "BRL": "R$", "MXN": "MX$",
}  # fmt: skip
DEFAULT_CURRENCY = "CNY"
#: Largest absolute amount in major units: 5M orders of it still sum within 64 bits.
MAX_MAJOR = 10**10

#: Signs an amount may carry besides the currency's code and display prefix.
_SIGNS = {"CNY": ("¥", "￥", "RMB", "元", "圆", "块"), "JPY": ("¥", "￥", "円"),
          "USD": ("$",), "HKD": ("$",), "TWD": ("$", "元"), "MOP": ("$",)}  # fmt: skip
_AFFIX = re.compile(r"^([^\d+.-]*)([+-]?)([^\d+.-]*)(.*?)([^\d.]*)$")
_PLAIN = re.compile(r"(-?)(\d{1,10})(?:\.(\d{1,3}))?")  # "299.00", "-5": no Decimal needed
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def check_currency(code: str) -> str:
    """The upper-cased ISO 4217 code (full-width letters too), or ValidationError (exit 2)
    naming the value (`custinfo.currency.check_currency`)."""
    from custinfo.currency import check_currency as check

    value = normalize_text(code or "", fold_symbols=True).upper()
    return value if value in CURRENCIES else check(code or "")


def digits(currency: str) -> int:
    return CURRENCIES[currency]


def prefix(currency: str) -> str:
    return PREFIXES.get(currency, currency + " ")


def parse_amount(text: str, currency: str, *, what: str = "amount") -> int:
    """`text` as integer minor units of `currency` (see the module docstring).

    Accepts what people and shop exports write: "299", "299.00", "-10.5", "¥1,299.00",
    "1299元", full-width digits; refuses anything else with the value and the reason."""
    places = digits(currency)
    plain = _PLAIN.fullmatch(text) if text else None
    if plain is not None and len(plain[3] or "") <= places:  # fast path, same result
        minor = int(plain[2]) * 10**places + int((plain[3] or "").ljust(places, "0") or 0)
        return -minor if plain[1] else minor
    return parse_general(text, currency, what=what)


def parse_general(text: str, currency: str, *, what: str = "amount") -> int:
    """`parse_amount` without its fast path for plain "299.00" (the tests compare them)."""
    from decimal import Decimal, InvalidOperation  # (not needed by show and plain amounts)

    places = digits(currency)
    raw = text
    value = normalize_text(text or "", fold_symbols=True).replace(" ", "").replace("−", "-")
    match = _AFFIX.fullmatch(value)
    if match and match[4] and (match[1] or match[3] or match[5]):  # "¥1,299.00", "-¥10", "1299元"
        signs = {currency, prefix(currency).strip(), *_SIGNS.get(currency, ())}
        for affix in (match[1], match[3], match[5]):
            if affix and affix.upper() not in {s.upper() for s in signs}:
                raise ValidationError(
                    f"{what} {raw!r}: {affix!r} is not a sign of {currency}", what
                )
        value = match[2] + match[4]
    if _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    if not value:
        raise ValidationError(f"{what} is empty", what)
    if not _NUMBER.fullmatch(value):
        raise ValidationError(f"{what} {raw!r}: not a number (write it like 299.00)", what)
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValidationError(f"{what} {raw!r}: not a number", what) from None
    minor = number.scaleb(places)
    if minor != minor.to_integral_value():
        allowed = f"at most {places} decimal places" if places else "no decimal places"
        raise ValidationError(f"{what} {raw!r}: {currency} amounts have {allowed}", what)
    if abs(number) >= MAX_MAJOR:
        raise ValidationError(f"{what} {raw!r}: too large", what)
    return int(minor)


def to_text(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string: 29900 CNY -> "299.00", -5 CNY -> "-0.05"."""
    places = digits(currency)
    if not places:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


def display(minor: int, currency: str) -> str:
    """For people: 209300 CNY -> "¥2,093.00", -1250 USD -> "-US$12.50"."""
    places, shown = CURRENCIES.get(currency, 2), prefix(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    tail = f".{part:0{places}d}" if places else ""
    return f"{sign}{shown}{whole:,}{tail}"


def display_totals(totals: dict[str, int], first: str | None = None) -> str:
    """Totals per currency for people, `first` (the database currency) first, never summed
    across currencies: "¥2,093.00 + US$12.00"."""
    order = sorted(totals, key=lambda c: (c != first, c))
    return " + ".join(display(totals[c], c) for c in order)


def sql_text(column: str, currency: str) -> str:
    """An SQL expression giving `to_text(column, currency)` (the CSV export's cell)."""
    places = digits(currency)
    if not places:
        return f"CAST({column} AS TEXT)"
    unit = 10**places
    return (
        f"(CASE WHEN {column} < 0 THEN '-' ELSE '' END || (abs({column}) / {unit}) || '.' || "
        f"substr('{'0' * places}' || (abs({column}) % {unit}), -{places}))"
    )
