"""Typed custom-field values: parse what people type, store it typed, show it back.

Storage is typed so that SQLite compares values as the type means (no affinity on the
column: Python ints, floats and strs keep their storage class):

- text: any text; stored normalised (line breaks kept); JSON a string;
- number: a decimal (1200, -3.5); INTEGER, or REAL with at most 15 significant digits;
  JSON a number;
- money: a decimal in the database currency (¥1,299.50); INTEGER minor units (fen for
  CNY, ISO 4217 digits); JSON a decimal string ("1299.50");
- date: YYYY-MM-DD (also YYYY/M/D, YYYY年M月D日); TEXT YYYY-MM-DD; JSON a string;
- choice: one of the choices, any case; INTEGER choice id; JSON the choice;
- multichoice: choices joined with ";"; TEXT ";id;id;" in choice order; JSON a list;
- bool: yes/no, true/false, 1/0, 是/否; INTEGER 0/1; JSON true/false.

`to_text` is the CSV cell, the vCard value and what `show` prints; `parse(field,
to_text(field, v)) == v` for every stored value (the export → import round trip).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any

from custinfo.errors import ValidationError
from custinfo.text import fold, normalize_multiline, normalize_text

if TYPE_CHECKING:
    from decimal import Decimal

    from custinfo.fields import Field

MAX_TEXT = 10_000
MAX_SIGNIFICANT = 15  # digits a REAL holds exactly when printed back
_INT64 = 2**63 - 1
#: ISO 4217 currencies whose minor unit is not 1/100 (all others have 2 digits).
MINOR_DIGITS = {
    "BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3,
    "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3,
    "UGX": 0, "UYI": 0, "UYW": 4, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip
#: Signs an amount may carry, besides the currency code.
_MONEY_SIGNS = ("¥", "￥", "元", "$", "€", "£", "₩", "円")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
#: What separates the choices of a multichoice value as typed (";" is the canonical one).
MULTI_SPLIT = re.compile(r"\s*[;；,，、|]\s*")
TRUE = frozenset(("yes", "y", "true", "1", "是", "on"))
FALSE = frozenset(("no", "n", "false", "0", "否", "off"))

FORMATS = {
    "text": "any text",
    "number": "a decimal such as 1200 or -3.5",
    "money": "a decimal amount such as 1299.00",
    "date": "a date as YYYY-MM-DD",
    "choice": "one of the choices",
    "multichoice": "choices joined with ';'",
    "bool": "yes/no, true/false, 1/0 or 是/否",
}


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency.upper(), 2)


def _bad(field: Field, raw: Any, why: str) -> ValidationError:
    return ValidationError(f"field {field.key}: {str(raw)!r} {why}", field.key)


def parse(field: Field, raw: Any, currency: str = "CNY") -> Any:
    """The stored form of `raw` (a str as typed, or a JSON value) for `field`; raises
    ValidationError naming the field, the value and what is allowed."""
    kind = field.type
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        raise ValidationError(f"field {field.key}: the value is empty", field.key)
    if kind == "bool":
        if isinstance(raw, bool):
            return int(raw)
        word = fold(str(raw))
        if word in TRUE:
            return 1
        if word in FALSE:
            return 0
        raise _bad(field, raw, f"is not {FORMATS['bool']}")
    if isinstance(raw, bool) or (isinstance(raw, (list, dict)) and kind != "multichoice"):
        raise _bad(field, raw, f"is not {FORMATS[kind]}")
    if kind == "text":
        text = normalize_multiline(str(raw))
        if not text:
            raise ValidationError(f"field {field.key}: the value is empty", field.key)
        if len(text) > MAX_TEXT:
            raise ValidationError(f"field {field.key}: longer than {MAX_TEXT} characters")
        return text
    if kind == "number":
        return _number(field, raw)
    if kind == "money":
        return _money(field, raw, currency)
    if kind == "date":
        return _date(field, raw)
    if kind == "choice":
        return _choice(field, str(raw))
    if kind == "multichoice":
        return _multichoice(field, raw)
    raise ValidationError(f"field {field.key}: unknown type {kind!r}")  # pragma: no cover


def _decimal(field: Field, raw: Any, what: str) -> Decimal:
    from decimal import Decimal, InvalidOperation  # on first use: `show` need not load it

    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = normalize_text(str(raw), fold_symbols=True).replace(" ", "").replace("−", "-")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _DECIMAL.fullmatch(text):
        raise _bad(field, raw, f"is not {what}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        raise _bad(field, raw, f"is not {what}") from None


def _number(field: Field, raw: Any) -> int | float:
    number = _decimal(field, raw, FORMATS["number"])
    if number == number.to_integral_value():
        if abs(number) > _INT64:
            raise _bad(field, raw, "is too large for a number")
        return int(number)
    digits = len(number.normalize().as_tuple().digits)
    if digits > MAX_SIGNIFICANT:
        raise _bad(field, raw, f"has more than {MAX_SIGNIFICANT} significant digits")
    if number.adjusted() < -300:
        raise _bad(field, raw, "is too small for a number")
    return float(number)


def _money(field: Field, raw: Any, currency: str) -> int:
    text = raw
    if isinstance(raw, str):
        text = normalize_text(raw, fold_symbols=True).replace(" ", "")
        for sign in (currency.upper(), currency.lower(), *_MONEY_SIGNS):
            if text.startswith(sign):
                text = text[len(sign) :]
            elif text.endswith(sign):
                text = text[: -len(sign)]
    places = minor_digits(currency)
    amount = _decimal(field, text if isinstance(raw, str) else raw, FORMATS["money"])
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        allowed = f"at most {places} decimal places" if places else "no decimal places"
        raise _bad(field, raw, f"has too many decimals: {currency} amounts have {allowed}")
    if abs(minor) > _INT64:
        raise _bad(field, raw, "is too large")
    return int(minor)


def _date(field: Field, raw: Any) -> str:
    text = normalize_text(str(raw), fold_symbols=True)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        day = _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _bad(field, raw, f"is not {FORMATS['date']}") from None
    return day.isoformat()


def choice_id(field: Field, raw: str) -> int | None:
    """The id of the choice matching `raw` case-insensitively, or None."""
    wanted = fold(raw)
    for cid, label in field.choices:
        if fold(label) == wanted:
            return cid
    return None


def _choice(field: Field, raw: str) -> int:
    cid = choice_id(field, raw)
    if cid is None:
        raise _bad(field, raw, f"is not one of {', '.join(field.choice_labels())}")
    return cid


def _multichoice(field: Field, raw: Any) -> str:
    parts = raw if isinstance(raw, list) else MULTI_SPLIT.split(str(raw).strip())
    ids: set[int] = set()
    for part in parts:
        if not str(part).strip():
            continue
        cid = choice_id(field, str(part))
        if cid is None:
            choices = ", ".join(field.choice_labels())
            raise _bad(field, part, f"is not one of {choices} (several: join them with ';')")
        ids.add(cid)
    if not ids:
        raise ValidationError(f"field {field.key}: the value is empty", field.key)
    return multi_text(sorted(ids, key=field.choice_order))


def multi_text(ids: list[int]) -> str:
    return ";" + ";".join(map(str, ids)) + ";"


def multi_ids(stored: str) -> list[int]:
    return [int(p) for p in stored.strip(";").split(";") if p]


# -- showing ------------------------------------------------------------------------------
def number_text(value: int | float) -> str:
    """A number as a plain decimal (no exponent): 1200, -3.5, 0.0000001."""
    if isinstance(value, int):
        return str(value)
    from decimal import Decimal

    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_text(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string: 29900 CNY -> "299.00"."""
    places = minor_digits(currency)
    if not places:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


def to_json(field: Field, stored: Any, currency: str = "CNY") -> Any:
    """The JSON value of a stored value (`show --format json`, `export --format json`)."""
    kind = field.type
    if kind == "number":
        return stored
    if kind == "money":
        return money_text(stored, currency)
    if kind == "bool":
        return bool(stored)
    if kind == "choice":
        return field.choice_label(stored)
    if kind == "multichoice":
        return [field.choice_label(i) for i in multi_ids(stored)]
    return stored


def to_text(field: Field, stored: Any, currency: str = "CNY") -> str:
    """The text form (CSV cell, vCard value, `show`); `parse` reads it back unchanged."""
    return json_text(to_json(field, stored, currency))


def json_text(value: Any) -> str:
    """The text form of a JSON field value (as `to_text` gives it)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, list):
        return ";".join(value)
    return str(value)
