"""What contact exports mean: Google, Outlook, phones' vCards, Chinese business sheets.

Header knowledge (`column_info`): numbered and grouped columns — Google's `Phone 1 - Value`
/ `Phone 1 - Label`, `Address 2 - City`, `Organization 1 - Name`; Outlook's `E-mail 2
Address`, `Business Street`, `Home City`, `Mobile Phone`; Chinese 微信, QQ, 省份/区县,
客户等级 — each column as a `Column`: its field, the group it belongs to (an address,
a phone and its label) and the label its name implies (Outlook's "Mobile Phone" is a cell
phone, 座机 a work phone).

Row preparation (`prepare`): runs before the row's values are validated, in the import's
workers. It splits Google's ` ::: ` multi-values, drops Google's `* myContacts` group,
composes one address (street, district, region, postal code, country) from the first
address group that has values — the other groups become note lines, so nothing is lost —
reads the row's own country (numbers without +country are read in it), pairs labels with
their phones and emails, turns attribute columns (客户等级, 客户类型, 性别, Google's custom
fields) into tags (`attribute_tags`: the one place to switch them to custom fields), and
validates WeChat ids and QQ numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from custinfo.errors import ValidationError
from custinfo.text import fold, normalize_text

#: Fields a column can have besides the customer fields (mapping.FIELDS lists them all).
CONTACT_FIELDS = (
    "middle_name", "wechat", "qq", "country", "region", "district", "postal_code",
    "attribute", "phone_label", "email_label", "im", "im_service", "custom_label",
    "custom_value", "address_extra", "address_formatted",
)  # fmt: skip
#: Fields that make up an address; several groups of them may exist (home, business, 1, 2).
ADDRESS_PARTS = ("address", "address_extra", "district", "city", "region", "postal_code",
                 "country", "address_formatted")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Column:
    """What one input column is: its field, group and implied label."""

    field: str | None
    group: str = ""  # "a1"/"business"/"home" for address parts, "1" for Phone 1 - *
    label: str = ""  # the phone/email label the header implies ("cell", "work,fax")
    google: bool = False  # Google Contacts: ' ::: ' joins values; '* myContacts' is noise
    empty: frozenset[str] = frozenset()  # folded values that mean nothing here ("normal")


# -- headers ----------------------------------------------------------------------------------
_GOOGLE = re.compile(
    r"(email|phone|address|organization|im|customfield|website|relation|event)(\d+)([a-z]+)"
)
_GOOGLE_PARTS = {
    "street": "address", "city": "city", "region": "region", "postalcode": "postal_code",
    "country": "country", "pobox": "address_extra", "extendedaddress": "address_extra",
    "formatted": "address_formatted",
}  # fmt: skip
_OUTLOOK_ADDRESS = re.compile(
    r"(business|home|other)(street|street2|street3|city|state|postalcode|countryregion|pobox)"
)
_OUTLOOK_PARTS = {
    "street": "address", "street2": "address_extra", "street3": "address_extra",
    "city": "city", "state": "region", "postalcode": "postal_code", "countryregion": "country",
    "pobox": "address_extra",
}  # fmt: skip
_OUTLOOK_EMAIL = re.compile(r"email(\d?)(address|displayname|type)")
#: Phone columns whose name says the label (header key -> label).
PHONE_COLUMNS = {
    "mobilephone": "cell", "mobile": "cell", "cellphone": "cell", "cell": "cell",
    "homephone": "home", "businessphone": "work", "workphone": "work", "carphone": "car",
    "otherphone": "other", "primaryphone": "pref", "companymainphone": "work", "pager": "pager",
    "businessfax": "work,fax", "homefax": "home,fax", "otherfax": "fax", "fax": "fax",
    "手机": "cell", "手机号": "cell", "手机号码": "cell", "移动电话": "cell", "联系手机": "cell",
    "座机": "work", "办公电话": "work", "工作电话": "work", "单位电话": "work",
    "家庭电话": "home", "住宅电话": "home", "传真": "fax",
}  # fmt: skip
#: Other headers contact exports use (header key -> field). A field None: kept as a note.
HEADERS = {
    "middlename": "middle_name", "additionalname": "middle_name",
    "organizationname": "company", "labels": "tags", "groupmembership": "tags",
    "wechat": "wechat", "weixin": "wechat", "wechatid": "wechat", "微信": "wechat",
    "微信号": "wechat", "微信id": "wechat", "微信账号": "wechat",
    "qq": "qq", "qq号": "qq", "qq号码": "qq", "qq账号": "qq",
    "country": "country", "countryregion": "country", "国家": "country",
    "国家地区": "country", "国籍": "country",
    "province": "region", "state": "region", "省": "region", "省份": "region",
    "所在省份": "region", "省市": "region",
    "district": "district", "区县": "district", "区": "district", "县": "district",
    "区域": "district", "所在区县": "district",
    "postalcode": "postal_code", "zip": "postal_code", "zipcode": "postal_code",
    "postcode": "postal_code", "邮编": "postal_code", "邮政编码": "postal_code",
    "客户等级": "attribute", "客户级别": "attribute", "客户类型": "attribute",
    "客户类别": "attribute", "客户分类": "attribute", "等级": "attribute", "级别": "attribute",
    "客户来源": "attribute", "来源": "attribute", "性别": "attribute", "gender": "attribute",
    "录入日期": "created_at", "录入时间": "created_at", "建档日期": "created_at",
    "建档时间": "created_at", "创建日期": "created_at", "添加时间": "created_at",
    "添加日期": "created_at", "登记日期": "created_at",
    "出生年月": "birthday", "出生年月日": "birthday",
    "收货人": "name", "收货人姓名": "name", "收货地址": "address", "收件人": "name",
    "emaildisplayname": "ignore", "emailtype": "ignore", "photo": "ignore",
}  # fmt: skip
#: Values that mean "nothing" in these (folded) columns: Outlook's defaults.
EMPTY_VALUES = {
    "sensitivity": {"normal"}, "priority": {"normal"}, "private": {"false"},
    "gender": {"unspecified"}, "性别": {"未知", "保密"},
}  # fmt: skip
#: Google's system groups, never tags.
GOOGLE_GROUPS = {"mycontacts"}
#: A contact person column next to a customer column means a business customer.
CONTACT_PERSON = ("联系人", "联系人姓名", "联系人名称")
CUSTOMER_COLUMNS = ("客户名称", "客户", "客户名", "单位名称")


@lru_cache(maxsize=4096)
def column_info(key: str) -> Column | None:
    """The contact-export meaning of a folded header key (`mapping.header_key`), or None."""
    if key in PHONE_COLUMNS:
        return Column("phone", label=PHONE_COLUMNS[key])
    base = re.sub(r"\d+$", "", key)
    if base != key and base in PHONE_COLUMNS:  # Home Phone 2, Business Phone 2
        return Column("phone", label=PHONE_COLUMNS[base])
    if key in HEADERS:
        return Column(HEADERS[key], google=key in ("labels", "groupmembership"))
    if match := _OUTLOOK_EMAIL.fullmatch(key):
        if match.group(2) != "address":
            return Column("ignore")  # the display name and type repeat what the row says
        return Column("email", group=match.group(1) or "1")
    if match := _GOOGLE.fullmatch(key):
        kind, number, part = match.groups()
        if kind in ("email", "phone"):
            if part == "value":
                return Column(kind, group=number, google=True)
            if part in ("label", "type"):
                return Column(f"{kind}_label", group=number, google=True)
        elif kind == "address" and part in _GOOGLE_PARTS:
            return Column(_GOOGLE_PARTS[part], group="a" + number, google=True)
        elif kind == "address" and part in ("type", "label"):
            return Column("ignore")  # "Home", "Work": the address itself is kept
        elif kind == "organization" and part == "name":
            return Column("company", group="o" + number, google=True)
        elif kind == "im" and part in ("value", "service"):
            return Column("im" if part == "value" else "im_service", group=number, google=True)
        elif kind == "customfield" and part in ("value", "label"):
            return Column(f"custom_{part}", group=number, google=True)
        return Column(None, google=True)
    if match := _OUTLOOK_ADDRESS.fullmatch(key):
        return Column(_OUTLOOK_PARTS[match.group(2)], group=match.group(1))
    return None


# -- values -----------------------------------------------------------------------------------
_HANDLE_SPLIT = re.compile(r"\s*(?:[;；,，、|\n]|\s/\s|\s:::\s)\s*")
_WECHAT = re.compile(r"[A-Za-z0-9_\-.@+]{2,64}")
_QQ = re.compile(r"[1-9]\d{4,11}")
_LABEL_WORDS = {
    "mobile": "cell", "cell": "cell", "cellular": "cell", "iphone": "cell", "手机": "cell",
    "work": "work", "business": "work", "office": "work", "工作": "work", "单位": "work",
    "home": "home", "personal": "home", "住宅": "home", "家庭": "home", "main": "pref",
    "pref": "pref", "other": "other", "fax": "fax", "workfax": "work,fax",
    "homefax": "home,fax", "pager": "pager", "car": "car", "voice": "", "internet": "",
    "x400": "",
}  # fmt: skip


def normalize_handle(kind: str, raw: str) -> str:
    """A WeChat id (letters, digits, _ - . @ +, 2-64 characters; a phone number is a
    WeChat id too) or a QQ number (5 to 12 digits)."""
    text = normalize_text(raw, fold_symbols=True)
    if kind == "qq":
        if text.lower().endswith("@qq.com"):
            text = text[: -len("@qq.com")]
        if not _QQ.fullmatch(text):
            raise ValidationError(f"QQ number {raw!r}: expected 5 to 12 digits", "qq")
        return text
    if not _WECHAT.fullmatch(text):
        raise ValidationError(
            f"WeChat id {raw!r}: expected letters, digits, _ or - without spaces", "wechat"
        )
    return text


def normalize_label(raw: str) -> str:
    """A phone or email label as stored: known words as vCard types ("Mobile" -> "cell",
    "Work Fax" -> "work,fax"), Google's primary mark "* " dropped; other words kept."""
    text = normalize_text(raw).lstrip("* ").strip()
    words = [w for w in re.split(r"[\s,;/]+", text) if w]
    known = [_LABEL_WORDS.get(w.casefold()) for w in words]
    if words and all(k is not None for k in known):
        return ",".join(dict.fromkeys(p for k in known for p in k.split(",") if p))  # type: ignore[union-attr]
    return text[:40]


