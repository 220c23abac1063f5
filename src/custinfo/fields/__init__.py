"""Custom fields: the columns every shop has and no fixed schema foresees.

A field is declared once (`custinfo field add tier --type choice --choices 金卡,银卡`): a
short ASCII `key` (used in `--set`, `--where`, CSV headers `field:KEY` and JSON), a
`label` people see (会员等级), a type, and for choice types the ordered choices, each with
a stable id. Values are typed (`custinfo.fields.values`) and stored one row per customer
and field (`custinfo.store.fields`); this package holds no SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from custinfo.errors import UsageError, ValidationError
from custinfo.fields.values import FORMATS, json_text, parse, to_json, to_text
from custinfo.text import fold, normalize_text

if TYPE_CHECKING:
    from custinfo.store import Store

__all__ = [
    "FORMATS", "TYPES", "Catalog", "Field", "assignments", "catalog", "check_key", "json_text",
    "parse", "to_json", "to_text",
]  # fmt: skip

TYPES = ("text", "number", "money", "date", "choice", "multichoice", "bool")
CHOICE_TYPES = ("choice", "multichoice")
#: Types whose values are few: indexed by value (the drivers of `--where KEY=VALUE`).
INDEXED_TYPES = ("choice", "bool")
MAX_KEY = 32
MAX_LABEL = 100
MAX_CHOICES = 500
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_CHOICE_FORBIDDEN = re.compile(r"[;；,，、|\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Field:
    """One declared field. `choices` are (id, label) in their order."""

    id: int
    key: str
    label: str
    type: str
    choices: tuple[tuple[int, str], ...] = ()
    position: int = 0

    @property
    def indexed(self) -> bool:
        return self.type in INDEXED_TYPES

    def choice_labels(self) -> list[str]:
        return [label for _, label in self.choices]

    def choice_label(self, choice_id: int) -> str:
        for cid, label in self.choices:
            if cid == choice_id:
                return label
        return f"#{choice_id}"  # a choice removed after a merge snapshot kept it

    def choice_order(self, choice_id: int) -> int:
        for index, (cid, _) in enumerate(self.choices):
            if cid == choice_id:
                return index
        return len(self.choices)


class Catalog:
    """Every declared field of one database, by key and by id, plus its currency."""

    def __init__(self, fields: list[Field], currency: str = "CNY") -> None:
        self.fields = sorted(fields, key=lambda f: (f.position, f.id))
        self.by_key = {f.key: f for f in self.fields}
        self.by_id = {f.id: f for f in self.fields}
        self.currency = currency

    def __iter__(self) -> Any:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def find(self, key: str) -> Field | None:
        return self.by_key.get(normalize_text(key).lower())

    def get(self, key: str, *, what: str = "") -> Field:
        """The field `key`; an unknown key is exit 2 with a pointer to `field add`."""
        found = self.find(key)
        if found is None:
            where = f" in {what}" if what else ""
            known = f" (declared: {', '.join(self.by_key)})" if self.by_key else ""
            raise ValidationError(
                f"unknown field {key!r}{where}{known}; declare it first with "
                f"'custinfo field add {key} --type TYPE'",
                key,
            )
        return found

    def parse(self, field: Field, raw: Any) -> Any:
        return parse(field, raw, self.currency)

    def to_json(self, field: Field, stored: Any) -> Any:
        return to_json(field, stored, self.currency)

    def to_text(self, field: Field, stored: Any) -> str:
        return to_text(field, stored, self.currency)

    def public(self, values: dict[int, Any]) -> dict[str, Any]:
        """{key: JSON value} in field order from {field id: stored value}."""
        return {f.key: self.to_json(f, values[f.id]) for f in self.fields if f.id in values}


def check_key(raw: str, *, what: str = "field key") -> str:
    """A field key: ASCII letters, digits and _, starting with a letter (lower-cased)."""
    key = normalize_text(raw or "", fold_symbols=True).lower()
    if not _KEY.fullmatch(key) or len(key) > MAX_KEY:
        raise UsageError(
            f"{what} {raw!r}: use up to {MAX_KEY} ASCII letters, digits and _, "
            "starting with a letter (e.g. tier, member_no)"
        )
    return key


def check_type(raw: str) -> str:
    kind = (raw or "").strip().lower()
    if kind not in TYPES:
        raise UsageError(f"unknown field type {raw!r}: use one of {', '.join(TYPES)}")
    return kind


def check_label(raw: str | None, key: str) -> str:
    label = normalize_text(raw or "") or key
    if len(label) > MAX_LABEL:
        raise UsageError(f"label {label[:20]!r}…: longer than {MAX_LABEL} characters")
    return label


def parse_choices(values: list[str] | str | None) -> list[str]:
    """Choices given as "A,B,C" (or repeated options); blanks dropped, repeats refused."""
    items = [values] if isinstance(values, str) else list(values or [])
    out: list[str] = []
    for item in items:
        for part in re.split(r"[,，]", item):
            label = normalize_text(part)
            if not label:
                continue
            if _CHOICE_FORBIDDEN.search(label):
                raise UsageError(
                    f"choice {label!r}: must not contain ; , 、 | or control characters"
                )
            if len(label) > MAX_LABEL:
                raise UsageError(f"choice {label[:20]!r}…: longer than {MAX_LABEL} characters")
            if any(fold(label) == fold(other) for other in out):
                raise UsageError(f"choice {label!r} is given twice")
            out.append(label)
    return out


def catalog(store: Store) -> Catalog:
    """The declared fields of `store`."""
    from custinfo.store import fields as stored

    return stored.catalog(store.conn)


def assignments(
    store: Store, items: list[str], *, option: str = "--set"
) -> list[tuple[Field, Any]]:
    """`KEY=VALUE` items validated against the declarations: (field, stored value); an
    empty VALUE gives None (clear the field). A key given twice is refused."""
    cat = catalog(store)
    out: dict[int, tuple[Field, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {item!r}: expected KEY=VALUE")
        field = cat.get(key.strip(), what=option)
        if field.id in out:
            raise UsageError(f"{option}: field {field.key} is given twice")
        out[field.id] = (field, cat.parse(field, raw) if raw.strip() else None)
    return list(out.values())


def unset_fields(store: Store, keys: list[str]) -> list[Field]:
    cat = catalog(store)
    return list({f.id: f for f in (cat.get(k, what="--unset") for k in keys)}.values())
