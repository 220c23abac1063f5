"""vCard 4.0 (RFC 6350) writer: one stream of many cards, CRLF, folded at 75 octets.

Per customer: FN (the name), N (family;given, see `split_name`), one TEL per phone as a
`tel:` URI (`;ext=` for an extension), one EMAIL per email, ORG, ADR (street and city), BDAY
(YYYYMMDD), CATEGORIES (the tags), NOTE (every note as "AT TEXT", one per line), one
X-CUSTINFO-KEY per custom field (`custinfo.export.fields`), UID (`urn:custinfo:ID`) and REV
(updated_at).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from custinfo.models import Customer

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def escape(value: str) -> str:
    """Escape a text value: backslash, comma, semicolon and line breaks."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space), UTF-8 safe."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # not inside a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts) + "\r\n"


def split_name(name: str) -> tuple[str, str]:
    """(family, given): CJK names without spaces split after the first character, other
    names before the last word; a single word is the given name."""
    if " " not in name:
        if _CJK.match(name) and len(name) >= 2:
            return name[0], name[1:]
        return "", name
    given, _, family = name.rpartition(" ")
    return family, given


def card(customer: Customer) -> str:
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{escape(customer.name)}"]
    family, given = split_name(customer.name)
    lines.append(f"N:{escape(family)};{escape(given)};;;")
    for phone in customer.phones:
        number, _, ext = phone.partition(" ext. ")
        uri = f"tel:{number}" + (f";ext={ext}" if ext else "")
        lines.append(f"TEL;VALUE=uri:{uri}")
    lines.extend(f"EMAIL:{escape(email)}" for email in customer.emails)
    if customer.company:
        lines.append(f"ORG:{escape(customer.company)}")
    if customer.address or customer.city:
        street, city = escape(customer.address or ""), escape(customer.city or "")
        lines.append(f"ADR:;;{street};{city};;;")
    if customer.birthday:
        lines.append(f"BDAY:{customer.birthday.replace('-', '')}")
    if customer.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in customer.tags))
    if customer.notes:
        lines.append("NOTE:" + escape("\n".join(f"{n.at} {n.text}" for n in customer.notes)))
    if customer.fields:  # custom fields: X-CUSTINFO-KEY (custinfo.export.fields)
        from custinfo.export.fields import vcard_lines

        lines += vcard_lines(customer, escape)
    lines.append(f"UID:urn:custinfo:{customer.id}")
    if customer.updated_at:
        rev = customer.updated_at.split(".")[0].replace("-", "").replace(":", "")
        lines.append(f"REV:{rev}Z")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def write_vcards(out: TextIO, customers: Iterable[Customer]) -> int:
    count = 0
    for customer in customers:
        out.write(card(customer))
        count += 1
    return count
