"""Row preparation for contact exports, before a row's values are validated (in workers).

`prepare` splits Google's ` ::: ` multi-values, drops Google's `* myContacts` group,
composes one address (street, district, region, postal code, country) from the first
address group that has values — the other groups become note lines, so nothing is lost —
reads the row's own country (numbers without +country are read in it), pairs labels with
their phones and emails, turns attribute columns (客户等级, 客户类型, 性别, Google's custom
fields) into tags (`contacts.attribute_tags`: the one place to switch them to custom
fields), and validates WeChat ids and QQ numbers. A plain sheet's rows (`is_direct`
columns only) skip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from custinfo.errors import ValidationError
from custinfo.importer.contacts import (
    ADDRESS_PARTS,
    GOOGLE_GROUPS,
    HANDLE_SPLIT,
    Column,
    attribute_tags,
    country_region,
    normalize_handle,
    normalize_label,
    split_google,
)
from custinfo.text import fold, normalize_text


@dataclass
class RowContext:
    """What `prepare` learnt about one row, for the phone/email loop and the Valid row."""

    region: str  # numbers without +country are read in it
    default: bool  # region is the import's default (the row names no country)
    labels: dict[str, str] = field(default_factory=dict)  # column -> label
    handles: list[tuple[str, str]] = field(default_factory=list)
    found_labels: list[tuple[str, str, str]] = field(default_factory=list)
    no_country_code: int = 0  # numbers read in `region` for want of a +country

    def read_phone(self, raw: str) -> str:
        """The region to parse `raw` in (and counts it when it has no country code)."""
        if not raw.lstrip(" '(").startswith(("+", "＋", "00", "011")):  # "'": Excel's guard
            self.no_country_code += 1
        return self.region

    def phone_label(self, column: str, shown: str) -> None:
        label = self.labels.get(column)
        if label:
            self.found_labels.append(("phone", shown, label))

    def email_label(self, column: str, key: str) -> None:
        label = self.labels.get(column)
        if label:
            self.found_labels.append(("email", key, label))


Item = tuple[str, str | None, Any]  # (column, field, value)
#: Fields `prepare` passes on as they are (when the column is in no group).
_DIRECT = frozenset((None, "name", "first_name", "last_name", "phone", "email", "company",
                     "birthday", "tags", "notes", "created_at", "updated_at", "ignore", "id",
                     "source"))  # fmt: skip


#: Fields whose "0/0/00" is Outlook's empty date (elsewhere it is text, e.g. a city).
_DATES = frozenset({"birthday", "created_at"})


def is_direct(column: Column) -> bool:
    """True for a column `prepare` would pass on unchanged (a plain sheet's columns)."""
    return (
        (column.field in _DIRECT or column.field in ("address", "city"))
        and not column.google and not column.group and not column.empty
    )  # fmt: skip


def prepare(
    items: list[tuple[str, Column, Any]], region: str, problems: list[tuple[str, str]]
) -> tuple[list[Item], RowContext, list[str]]:
    """The row's standard items (fields `rows.Converter` knows), its context, and note lines
    for values kept aside (address groups not used, fields custinfo has no place for)."""
    out: list[Item] = []
    extras: list[str] = []
    groups: dict[str, dict[str, tuple[str, str]]] = {}  # group -> part -> (column, value)
    order: list[str] = []
    by_group: dict[tuple[str, str], list[tuple[str, Any]]] = {}  # (field, group) -> values
    tags: list[str] = []
    ctx = RowContext(region, True)
    pending: dict[str, tuple[str, str]] = {}  # phone/email column -> its label's (field, group)
    for column, info, value in items:
        name = info.field
        if type(value) is str:
            stripped = value.strip()
            if not stripped or (stripped == "0/0/00" and name in _DATES):  # Outlook's empty date
                continue
            if info.empty and fold(value) in info.empty:
                continue
            if value[:2] == '="' and value[-1:] == '"':  # Excel's text guard
                value = value[2:-1]
        if name in _DIRECT and not info.google and not info.group:  # most columns
            if info.label:
                ctx.labels[column] = info.label
            out.append((column, name, value))
            continue
        if info.google:
            value = split_google(value)
        if name in ADDRESS_PARTS and (isinstance(value, str) or info.google):
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            if info.group not in groups:
                groups[info.group] = {}
                order.append(info.group)
            part = groups[info.group]
            if name in part:  # Street 2, Street 3: lines of the same address
                value = f"{part[name][1]}, {value}"
            part[name] = (column, str(value))
            continue
        if name == "tags" and info.google:
            values = value if isinstance(value, list) else [value]
            # Google marks its system groups "* myContacts", "* starred": only that "* "
            # mark is dropped (a tag "*" or "*VIP" of the owner's own stays as it is).
            value = [_unmarked(str(v)) for v in values]
            value = [v for v in value if v and fold(v) not in GOOGLE_GROUPS]
            if not value:
                continue
        if name in ("wechat", "qq", "attribute", "phone_label", "email_label", "im",
                    "im_service", "custom_label", "custom_value", "middle_name"):  # fmt: skip
            by_group.setdefault((name, info.group), []).append((column, value))
            continue
        if name in ("phone", "email"):
            if info.label:
                ctx.labels[column] = info.label
            elif info.group:
                pending[column] = (f"{name}_label", info.group)
        out.append((column, name, value))
    for column, key in pending.items():  # Google's Phone 1 - Label for Phone 1 - Value
        label = normalize_label(_first_text(_one(by_group, *key)))
        if label:
            ctx.labels[column] = label
    for (name, group), values in by_group.items():
        for column, value in values:
            texts = value if isinstance(value, list) else HANDLE_SPLIT.split(str(value))
            texts = [str(t).strip() for t in texts if str(t).strip()]
            try:
                if name in ("wechat", "qq"):
                    ctx.handles.extend((name, normalize_handle(name, t)) for t in texts)
                elif name == "attribute":
                    tags.extend(attribute_tags(column, " ; ".join(texts)))
                elif name == "middle_name":
                    out.append((column, "middle_name", " ".join(texts)))
                elif name == "im":
                    service = _first_text(_one(by_group, "im_service", group))
                    kind = _im_kind(service)
                    if kind is None:
                        extras.append(f"{column}: {' '.join(texts)}")
                    else:
                        ctx.handles.extend((kind, normalize_handle(kind, t)) for t in texts)
                elif name == "custom_value":
                    label = _first_text(_one(by_group, "custom_label", group)) or column
                    tags.extend(attribute_tags(label, " ; ".join(texts)))
            except ValidationError as exc:
                problems.append((column, str(exc)))
    if tags:
        out.append(("tags", "tags", tags))
    country = _address(groups, order, out, extras, region)
    if country:
        code = country_region(country)
        if code is not None:
            ctx.region, ctx.default = code, False
    return out, ctx, extras


def _one(by_group: dict[tuple[str, str], list[tuple[str, Any]]], name: str, group: str) -> Any:
    values = by_group.get((name, group))
    return values[0][1] if values else ""


def _first_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def _im_kind(service: str) -> str | None:
    key = fold(service).lstrip("* ")
    if key in ("qq", "腾讯qq"):
        return "qq"
    if key in ("wechat", "weixin", "微信"):
        return "wechat"
    return None


def _address(
    groups: dict[str, dict[str, tuple[str, str]]], order: list[str], out: list[Item],
    extras: list[str], default: str,
) -> str | None:  # fmt: skip
    """The first address group with a street, city or formatted address becomes the
    customer's address and city (a country that is the database's region is left out of
    the address); the rest go to notes. Returns the row's country."""
    chosen = None
    for group in order:
        parts = groups[group]
        if chosen is None and any(k in parts for k in ("address", "city", "address_formatted")):
            chosen = group
    country = None
    for group in order:
        parts = groups[group]
        if group == "" and group == chosen and parts.keys() <= {"address", "city"}:
            out.extend((column, name, value) for name, (column, value) in parts.items())
            if "city" not in parts and (city := city_from_address(parts["address"][1])):
                out.append((parts["address"][0], "city", city))
            continue  # a plain sheet's address and city: nothing to compose
        if group != chosen:
            extras.extend(f"{column}: {value}" for column, value in parts.values())
            if country is None and "country" in parts:
                country = parts["country"][1]
            continue
        country = parts.get("country", (None, country))[1]
        if not any(k in parts for k in ("address", "address_formatted", "address_extra",
                                        "district")):  # fmt: skip
            extras.extend(f"{c}: {v}" for k, (c, v) in parts.items() if k != "city")
            parts = {k: v for k, v in parts.items() if k == "city"}
        elif "country" in parts and country_region(parts["country"][1]) == default:
            parts = {k: v for k, v in parts.items() if k != "country"}
        street = compose_address(parts)
        if street:
            column = parts.get(
                "address", parts.get("address_formatted", next(iter(parts.values())))
            )
            out.append((column[0], "address", street))
        if "city" in parts:
            out.append((parts["city"][0], "city", parts["city"][1]))
        elif street and (city := city_from_address(street)):
            out.append((column[0], "city", city))
    return country


_CJK = re.compile(r"[\u3400-\u9fff]")


def compose_address(parts: dict[str, tuple[str, str]]) -> str:
    """One address line from the parts of an address group (city is a field of its own):
    Chinese order 省 区 street, else "street, extra, region postal code, country". A
    formatted address is used only when there is no street."""
    get = {k: normalize_text(v) for k, (_, v) in parts.items()}
    street = get.get("address") or ""
    if not street and get.get("address_formatted"):
        return get["address_formatted"]
    pieces = [get.get(k, "") for k in ("region", "district", "address_extra")]
    if _CJK.search(street + "".join(pieces)):
        head = "".join(p for p in (get.get("region", ""), get.get("district", "")) if p
                       and p not in street)  # fmt: skip
        text = head + street
        tail = " ".join(p for p in (get.get("address_extra", ""), get.get("postal_code", "")) if p)
        country = get.get("country", "")
        return " ".join(p for p in (country if country and country not in text else "", text,
                                    tail) if p)  # fmt: skip
    region_postal = " ".join(p for p in (get.get("region", ""), get.get("postal_code", "")) if p)
    return ", ".join(
        p for p in (street, get.get("address_extra", ""), get.get("district", ""), region_postal,
                    get.get("country", "")) if p
    )  # fmt: skip


def city_from_address(address: str) -> str | None:
    """The city of a Chinese address written with spaces, as Taobao exports it
    ("浙江省 杭州市 西湖区 文三路90号" -> 杭州市); None otherwise."""
    tokens = address.split()
    if len(tokens) >= 3 and _CJK.search(address):
        for token in tokens[:3]:
            if token.endswith("市") and len(token) >= 2:
                return token
    return None


def _unmarked(label: str) -> str:
    """A Google label without its system-group mark ("* starred" -> "starred")."""
    label = label.strip()
    return label[2:].strip() if label.startswith("* ") else label