def attribute_tags(column: str, value: str) -> list[str]:
    """Attribute columns (客户等级, 客户类型, 性别, a custom field) as tags "COLUMN:VALUE".
    The one place to switch them to custom fields (issue 14) once those exist."""
    name = normalize_text(column).replace(",", " ")
    values = [v for v in _HANDLE_SPLIT.split(normalize_text(value)) if v]
    return [f"{name}:{v}"[:100] for v in values]


def split_google(value: Any) -> Any:
    """Google's ' ::: ' multi-values as a list (one value stays as it is)."""
    if isinstance(value, str) and " ::: " in value:
        return [v.strip() for v in value.split(" ::: ") if v.strip()]
    return value


@lru_cache(maxsize=1024)
def country_region(value: str) -> str | None:
    """The ISO region code of a country as contact files write it ("United States of
    America", "US", "美国", "中国", "Deutschland"), or None if unknown."""
    from custinfo.importer.countries import region_code

    return region_code(value)


# -- rows -------------------------------------------------------------------------------------
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
            if not stripped or stripped == "0/0/00":  # Outlook's empty date
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
            value = [v for v in values if fold(str(v)).lstrip("* ") not in GOOGLE_GROUPS]
            value = [str(v).lstrip("* ").strip() for v in value]
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
            texts = value if isinstance(value, list) else _HANDLE_SPLIT.split(str(value))
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
