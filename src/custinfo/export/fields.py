"""Custom fields in exports: CSV columns `field:KEY`, vCard `X-CUSTINFO-KEY` properties.

CSV: one column per declared field, in field order, after every fixed column, with the
header `field:KEY` and the value's text form (`custinfo.fields.values.to_text`: money as
a decimal, multichoice joined with ";", bool yes/no), which `custinfo import` reads back
unchanged. JSON and NDJSON carry `fields` through `Customer.to_dict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custinfo.fields import Catalog
from custinfo.fields.values import json_text
from custinfo.models import Customer

PREFIX = "field:"
VCARD_PREFIX = "X-CUSTINFO-"


def csv_catalog(conn: Any) -> Catalog:
    from custinfo.store.fields import catalog

    return catalog(conn)


def csv_header(cat: Catalog) -> list[str]:
    return [PREFIX + f.key for f in cat]


def csv_extend(conn: Any, cat: Catalog, batch: Sequence[tuple]) -> list[tuple]:
    """The rows of `batch` (customer id first) with one cell per field appended."""
    from custinfo.store.fields import values_of

    values = values_of(conn, [r[0] for r in batch])
    empty = ("",) * len(cat)
    out = []
    for row in batch:
        held = values.get(row[0])
        if held is None:
            out.append((*row, *empty))
        else:
            cells = (cat.to_text(f, held[f.id]) if f.id in held else "" for f in cat)
            out.append((*row, *cells))
    return out


def lines_extend(conn: Any, cat: Catalog, ids: Sequence[int], lines: Sequence[str]) -> list[str]:
    """The CSV `lines` of the customers `ids` with one cell per field appended, quoted as
    `csv_sql.quote` does."""
    from custinfo.export.csv_sql import quote
    from custinfo.store.fields import values_of

    values = values_of(conn, list(ids))
    empty = "," * len(cat)
    out = []
    for cid, line in zip(ids, lines, strict=True):
        held = values.get(cid)
        if held is None:
            out.append(line + empty)
        else:
            cells = [quote(cat.to_text(f, held[f.id])) if f.id in held else "" for f in cat]
            out.append(line + "," + ",".join(cells))
    return out


#: Keys whose X-CUSTINFO-KEY is one of custinfo's own vCard properties: written
#: X-CUSTINFO-FIELD-KEY instead.
RESERVED = frozenset(("id", "source", "note", "created", "updated"))


def vcard_name(key: str) -> str:
    """The vCard property of a field: X-CUSTINFO-MEMBER-NO for member_no (vCard names
    allow letters, digits and "-"; keys have no "-", so the mapping is reversible);
    X-CUSTINFO-FIELD-NOTE for the `RESERVED` keys."""
    name = key.upper().replace("_", "-")
    return VCARD_PREFIX + ("FIELD-" + name if key in RESERVED else name)


def field_key(property_name: str) -> str | None:
    """The field key of an `X-CUSTINFO-KEY` property name (the vCard reader's inverse)."""
    name = property_name.upper()
    if not name.startswith(VCARD_PREFIX):
        return None
    key = name[len(VCARD_PREFIX) :].lower().replace("-", "_")
    if key in RESERVED:
        return None  # custinfo's own property
    if key.startswith("field_") and key[6:] in RESERVED:
        return key[6:]
    return key


def vcard_lines(customer: Customer, escape: Any) -> list[str]:
    """`X-CUSTINFO-KEY:value` lines for a customer's fields (`escape`: the vCard text
    escaping of the writer)."""
    return [f"{vcard_name(k)}:{escape(json_text(v))}" for k, v in customer.fields.items()]
