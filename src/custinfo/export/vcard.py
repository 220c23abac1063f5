"""vCard writer: 3.0 (RFC 2426) by default, which Android Contacts, iOS and Outlook import;
4.0 (RFC 6350) on request. One stream of many cards, CRLF, folded at 75 octets.

Per customer: FN (the name as stored), N (family;given: `split_name`), one TEL per phone
with its TYPE (the label the customer's file gave it, else CELL for a mobile number and
VOICE otherwise, marked X-GUESSED=TRUE: old Outlook drops a TEL without a TYPE; a label
vCard has no word for is written Apple's way, `item1.TEL` + `item1.X-ABLabel`), one
EMAIL per email (TYPE=INTERNET plus its label), ORG, ADR (street and city), BDAY (3.0
`1985-04-22` or year-less `--04-22`; 4.0 `19850422` or `--0422`), CATEGORIES (the tags),
NOTE (every note "DATE TEXT", for people reading the card on a phone), UID
(`urn:custinfo:ID`) and REV.

`X-` properties carry what vCard has no property for, so that a custinfo vCard imports
back losslessly (`importer.vcard` reads them): X-WECHAT and X-QQ (the messenger handles),
X-CUSTINFO-NOTE;X-AT=… (each note with its exact time; the NOTE is then only a summary),
X-CUSTINFO-CREATED and X-CUSTINFO-UPDATED (the stored times), and one X-CUSTINFO-KEY per
custom field (`custinfo.export.fields`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from custinfo.models import Customer

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
VERSIONS = ("3.0", "4.0")
#: Labels (`records.CONTACT_LABELS`) vCard has a TYPE for.
_TYPES = {"cell", "work", "home", "fax", "pager", "pref", "car", "voice", "video", "text",
          "msg", "bbs", "modem", "isdn", "pcs"}  # fmt: skip


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


def _param(value: str) -> str:
    """A parameter value: quoted when it holds , ; or :, without quotes and line breaks."""
    text = value.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{text}"' if any(ch in text for ch in ",;:") else text


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
    """(family, given) of a stored name.

    "Smith, John" -> (Smith, John); "WEI, Zhang" and "ZHANG Wei" -> (Wei/Zhang, …): a
    family name written in capitals, as Chinese names often are in Latin letters, is
    title-cased; Chinese names without spaces split after the surname, two characters
    for the compound surnames dedupe knows (欧阳娜娜 -> 欧阳, 娜娜; 司马光 -> 司马, 光);
    other names before the last word; a single word is the given name."""
    from custinfo.dedupe.normalize import COMPOUND_SURNAMES

    text = " ".join(name.split())
    if "," in text:
        family, _, given = (p.strip() for p in text.partition(","))
        return _caps(family), given
    if " " not in text:
        if _CJK.match(text) and len(text) >= 2:
            size = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
            return text[:size], text[size:]
        return "", text
    words = text.split(" ")
    first = words[0]
    if first.isupper() and len(first) > 1 and not all(w.isupper() for w in words[1:]):
        return _caps(first), " ".join(words[1:])  # "ZHANG Wei": family name first
    return words[-1], " ".join(words[:-1])


def _caps(family: str) -> str:
    return family.title() if family.isupper() and len(family) > 1 else family


def _phone_types(e164: str, label: str | None) -> tuple[list[str], str | None, bool]:
    """(TYPE values, custom label, types guessed from the number) of a phone."""
    if label:
        words = [w for w in label.split(",") if w]
        known = [w.upper() for w in words if w in _TYPES]
        custom = ", ".join(w for w in words if w not in _TYPES) or None
        if known:
            return known, custom, False
        return [_kind(e164)], custom, True
    return [_kind(e164)], None, True


def _kind(e164: str) -> str:
    """CELL for a mobile number, VOICE otherwise (phonenumbers' number type)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "VOICE"
    kind = phonenumbers.number_type(number)
    kinds = phonenumbers.PhoneNumberType
    mobile = (kinds.MOBILE, kinds.FIXED_LINE_OR_MOBILE)
    return "CELL" if kind in mobile else "VOICE"


def card(
    customer: Customer, version: str = "3.0", labels: dict[tuple[str, str], str] | None = None
) -> str:
    """One customer as a vCard of `version` ("3.0" or "4.0")."""
    labels = labels or {}
    v4 = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"FN:{escape(customer.name)}"]
    family, given = split_name(customer.name)
    lines.append(f"N:{escape(family)};{escape(given)};;;")
    items = 0
    for phone in customer.phones:
        number, _, ext = phone.partition(" ext. ")
        types, custom, guessed = _phone_types(number, labels.get(("phone", phone)))
        mark = ";X-GUESSED=TRUE" if guessed else ""  # not a label: importing it gives none
        group = ""
        if custom:
            items += 1
            group = f"item{items}."
        if v4:
            uri = f"tel:{number}" + (f";ext={ext}" if ext else "")
            types_param = _param(",".join(types).lower())
            lines.append(f"{group}TEL;VALUE=uri;TYPE={types_param}{mark}:{uri}")
        else:
            lines.append(f"{group}TEL;TYPE={','.join(types)}{mark}:{escape(phone)}")
        if custom:
            lines.append(f"{group}X-ABLabel:{escape(custom)}")
    for email in customer.emails:
        label = labels.get(("email", email.casefold()), "")
        words = [w for w in label.split(",") if w in ("work", "home", "pref")]
        if v4:
            param = f";TYPE={_param(','.join(words))}" if words else ""
        else:
            param = ";TYPE=" + ",".join(["INTERNET", *(w.upper() for w in words)])
        lines.append(f"EMAIL{param}:{escape(email)}")
    if customer.company:
        lines.append(f"ORG:{escape(customer.company)}")
    if customer.address or customer.city:
        street, city = escape(customer.address or ""), escape(customer.city or "")
        lines.append(f"ADR:;;{street};{city};;;")
    if customer.birthday:
        lines.append(f"BDAY:{_bday(customer.birthday, v4)}")
    if customer.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in customer.tags))
    lines.extend(f"X-WECHAT:{escape(h)}" for h in customer.wechat)
    lines.extend(f"X-QQ:{escape(h)}" for h in customer.qq)
    if customer.notes:
        summary = "\n".join(f"{n.at[:10]} {n.text}" for n in customer.notes)
        lines.append("NOTE:" + escape(summary))
        lines.extend(
            f"X-CUSTINFO-NOTE;X-AT={_param(n.at)}:{escape(n.text)}" for n in customer.notes
        )
    if customer.fields:  # custom fields: X-CUSTINFO-KEY (custinfo.export.fields)
        from custinfo.export.fields import vcard_lines

        lines += vcard_lines(customer, escape)
    lines.append(f"UID:urn:custinfo:{customer.id}")
    if customer.created_at:
        lines.append(f"X-CUSTINFO-CREATED:{escape(customer.created_at)}")
    if customer.updated_at:
        lines.append(f"X-CUSTINFO-UPDATED:{escape(customer.updated_at)}")
        rev = customer.updated_at.split(".")[0].replace("-", "").replace(":", "")
        lines.append(f"REV:{rev.rstrip('Z')}Z")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def _bday(birthday: str, v4: bool) -> str:
    """3.0: 1985-04-22 or --04-22 (as Google writes it); 4.0: 19850422 or --0422."""
    if not v4:
        return birthday
    if birthday.startswith("--"):
        return "--" + birthday[2:].replace("-", "")
    return birthday.replace("-", "")


def write_vcards(
    out: TextIO, batches: Iterable[Sequence[Customer]], version: str = "3.0",
    labels: Any = None,
) -> int:  # fmt: skip
    """Cards for customers given in batches; `labels(ids)` gives their phone and email
    labels ({id: {(kind, value): label}}, `Store.labels`)."""
    count = 0
    for batch in batches:
        found = labels([c.id for c in batch]) if labels is not None else {}
        for customer in batch:
            out.write(card(customer, version, found.get(customer.id)))
            count += 1
    return count


def batches(customers: Iterable[Customer], size: int = 500) -> Iterator[list[Customer]]:
    batch: list[Customer] = []
    for customer in customers:
        batch.append(customer)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
