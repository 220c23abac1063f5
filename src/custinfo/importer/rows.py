"""Turning one input record into a validated customer (runs in worker processes too).

Every value goes through `custinfo.validation`. Problems are collected per row as
(column, reason) pairs so that a rejected row names every bad cell. Unknown columns are not
dropped: their non-empty values become one note "column: value" (one line per column).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.export.tabular import parse_notes, split_values, unneutralize
from custinfo.importer import fastpath, fieldcols
from custinfo.importer.mapping import IGNORED, field_for
from custinfo.models import CustomerInput, Email, Phone

_MULTI_SPLIT = re.compile(r"\s*(?:[;；,，、|\n]|\s/\s)\s*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class Valid(NamedTuple):
    """A validated row, ready for `store.repo.insert_bulk` (same field names as
    `BulkCustomer`; plain tuples are cheap to send between processes). Missing times are
    the import's start time."""

    line: int
    name: str
    company: str | None
    address: str | None
    city: str | None
    birthday: str | None
    created_at: str
    updated_at: str
    phones: tuple[tuple[str, str], ...]  # (e164, ext or "")
    emails: tuple[tuple[str, str], ...]  # (address, key)
    tags: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]  # (at, text)
    keys: frozenset[str]  # duplicate keys: "p" + e164 + " " + ext, "e" + email key
    fields: tuple[tuple[str, Any], ...] = ()  # custom fields: (key, stored value)
    derived: tuple[Any, ...] = ()  # `store.derived.derive` of the row, once computed


@dataclass(slots=True)
class Invalid:
    line: int
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "; ".join(f"{column}: {reason}" for column, reason in self.problems)


