"""vCard import (2.1, 3.0, 4.0): a phone's .vcf export, Google's, iCloud's, custinfo's own.

The input is split into cards by its BEGIN:VCARD / END:VCARD lines (streamed: memory
stays flat, and a broken card is one rejected record naming its line), and each card is
parsed by `vobject`, which handles folded lines, escapes (`\\n`, `\\,`), 2.1's
QUOTED-PRINTABLE and CHARSET, and 4.0's `tel:` URIs' parameters.

A card becomes a record with the column names of a Google Contacts export ("Phone 1 -
Value", "Phone 1 - Label", "Address 1 - City", ...), so the one mapping
(`importer.contacts`) gives it its fields: FN (or N, family and given in the right order),
every TEL and EMAIL with its TYPE as the label, ORG, ADR (street, city, region, postal
code, country: the first address; others become notes), BDAY (also year-less `--MMDD`),
NOTE, CATEGORIES as tags, X-WECHAT / X-QQ / IMPP handles, and the X-CUSTINFO-* properties
custinfo writes (notes with their times, created and updated times). TITLE, ROLE,
NICKNAME, URL and other properties become "Title: …" note lines; PHOTO and LOGO are
skipped and counted (`Cards.photos`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from custinfo.errors import UsageError
from custinfo.i18n import _

_PICTURE = re.compile(r"(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]", re.I)
_QP = re.compile(r"^[^:]*QUOTED-PRINTABLE", re.I)
_BEGIN = re.compile(r"\s*BEGIN\s*:\s*VCARD\s*$", re.I)
_END = re.compile(r"\s*END\s*:\s*VCARD\s*$", re.I)
#: Properties that hold nothing for a customer record (or only what others hold).
_SKIP = {
    "VERSION", "PRODID", "UID", "REV", "SOURCE", "KIND", "CLASS", "MAILER", "SORT-STRING",
    "X-ANDROID-CUSTOM", "X-PHONETIC-FIRST-NAME", "X-PHONETIC-LAST-NAME", "LABEL", "X-ABLABEL",
    "X-ABUID", "X-CUSTINFO-ID", "X-CUSTINFO-SOURCE", "N", "FN", "NOTE",
}  # fmt: skip
_PHOTOS = {"PHOTO", "LOGO", "SOUND", "KEY"}
#: Properties kept as note lines "Title: 经理" (none of these names is a mapped column;
#: GENDER is: it becomes a tag like the 性别 column of a sheet).
_NOTE_NAMES = {"TITLE": "Title", "ROLE": "Role", "NICKNAME": "Nickname", "URL": "URL",
               "X-MAIDENNAME": "Maiden name", "ANNIVERSARY": "Anniversary", "GENDER": "Gender",
               "X-GENDER": "Gender", "LANG": "Language", "TZ": "Time zone", "GEO": "Geo",
               "RELATED": "Related", "X-SPOUSE": "Spouse"}  # fmt: skip
_IM_SCHEMES = {"wechat": "wechat", "weixin": "wechat", "qq": "qq", "tencent": "qq"}


class Cards:
    """The cards of a vCard stream as (line, `CardText`); counts the photos skipped.

    Only the splitting happens here, in the importing process; `parse` (vobject) runs in
    the validating workers (`rows.Converter`), so big files are parsed on every core."""

    def __init__(self, text: TextIO) -> None:
        self.text = text
        self.photos = 0
        self.cards = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        lines: list[str] = []
        start = 0
        for number, line in enumerate(self.text, start=1):
            line = line.rstrip("\r\n").lstrip("\ufeff")
            if not lines:
                if _BEGIN.fullmatch(line):
                    lines, start = [line], number
                elif line.strip() and start == 0 and number == 1:
                    raise UsageError(_("line 1: not a vCard (expected BEGIN:VCARD)"))
                continue
            if lines[-1].endswith("=") and _QP.search(lines[-1]) and not line[:1].isspace():
                lines[-1] = lines[-1][:-1] + line  # 2.1 QUOTED-PRINTABLE soft line break
                continue
            if _PICTURE.match(line):
                self.photos += 1
            lines.append(line)
            if _END.fullmatch(line):
                self.cards += 1
                yield start, CardText("\r\n".join(lines) + "\r\n")
                lines = []
        if lines:
            yield (
                start,
                BadCard(_("card starting on line {start} has no END:VCARD").format(start=start)),
            )


class CardText(str):
    """The text of one card, parsed by `parse` where the record is validated."""


class BadCard(str):
    """A card that could not be read (reported as a rejected record)."""


def parse(text: str) -> dict[str, Any] | BadCard:
    """One card as a record for `rows.Converter` (a BadCard if vobject refuses it)."""
    import logging

    import vobject

    # vobject logs unreadable lines with their text: never personal values in logs.
    logging.getLogger("vobject").disabled = True
    try:
        card = vobject.readOne(str(text), ignoreUnreadable=True)
    except Exception as exc:  # vobject raises ParseError and assorted others
        return BadCard(
            _("not a valid vCard ({name}: {reason})").format(
                name=type(exc).__name__, reason=str(exc)[:80]
            )
        )
    return card_record(card)[0]


def card_record(card: Any) -> tuple[dict[str, Any], int]:
    """(record, photos skipped) for one parsed card."""
    out: dict[str, Any] = {}
    notes: list[Any] = []
    custinfo_notes: list[dict[str, str]] = []
    extras: list[tuple[str, str]] = []
    tags: list[str] = []
    counts = {"Phone": 0, "E-mail": 0, "Address": 0}
    photos = 0
    # Apple's custom labels: "item1.TEL:…" with "item1.X-ABLabel:公司".
    ablabels = {
        (p.group or "").lower(): str(p.value).strip("_$!<>")
        for p in card.getChildren()
        if p.name.upper() == "X-ABLABEL" and p.group
    }
    for prop in card.getChildren():
        name = prop.name.upper()
        if name in _PHOTOS:
            photos += 1
        elif name == "TEL":
            counts["Phone"] += 1
            value, ext = _tel(str(prop.value))
            key = f"Phone {counts['Phone']}"
            out[f"{key} - Value"] = value + (f" ext. {ext}" if ext else "")
            out[f"{key} - Label"] = ablabels.get((prop.group or "").lower()) or _types(prop)
        elif name == "EMAIL":
            counts["E-mail"] += 1
            key = f"E-mail {counts['E-mail']}"
            out[f"{key} - Value"] = str(prop.value).strip()
            out[f"{key} - Label"] = ablabels.get((prop.group or "").lower()) or _types(prop)
        elif name == "ADR":
            counts["Address"] += 1
            _address(out, counts["Address"], prop.value)
        elif name == "ORG":
            value = prop.value
            parts = [p for p in (value if isinstance(value, list) else [value]) if str(p).strip()]
            if parts and "Organization 1 - Name" not in out:
                out["Organization 1 - Name"] = str(parts[0])
                if len(parts) > 1:
                    extras.append(("Department", ", ".join(map(str, parts[1:]))))
            elif parts:
                extras.append(("Other organization", ", ".join(map(str, parts))))
        elif name == "BDAY":
            out["Birthday"] = _bday(str(prop.value))
        elif name == "CATEGORIES":
            value = prop.value
            tags.extend(str(v) for v in (value if isinstance(value, list) else [value]))
        elif name in ("X-WECHAT", "X-QQ"):
            out.setdefault(name[2:].lower(), []).append(str(prop.value))
        elif name in ("IMPP", "X-WEIXIN", "X-TENCENT"):
            handle = _impp(prop)
            if handle is not None:
                out.setdefault(handle[0], []).append(handle[1])
            else:
                extras.append(("IM", str(prop.value)))
        elif name == "X-CUSTINFO-NOTE":
            at = prop.params.get("X-AT", [""])[0]
            custinfo_notes.append({"at": at, "text": str(prop.value)})
        elif name == "X-CUSTINFO-CREATED":
            out["created_at"] = str(prop.value)
        elif name == "X-CUSTINFO-UPDATED":
            out["updated_at"] = str(prop.value)
        elif name == "NOTE":
            notes.append(str(prop.value))
        elif name in _NOTE_NAMES:
            extras.append((_NOTE_NAMES[name], _text(prop.value)))
        elif name not in _SKIP and not name.startswith("X-"):
            extras.append((f"vCard {name}", _text(prop.value)))
    _name(out, card)
    if tags:
        out["Labels"] = tags
    if custinfo_notes:  # custinfo's own card: its NOTE only repeats these for phones
        out["Notes"] = custinfo_notes
    elif notes:
        out["Notes"] = [{"text": n} for n in notes]
    for key, value in extras:  # columns no field takes: "Title: 经理" note lines
        if value.strip():
            out[key] = f"{out[key]}; {value}" if key in out else value
    return out, photos


def _name(out: dict[str, Any], card: Any) -> None:
    fn = getattr(card, "fn", None)
    n = getattr(card, "n", None)
    family = given = ""
    if n is not None and not isinstance(n.value, str):
        family = _text(n.value.family).strip()
        given = " ".join(p for p in (_text(n.value.given), _text(n.value.additional)) if p).strip()
    if fn is not None and str(fn.value).strip():
        out["Name"] = str(fn.value)
    elif family or given:
        cjk = re.search(r"[\u3400-\u9fff]", family + given)
        out["Name"] = f"{family}{given}" if cjk else f"{given} {family}".strip()
    else:
        org = out.get("Organization 1 - Name")
        if org:  # a company card (iOS: X-ABShowAs:COMPANY) has no person's name
            out["Name"] = org


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(v) for v in value if v)
    return str(value)


def _types(prop: Any) -> str:
    """The TYPE parameters of a TEL or EMAIL (2.1's bare "TEL;CELL" too) as one label;
    none for types custinfo guessed from the number (X-GUESSED=TRUE)."""
    if "TRUE" in (v.upper() for v in prop.params.get("X-GUESSED", [])):
        return ""
    types: list[str] = []
    for value in prop.params.get("TYPE", []):
        types.extend(value.split(","))
    types.extend(getattr(prop, "singletonparams", []) or [])
    words = [t.strip().strip('"').lower() for t in types if t.strip()]
    keep = [w for w in words if w not in ("voice", "internet", "x400", "pref", "uri")]
    return ",".join(dict.fromkeys(keep or [w for w in words if w == "pref"]))


def _tel(value: str) -> tuple[str, str]:
    """A TEL value (text, or 4.0's "tel:+86-10-6234-5678;ext=23") as (number, extension)."""
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
        number, _, params = text.partition(";")
        ext = ""
        for param in params.split(";"):
            key, _, val = param.partition("=")
            if key.lower() == "ext":
                ext = val
        return number, ext
    return text, ""


def _bday(value: str) -> str:
    """BDAY as custinfo reads birthdays: 19850422 -> 1985-04-22; --0422 stays year-less;
    a time part is dropped; Apple's year 1604 means no year."""
    text = value.strip().split("T")[0]
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if text.startswith("1604-"):
        text = "--" + text[5:]
    return text


def _address(out: dict[str, Any], number: int, value: Any) -> None:
    key = f"Address {number}"
    parts = {
        "Street": getattr(value, "street", ""), "City": getattr(value, "city", ""),
        "Region": getattr(value, "region", ""), "Postal Code": getattr(value, "code", ""),
        "Country": getattr(value, "country", ""), "PO Box": getattr(value, "box", ""),
        "Extended Address": getattr(value, "extended", ""),
    }  # fmt: skip
    for part, text in parts.items():
        text = _text(text).replace("\n", " ").strip()
        if text:
            out[f"{key} - {part}"] = text


def _impp(prop: Any) -> tuple[str, str] | None:
    """(kind, handle) of an IMPP or X-WEIXIN property naming WeChat or QQ, else None."""
    value = str(prop.value).strip()
    scheme, colon, rest = value.partition(":")
    service = " ".join(prop.params.get("X-SERVICE-TYPE", [])).lower()
    if colon and scheme.lower() in _IM_SCHEMES:
        return _IM_SCHEMES[scheme.lower()], rest.lstrip("/")
    for word, kind in (("wechat", "wechat"), ("weixin", "wechat"), ("微信", "wechat"),
                       ("qq", "qq")):  # fmt: skip
        if word in service:
            return kind, rest.lstrip("/") if colon else value
    if prop.name.upper() in ("X-WEIXIN",):
        return "wechat", value
    if prop.name.upper() in ("X-TENCENT",):
        return "qq", value
    return None
