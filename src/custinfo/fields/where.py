"""The `--where` grammar: one condition on one custom field.

    COND  := KEY OP VALUE | KEY "?" | "!" KEY "?"
    OP    := "=" | "!=" | "<" | "<=" | ">" | ">=" | "~"

`KEY?` holds when the customer has a value, `!KEY?` when it has none. Spaces around the
parts are allowed; full-width operators (＝ ！ ＜ ＞ ～ ？) fold to ASCII. The VALUE is
everything after the operator, parsed by the field's type later (`search.fields`), and is
only ever passed to SQL as a parameter; the KEY must name a declared field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from custinfo.errors import UsageError

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~", "?", "!?")
_FOLD = str.maketrans({"＝": "=", "！": "!", "＜": "<", "＞": ">", "～": "~", "？": "?",
                       "\u3000": " "})  # fmt: skip
_KEY = r"[A-Za-z][A-Za-z0-9_]*"
_HAS = re.compile(rf"\s*(!?)\s*({_KEY})\s*\?\s*")
_COMPARE = re.compile(rf"\s*({_KEY})\s*(!=|<=|>=|=|<|>|~)\s*(.*?)\s*", re.S)


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    op: str  # one of OPERATORS
    value: str  # "" for ? and !?
    text: str  # as typed, for messages

    @property
    def negative(self) -> bool:
        """Holds for customers without a value too (`!=`, `!KEY?`)."""
        return self.op in ("!=", "!?")


def parse(text: str) -> Condition:
    """One `--where` condition (see the module docstring); UsageError (exit 2) if malformed."""
    folded = text.translate(_FOLD)
    has = _HAS.fullmatch(folded)
    if has:
        return Condition(has[2].lower(), "!?" if has[1] else "?", "", text)
    match = _COMPARE.fullmatch(folded)
    if match is None:
        raise UsageError(
            f"--where {text!r}: expected KEY OP VALUE with OP one of = != < <= > >= ~ "
            "(e.g. tier=金卡, points>=1000), or KEY? / !KEY?"
        )
    if not match[3]:
        raise UsageError(f"--where {text!r}: no value (use !{match[1]}? for customers without one)")
    return Condition(match[1].lower(), match[2], match[3], text)