def normalize_timestamp(raw: str) -> str:
    """An ISO 8601 time as custinfo stores it: UTC, microseconds, Z."""
    text = raw.strip()
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{raw!r}: expected an ISO 8601 time", "time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Converter:
    """Validates records of one input: CSV rows (lists, by `fields`) or JSON objects."""

    def __init__(
        self, header: list[str], fields: list[str | None], overrides: dict[str, str],
        region: str, excel: bool = False, now: str = "", field_plan: Any = None,
    ) -> None:  # fmt: skip
        self.field_plan = field_plan  # custom fields (`importer.fieldcols.FieldPlan`)
        self.header = header
        self.fields = fields
        self.overrides = overrides
        self.region = region
        self.excel = excel
        self.now = now
        self._fields: dict[str, str | None] = {}  # JSON key -> field (picklable cache)

    def _field(self, key: str) -> str | None:
        if key not in self._fields:
            self._fields[key] = field_for(key, self.overrides)
        return self._fields[key]

    def __call__(self, line: int, record: Any) -> Valid | Invalid:
        if isinstance(record, list):
            if len(record) != len(self.header):
                reason = f"has {len(record)} fields, the header has {len(self.header)}"
                return Invalid(line, [("row", reason)])
            if self.excel:
                record = [unneutralize(cell) for cell in record]
            items = [(h, f, v) for h, f, v in zip(self.header, self.fields, record, strict=True)]
        elif isinstance(record, dict):
            items = [
                (k, "fields" if k == "fields" and isinstance(v, dict) else self._field(k), v)
                for k, v in record.items()
            ]
        elif isinstance(record, str) and type(record) is not str:  # _BadJson
            return Invalid(line, [("line", str(record))])
        else:
            return Invalid(line, [("line", "expected a JSON object")])
        return self.convert(line, items)

    def convert(self, line: int, items: list[tuple[str, str | None, Any]]) -> Valid | Invalid:
        problems: list[tuple[str, str]] = []
        parts: dict[str, tuple[str, Any]] = {}
        phones: dict[tuple[str, str | None], Phone] = {}
        emails: dict[str, Email] = {}
        tags: dict[str, str] = {}
        notes: list[tuple[str | None, str]] = []
        extras: list[str] = []
        custom: dict[str, Any] = {}
        for column, name, value in items:
            if value is None or value == "" or value == []:
                continue
            try:
                if name is None:
                    text = _text(value)
                    if text.strip():
                        extras.append(f"{column}: {text}")
                elif name in IGNORED:
                    continue
                elif name == "phone":
                    for raw in _multi(value):
                        phone = fastpath.phone(raw, self.region)
                        phones.setdefault((phone.e164, phone.ext), phone)
                elif name == "email":
                    for raw in _multi(value):
                        email = fastpath.email(raw)
                        emails.setdefault(email.key, email)
                elif name == "tags":
                    for raw in _tags(value):
                        tag = validation.normalize_tag(raw)
                        tags.setdefault(validation.tag_key(tag), tag)
                elif name == "notes":
                    for at, text in _notes(value):
                        note = validation.normalize_note(text)
                        notes.append((normalize_timestamp(at) if at else None, note))
                elif name.startswith(fieldcols.PREFIX):
                    fieldcols.convert(self.field_plan, name, value, custom)
                elif name == "fields":  # a JSON record's {key: value} (export --format json)
                    fieldcols.convert_object(self.field_plan, value, custom)
                else:
                    parts[name] = (column, _scalar(value))
            except ValidationError as exc:
                problems.append((column, str(exc)))
        if extras:
            notes.append((None, "\n".join(extras)))
        customer = self._customer(parts, problems)
        created = self._time(parts, "created_at", problems)
        updated = self._time(parts, "updated_at", problems)
        if problems or customer is None:
            return Invalid(line, problems)
        c, now = customer, self.now
        created = created or now
        phone_pairs = tuple((p.e164, p.ext or "") for p in phones.values())
        email_pairs = tuple((e.address, e.key) for e in emails.values())
        keys = frozenset(
            [f"p{e164} {ext}" for e164, ext in phone_pairs] + [f"e{k}" for _, k in email_pairs]
        )
        return Valid(
            line, c.name, c.company, c.address, c.city, c.birthday, created, updated or created,
            phone_pairs, email_pairs, tuple(tags.values()),
            tuple((at or now, text) for at, text in notes), keys, tuple(custom.items()),
        )  # fmt: skip

    def _customer(
        self, parts: dict[str, tuple[str, Any]], problems: list[tuple[str, str]]
    ) -> CustomerInput | None:
        column, name = parts.get("name", ("name", ""))
        if not name.strip() and ("first_name" in parts or "last_name" in parts):
            first, last = parts.get("first_name", ("", ""))[1], parts.get("last_name", ("", ""))[1]
            cjk = _CJK.search(first + last) is not None
            name = f"{last}{first}" if cjk else f"{first} {last}"
            column = parts.get("first_name", parts.get("last_name"))[0]  # type: ignore[index]
        customer = None
        try:
            customer = CustomerInput(name=validation.normalize_name(name))
        except ValidationError as exc:
            problems.append((column, str(exc)))
        for key in ("company", "address", "city", "birthday"):
            if key not in parts:
                continue
            where, raw = parts[key]
            try:
                value = (
                    validation.normalize_birthday(raw)
                    if key == "birthday"
                    else validation.normalize_optional(raw, key)
                )
            except ValidationError as exc:
                problems.append((where, str(exc)))
                continue
            if customer is not None:
                setattr(customer, key, value)
        return customer

    @staticmethod
    def _time(
        parts: dict[str, tuple[str, Any]], key: str, problems: list[tuple[str, str]]
    ) -> str | None:
        if key not in parts or not parts[key][1].strip():
            return None
        try:
            return normalize_timestamp(parts[key][1])
        except ValidationError as exc:
            problems.append((parts[key][0], str(exc)))
            return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


def _multi(value: Any) -> list[str]:
    """Phones or emails from a cell ("a; b", "a, b", one per line) or a JSON list."""
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [v for v in _MULTI_SPLIT.split(str(value)) if v.strip()]


def _tags(value: Any) -> list[str]:
    """Tags from custinfo's escaped ";" list, or separated by commas (tags have none)."""
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    out: list[str] = []
    for part in split_values(str(value)):
        out.extend(p for p in part.split(",") if p.strip())
    return out


def _notes(value: Any) -> list[tuple[str | None, str]]:
    """Notes: custinfo's "AT TEXT;AT TEXT" cell, a JSON list of {at, text}, else one note."""
    if isinstance(value, list):
        out: list[tuple[str | None, str]] = []
        for item in value:
            if isinstance(item, dict):
                out.append((item.get("at") or None, str(item.get("text") or "")))
            elif item is not None:
                out.append((None, str(item)))
        return [(at, text) for at, text in out if text.strip()]
    text = _scalar(value)
    return parse_notes(text) or [(None, text)]
