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

from custinfo import dates, validation
from custinfo.errors import ValidationError
from custinfo.export.tabular import parse_notes, split_values, unneutralize
from custinfo.i18n import _, plural
from custinfo.importer import contacts, fastpath, fieldcols, prepare
from custinfo.importer.mapping import IGNORED, column_for
from custinfo.importer.source import BadJson, LongNumber
from custinfo.importer.vcard import BadCard, CardText
from custinfo.importer.vcard import parse as parse_card
from custinfo.models import CustomerInput, Email, Phone
from custinfo.validation import shown

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
    handles: tuple[tuple[str, str], ...] = ()  # (kind, handle): WeChat ids, QQ numbers
    labels: tuple[tuple[str, str, str], ...] = ()  # (kind, value, label) of phones/emails
    #: Numbers read without a country code: (region, how many, region is the default).
    no_cc: tuple[Any, ...] = ()
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
        raise ValidationError(
            _("{value}: expected an ISO 8601 time").format(value=shown(raw)), "time"
        ) from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(_dt.UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
            raise ValidationError(
                _("{value}: out of range in UTC").format(value=shown(raw)), "time"
            ) from None
    return moment.isoformat(timespec="microseconds") + "Z"  # 4-digit years, unlike %Y


class Converter:
    """Validates records of one input: CSV rows (lists, by `fields`) or JSON objects."""

    def __init__(
        self, header: list[str], fields: list[str | None], overrides: dict[str, str],
        region: str, excel: bool = False, now: str = "",
        columns: list[contacts.Column] | None = None, date_order: str | None = None,
        field_plan: Any = None,
    ) -> None:  # fmt: skip
        self.field_plan = field_plan  # custom fields (`importer.fieldcols.FieldPlan`)
        self.header = header
        self.fields = fields
        self.overrides = overrides
        self.region = region
        self.excel = excel
        self.now = now
        #: `mapping.columns` of the header: groups and labels of contact exports.
        self.columns = columns or [contacts.Column(f) for f in fields]
        #: The file's day/month order for N/N/YYYY dates (`custinfo.dates`); None: ISO only.
        self.date_order = date_order
        self._columns: dict[str, contacts.Column] = {}  # JSON key -> column (picklable cache)
        #: A plain sheet (no groups, no contact-export columns): rows skip `contacts.prepare`.
        self.direct = (
            bool(header)
            and all(prepare.is_direct(c) or fieldcols.is_field(c.field) for c in self.columns)
            and ("address" not in fields or "city" in fields)  # else: a city in the address?
        )  # fmt: skip
        self.labels = {h: c.label for h, c in zip(header, self.columns, strict=False) if c.label}

    def _column(self, key: str) -> contacts.Column:
        if key not in self._columns:
            self._columns[key] = (
                contacts.Column("fields") if key == "fields" else column_for(key, self.overrides)
            )
        return self._columns[key]

    def _field(self, key: str) -> str | None:
        return self._column(key).field

    def __call__(self, line: int, record: Any) -> Valid | Invalid:
        if type(record) is CardText:  # a vCard: parsed here, in the validating worker
            record = parse_card(record)
        if isinstance(record, list):
            if len(record) != len(self.header):
                reason = _("has {fields}, the header has {n}").format(
                    fields=plural(len(record), "field"), n=len(self.header)
                )
                return Invalid(line, [("row", reason)])
            if self.excel:
                record = [unneutralize(cell) for cell in record]
            if self.direct:  # a plain sheet: no contact-export columns to prepare
                fields = self.fields
                plain = [(h, f, v) for h, f, v in zip(self.header, fields, record, strict=True)]
                return self.convert(line, plain, True)
            cols = self.columns
            items = [(h, c, v) for h, c, v in zip(self.header, cols, record, strict=True)]
        elif isinstance(record, dict):
            # `records` (an object) is custinfo's own export of the other record kinds:
            # orders, follow-ups, consents... are not customer fields.
            items = [
                (k, self._column(k), v)
                for k, v in record.items()
                if not (k == "records" and isinstance(v, dict))
            ]
        elif isinstance(record, BadJson | BadCard):
            return Invalid(line, [("line", str(record))])
        else:
            return Invalid(line, [("line", _("expected a JSON object"))])
        return self.convert(line, items)

    def convert(
        self, line: int, row: list[tuple[str, Any, Any]], direct: bool = False
    ) -> Valid | Invalid:
        """Validate one record's (column, `contacts.Column`, value) items; `direct`: the
        items are (column, field, value) of a plain sheet, passed on as they are."""
        problems: list[tuple[str, str]] = []
        parts: dict[str, tuple[str, Any]] = {}
        phones: dict[tuple[str, str | None], Phone] = {}
        emails: dict[str, Email] = {}
        tags: dict[str, str] = {}
        notes: list[tuple[str | None, str]] = []
        custom: dict[str, Any] = {}
        if direct:
            items, ctx, extras = row, prepare.RowContext(self.region, True, self.labels), []
        else:
            items, ctx, extras = prepare.prepare(row, self.region, problems)
        for column, name, value in items:
            if value is None or (type(value) in (str, list) and not value):
                continue
            if type(value) is str and value[:2] == '="' and value[-1:] == '"':
                value = value[2:-1]  # Excel's text guard ="0123"
            try:
                if name is None:
                    text = _text(value)
                    if text.strip():
                        extras.append(f"{column}: {text}")
                elif name in IGNORED:
                    continue
                elif name == "phone":
                    for raw in _multi(value, name, numbers=True):
                        if "*" in raw:  # masked (Taobao: 138****8000): not a number to store
                            extras.append(f"{column}: {raw}")
                            continue
                        phone = fastpath.phone(raw.lstrip("'"), ctx.read_phone(raw))
                        phones.setdefault((phone.e164, phone.ext), phone)
                        if ctx.labels:
                            ctx.phone_label(column, str(phone))
                elif name == "email":
                    for raw in _multi(value, name):
                        email = fastpath.email(raw)
                        emails.setdefault(email.key, email)
                        if ctx.labels:
                            ctx.email_label(column, email.key)
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
                    parts[name] = (column, _scalar(value, name))
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
        no_cc = (ctx.region, ctx.no_country_code, ctx.default) if ctx.no_country_code else ()
        return Valid(
            line, c.name, c.company, c.address, c.city, c.birthday, created, updated or created,
            phone_pairs, email_pairs, tuple(tags.values()),
            tuple((at or now, text) for at, text in notes), keys,
            tuple(dict.fromkeys(ctx.handles)), tuple(ctx.found_labels), no_cc,
            tuple(custom.items()),
        )  # fmt: skip

    def _customer(
        self, parts: dict[str, tuple[str, Any]], problems: list[tuple[str, str]]
    ) -> CustomerInput | None:
        column, name = parts.get("name", ("name", ""))
        if not name.strip() and ("first_name" in parts or "last_name" in parts):
            first, last = parts.get("first_name", ("", ""))[1], parts.get("last_name", ("", ""))[1]
            if "middle_name" in parts:
                first = f"{first} {parts['middle_name'][1]}".strip()
            cjk = _CJK.search(first + last) is not None
            name = f"{last}{first}" if cjk else f"{first} {last}"
            column = parts.get("first_name", parts.get("last_name"))[0]  # type: ignore[index]
        customer = None
        try:
            customer = CustomerInput(name=validation.normalize_name(name))
        except ValidationError as exc:
            if all(where != column for where, _ in problems):  # not a JSON type error again
                problems.append((column, str(exc)))
        for key in ("company", "address", "city", "birthday"):
            if key not in parts:
                continue
            where, raw = parts[key]
            try:
                value = (
                    validation.normalize_birthday(raw, self.date_order or dates.MDY)
                    if key == "birthday"
                    else validation.normalize_optional(raw, key)
                )
            except ValidationError as exc:
                problems.append((where, str(exc)))
                continue
            if customer is not None:
                setattr(customer, key, value)
        return customer

    def _time(
        self, parts: dict[str, tuple[str, Any]], key: str, problems: list[tuple[str, str]]
    ) -> str | None:
        if key not in parts or not parts[key][1].strip():
            return None
        try:  # ISO 8601, or the dates of spreadsheets: 2023/5/6 14:03, 5/6/2023
            return normalize_timestamp(dates.moment(parts[key][1], self.date_order or dates.MDY))
        except ValidationError as exc:
            problems.append((parts[key][0], str(exc)))
            return None


def _text(value: Any) -> str:
    return value if type(value) is str else json.dumps(value, ensure_ascii=False)


def kind(value: Any) -> str:
    """What a JSON value is, for messages: "an object", "a number (NaN)", "true"…"""
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("an array")
    if isinstance(value, bool):
        return _("a boolean ({value})").format(value=json.dumps(value))
    if isinstance(value, LongNumber):
        return _("a number ({n} digits)").format(n=len(value))  # always more than 20
    if isinstance(value, int | float):
        return _("a number ({value})").format(value=json.dumps(value)[:40])
    return type(value).__name__


def _expect_text(value: Any, field: str, numbers: bool = False, what: str = "") -> str:
    """A JSON value where text is expected: a string (or, for phones, a whole number of at
    most 20 digits); anything else is a row error naming the field and the type."""
    if type(value) is str:
        return value
    if numbers and type(value) is int and 0 <= value < 10**20:
        return str(value)
    raise ValidationError(
        _("{what}expected text, got {value}").format(what=what, value=kind(value)), field
    )


def _scalar(value: Any, field: str) -> str:
    return _expect_text(value, field)


def _multi(value: Any, field: str, numbers: bool = False) -> list[str]:
    """Phones or emails from a cell ("a; b", "a, b", one per line) or a JSON list."""
    if isinstance(value, list):
        texts = [_expect_text(v, field, numbers) for v in value if v is not None]
        return [text for text in texts if text.strip()]
    text = _expect_text(value, field, numbers)
    return [v for v in _MULTI_SPLIT.split(text) if v.strip()]


def _tags(value: Any) -> list[str]:
    """Tags from custinfo's escaped ";" list, or separated by commas (tags have none)."""
    if isinstance(value, list):
        texts = [_expect_text(v, "tags") for v in value if v is not None]
        return [text for text in texts if text.strip()]
    out: list[str] = []
    for part in split_values(_expect_text(value, "tags")):
        out.extend(p for p in part.split(",") if p.strip())
    return out


def _notes(value: Any) -> list[tuple[str | None, str]]:
    """Notes: custinfo's "AT TEXT;AT TEXT" cell, a JSON list of {at, text}, else one note."""
    if isinstance(value, list):
        out: list[tuple[str | None, str]] = []
        for item in value:
            if isinstance(item, dict):
                at, text = item.get("at"), item.get("text")
                if at is not None:
                    at = _expect_text(at, "notes", what=_('a note\'s "at": '))
                if text is not None:
                    text = _expect_text(text, "notes", what=_('a note\'s "text": '))
                out.append((at or None, text or ""))
            elif item is not None:
                out.append((None, _expect_text(item, "notes")))
        return [(at, text) for at, text in out if text.strip()]
    text = _scalar(value, "notes")
    return parse_notes(text) or [(None, text)]
