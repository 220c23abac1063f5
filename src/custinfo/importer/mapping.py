"""Header mapping: which input column feeds which customer field.

Headers are compared in a folded form (case-folded, NFC, full-width folded, without spaces,
underscores, hyphens, dots, colons and a trailing number), so "E-mail", "email_2" and
"ＥＭＡＩＬ" all mean email. `--map COLUMN=FIELD` overrides (COLUMN as written in the header,
or its folded form); FIELD `ignore` drops a column on purpose.
"""

from __future__ import annotations

import re
from dataclasses import replace

from custinfo.errors import UsageError
from custinfo.i18n import _
from custinfo.importer import fieldcols
from custinfo.importer.contacts import (
    CONTACT_FIELDS,
    CONTACT_PERSON,
    CUSTOMER_COLUMNS,
    EMPTY_VALUES,
    Column,
)
from custinfo.importer.contacts import column_info as _contact_column
from custinfo.text import fold

#: Fields an input column can map to (contact-export fields: `importer.contacts`).
FIELDS = (
    "name", "first_name", "last_name", "phone", "email", "company", "address", "city",
    "birthday", "tags", "notes", "created_at", "updated_at", "id", "source", "ignore",
    *CONTACT_FIELDS,
)  # fmt: skip
#: Single-valued fields: a second column mapped to one of these is an error.
SINGLE = ("name", "first_name", "last_name", "company", "address", "city", "birthday",
          "created_at", "updated_at", "id", "source")  # fmt: skip
#: Fields whose column is read but not stored (documented: ids are new, source is the import).
IGNORED = ("id", "source", "ignore")

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "fullname", "customer", "customer name", "contact",
             "contact name", "display name", "姓名", "客户名称", "客户姓名", "客户", "名称",
             "联系人", "联系人姓名", "名字"),
    "first_name": ("first name", "firstname", "given name", "forename", "名"),
    "last_name": ("last name", "lastname", "surname", "family name", "姓"),
    "phone": ("phone", "phones", "mobile", "mobile phone", "mobile number", "cell", "cellphone",
              "cell phone", "tel", "telephone", "phone number", "work phone", "home phone",
              "business phone", "电话", "手机", "手机号", "手机号码", "电话号码", "联系电话",
              "座机", "移动电话", "联系方式", "办公电话"),
    "email": ("email", "emails", "e-mail", "email address", "e-mail address", "mail",
              "邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址"),
    "company": ("company", "company name", "organization", "organisation", "org", "employer",
                "business", "公司", "单位", "公司名称", "工作单位", "单位名称", "企业"),
    "address": ("address", "street", "street address", "mailing address", "地址", "联系地址",
                "住址", "详细地址", "通讯地址"),
    "city": ("city", "town", "城市", "所在城市", "市"),
    "birthday": ("birthday", "birth date", "birthdate", "date of birth", "dob", "生日",
                 "出生日期"),
    "tags": ("tags", "tag", "labels", "label", "categories", "category", "groups", "group",
             "标签", "分组", "分类"),
    "notes": ("notes", "note", "comment", "comments", "remark", "remarks", "memo",
              "description", "备注", "说明", "留言", "备注信息"),
    "created_at": ("created_at", "created", "创建时间"),
    "updated_at": ("updated_at", "updated", "modified", "更新时间"),
    "id": ("id",),
    "source": ("source",),
    # The rejects file's error column; the activity columns of custinfo's own export
    # (derived from orders and interactions, recomputed, never imported).
    "ignore": ("error", "order_count", "order_total", "last_order_at", "last_contact_at",
               "orders_summary"),
}  # fmt: skip

_STRIP = re.compile(r"[\s_\-.:：/()（）#]+")
_TRAILING_NUMBER = re.compile(r"\d+$")


def header_key(header: str) -> str:
    return _STRIP.sub("", fold(header))


_LOOKUP = {header_key(alias): field for field, names in ALIASES.items() for alias in names}
_FIELD_SYNONYMS = {"phones": "phone", "emails": "email", "tag": "tags", "note": "notes",
                   "firstname": "first_name", "lastname": "last_name", "-": "ignore"}  # fmt: skip


def known_chinese_header(header: str) -> bool:
    """True for a recognised header written in Chinese (used to recognise GBK input)."""
    key = header_key(header)
    return any("\u4e00" <= ch <= "\u9fff" for ch in key) and field_for(header, {}) is not None


