"""`import --create-fields`: a type, and a key, for a column no field has yet.

The type follows the column's non-empty values, checked in this order:
- number, when every value is a decimal (none with a leading zero: "007" is an identifier,
  and a number would lose the zeros);
- date, when every value is a date (YYYY-MM-DD, YYYY/M/D, YYYY年M月D日);
- choice, when there are 20 distinct values or fewer (compared case-insensitively; the
  choices in the order first seen), none of which contains a separator (; , 、 |), and at
  least one value occurs twice (a column of distinct values, such as member numbers, is
  text: as a choice, the next import's new numbers would all be refused);
- text otherwise (and for a column with no value at all).
"""

from __future__ import annotations

import re

from custinfo.errors import ValidationError
from custinfo.fields import MAX_KEY, Field
from custinfo.fields.values import parse
from custinfo.text import fold, normalize_text

MAX_CHOICES = 20
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_SEPARATOR = re.compile(r"[;；,，、|]")
_NUMBER = Field(0, "x", "x", "number")
_DATE = Field(0, "x", "x", "date")


class ColumnStats:
    """What one column's values allow, gathered in one pass (memory: ≤ 21 values)."""

    def __init__(self) -> None:
        self.number = True
        self.date = True
        self.values: dict[str, str] = {}  # folded -> first spelling, until > MAX_CHOICES
        self.few = True
        self.count = 0

    def add(self, raw: str) -> None:
        text = normalize_text(raw)
        if not text:
            return
        self.count += 1
        if self.number:
            self.number = _parses(_NUMBER, text) and not _LEADING_ZERO.match(text)
        if self.date:
            self.date = _parses(_DATE, text)
        if self.few:
            if _SEPARATOR.search(text) or len(text) > 100:
                self.few = False
            else:
                self.values.setdefault(fold(text), text)
                self.few = len(self.values) <= MAX_CHOICES
            if not self.few:
                self.values.clear()

    def infer(self) -> tuple[str, list[str]]:
        """(type, choices) for the column (see the module docstring)."""
        if not self.count:
            return "text", []
        if self.number:
            return "number", []
        if self.date:
            return "date", []
        if self.few and len(self.values) < self.count:
            return "choice", list(self.values.values())
        return "text", []


def _parses(field: Field, text: str) -> bool:
    try:
        parse(field, text)
    except ValidationError:
        return False
    return True


def key_for(header: str, taken: set[str]) -> str:
    """A field key for a column header: ASCII words joined with _, Chinese as pinyin
    (会员等级 → huiyuandengji), unique among `taken`."""
    text = normalize_text(header, fold_symbols=True)
    if re.search(r"[\u3400-\u9fff]", text):
        from pypinyin import lazy_pinyin

        text = "".join(lazy_pinyin(text))
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "field"
    if not base[0].isalpha():
        base = "f_" + base
    base = base[:MAX_KEY].rstrip("_")
    key, n = base, 1
    while key in taken:
        n += 1
        suffix = f"_{n}"
        key = base[: MAX_KEY - len(suffix)] + suffix
    return key
