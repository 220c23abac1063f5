"""What contact exports' columns mean: Google, Outlook, phones' vCards, Chinese sheets.

Header knowledge (`column_info`): numbered and grouped columns — Google's `Phone 1 - Value`
/ `Phone 1 - Label`, `Address 2 - City`, `Organization 1 - Name`; Outlook's `E-mail 2
Address`, `Business Street`, `Home City`, `Mobile Phone`; Chinese 微信, QQ, 省份/区县,
客户等级 — each column as a `Column`: its field, the group it belongs to (an address,
a phone and its label) and the label its name implies (Outlook's "Mobile Phone" is a cell
phone, 座机 a work phone). The values these columns hold are read by the helpers below
(`normalize_handle`, `normalize_label`, `attribute_tags`, `country_region`); a row is put
together from them by `importer.prepare`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from custinfo.errors import ValidationError
from custinfo.i18n import _
from custinfo.text import normalize_text

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
HANDLE_SPLIT = re.compile(r"\s*(?:[;；,，、|\n]|\s/\s|\s:::\s)\s*")
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
            raise ValidationError(
                _("QQ number {raw!r}: expected 5 to 12 digits").format(raw=raw), "qq"
            )
        return text
    if not _WECHAT.fullmatch(text):
        raise ValidationError(
            _("WeChat id {raw!r}: expected letters, digits, _ or - without spaces").format(raw=raw),
            "wechat",
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
    values = [v for v in HANDLE_SPLIT.split(normalize_text(value)) if v]
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