def parse_maps(items: list[str]) -> dict[str, str]:
    """`--map COLUMN=FIELD` options as {folded column: field}."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, field = item.rpartition("=")
        field = field.strip().lower()
        field = _FIELD_SYNONYMS.get(field, field)
        if not sep or not column.strip():
            raise UsageError(_("--map {item!r}: expected COLUMN=FIELD").format(item=item))
        if (target := fieldcols.map_target(field)) is not None:  # field:KEY, a custom field
            out[header_key(column)] = target
            continue
        if field not in FIELDS:
            choices = ", ".join(FIELDS)
            raise UsageError(
                _(
                    "--map {item!r}: unknown field {field!r} (one of {choices}, or field:KEY)"
                ).format(item=item, field=field, choices=choices)
            )
        out[header_key(column)] = field
    return out


def field_for(header: str, overrides: dict[str, str]) -> str | None:
    """The field a column maps to, or None for an unknown column."""
    return column_for(header, overrides).field


def column_for(header: str, overrides: dict[str, str]) -> Column:
    """What a column is: an override, a known alias, a contact-export column
    (`importer.contacts.column_info`), or an alias with a number ("Phone 2")."""
    column = _column_for(header, overrides)
    empty = EMPTY_VALUES.get(header_key(header))
    return replace(column, empty=frozenset(empty)) if empty else column


def _column_for(header: str, overrides: dict[str, str]) -> Column:
    key = header_key(header)
    known = _contact_column(key)
    if key in overrides:
        field = overrides[key]
        if field.startswith(fieldcols.PREFIX):  # --map COLUMN=field:KEY, a custom field
            return Column(field)
        if known is not None and known.field == field:
            return known
        return Column(field, label=known.label if known and field == "phone" else "")
    if (target := fieldcols.header_target(header)) is not None:  # field:KEY, as exported
        return Column(target)
    if key in _LOOKUP:
        if known is not None and known.field == _LOOKUP[key]:
            return known  # same field, with the label the name implies (手机: cell)
        return Column(_LOOKUP[key])
    if known is not None:
        return known
    base = _TRAILING_NUMBER.sub("", key)
    if base != key and _LOOKUP.get(base) in ("phone", "email", "tags", "notes"):
        return Column(_LOOKUP[base])
    return Column(None)


def plan(header: list[str], overrides: dict[str, str]) -> list[str | None]:
    """Field per column; raises if there is no name column or a single field repeats."""
    return [c.field for c in columns(header, overrides)]


def columns(header: list[str], overrides: dict[str, str]) -> list[Column]:
    """`Column` per header cell. A contact-person column (联系人) next to a customer column
    (客户名称) makes the customer column the company. A single-valued field named by several
    columns of one group is an error, unless `--map` named one of them: then the others
    are kept as notes. Raises if there is no name column."""
    cols = [column_for(h, overrides) for h in header]
    keys = [header_key(h) for h in header]
    known = set(overrides)
    for key in known - set(keys):
        raise UsageError(
            _("--map names a column that is not in the header: {key!r}").format(key=key)
        )
    person = {header_key(c) for c in CONTACT_PERSON}
    customer = {header_key(c) for c in CUSTOMER_COLUMNS}
    if any(k in person and c.field == "name" for k, c in zip(keys, cols, strict=True)):
        for i, (key, col) in enumerate(zip(keys, cols, strict=True)):
            if key in customer and col.field == "name" and key not in known:
                cols[i] = Column("company")
    for single in SINGLE:
        where = [i for i, c in enumerate(cols) if c.field == single]
        by_group: dict[str, list[int]] = {}
        for i in where:
            by_group.setdefault(cols[i].group, []).append(i)
        for indexes in by_group.values():
            if len(indexes) < 2:
                continue
            mapped = [i for i in indexes if keys[i] in known]
            if len(mapped) == 1:  # the user chose: the other columns become notes
                for i in indexes:
                    if i not in mapped:
                        cols[i] = Column(None)
                continue
            names = [header[i] for i in indexes]
            hint = " ".join(f"--map {n}=notes" for n in names[1:])
            raise UsageError(
                _(
                    "columns {value} all map to {single}: name the one to use "
                    "with --map COLUMN={single} (the others are then kept as "
                    "notes), or map the others elsewhere, e.g. {hint}"
                ).format(value=", ".join(map(repr, names)), single=single, hint=hint)
            )
    fields = {c.field for c in cols}
    if "name" not in fields and not ({"first_name", "last_name"} & fields):
        raise UsageError(
            _("no name column among {value}: use --map COLUMN=name").format(
                value=", ".join(map(repr, header))
            )
        )
    return cols
