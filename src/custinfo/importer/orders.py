"""Order import, part one: which column of a shop export feeds which order field, and one
row turned into a validated order candidate.

Headers are folded like the customer import's (`mapping.header_key`: case, width, spaces,
punctuation). Shop systems name the same thing differently (淘宝/天猫, 有赞, 微信小店, 美团,
cash registers), and one export may have several columns for one field (下单时间 and
付款时间; 买家手机 and 收货人手机): every such column is kept, and a row takes the first
non-empty one in the order of `ALIASES` (pay time before creation time, the paid amount
before the order total, the buyer's phone before the recipient's). `--map COLUMN=FIELD`
overrides, and puts its column first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from custinfo import money, times
from custinfo.errors import UsageError, ValidationError
from custinfo.importer.mapping import header_key
from custinfo.text import normalize_multiline, normalize_text

#: Order fields a column can feed, each with its aliases in priority order.
ALIASES: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "order id", "order no", "order number", "order", "reference", "receipt",
            "receipt no", "订单编号", "订单号", "主订单编号", "订单id", "单号", "交易单号",
            "流水号", "小票号", "单据号", "交易号"),
    "at": ("at", "paid at", "payment time", "order date", "order time", "date", "time",
           "created at", "datetime", "付款时间", "订单付款时间", "支付时间", "成交时间",
           "交易时间", "下单时间", "订单创建时间", "创建时间", "日期", "时间"),
    "amount": ("amount", "paid", "amount paid", "total", "order total", "实付金额",
               "买家实际支付金额", "实付款", "实收款", "实收金额", "支付金额", "订单金额",
               "消费金额", "总金额", "应付金额", "合计", "金额"),
    "currency": ("currency", "币种", "货币"),
    "items": ("items", "item", "products", "product", "product name", "item name", "title",
              "商品名称", "宝贝标题", "商品标题", "商品信息", "商品", "品名", "菜品名称", "菜品"),
    "quantity": ("quantity", "qty", "数量", "购买数量", "商品数量", "宝贝总数量", "宝贝数量"),
    "phone": ("phone", "mobile", "buyer phone", "customer phone", "tel", "买家手机",
              "买家手机号", "会员手机", "会员手机号", "收货人手机", "收货人手机号",
              "收货人电话", "联系电话", "联系手机", "手机", "手机号", "手机号码", "电话"),
    "email": ("email", "e-mail", "buyer email", "customer email", "邮箱", "买家邮箱"),
    "customer_id": ("customer_id", "customer id", "客户id", "客户编号"),
    "name": ("name", "buyer name", "customer name", "buyer", "customer", "姓名", "收货人姓名",
             "收货人", "客户姓名", "客户名称", "客户", "买家昵称", "买家会员名", "买家",
             "会员名", "会员姓名"),
    "channel": ("channel", "store", "shop", "platform", "渠道", "店铺", "店铺名称", "平台",
                "销售渠道", "来源渠道"),
    "note": ("note", "notes", "remark", "memo", "comment", "备注", "订单备注", "买家留言",
             "卖家备注", "留言"),
    "status": ("status", "order status", "订单状态", "交易状态", "状态"),
    "address": ("address", "收货地址", "详细地址", "地址"),
    "city": ("city", "城市", "收货城市"),
    "ignore": ("id", "error"),  # an `order export`'s own order ids; the rejects column
}  # fmt: skip
FIELDS = tuple(ALIASES)
_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _names in ALIASES.items():
    for _rank, _alias in enumerate(_names):
        _LOOKUP.setdefault(header_key(_alias), (_field, _rank))
#: A status containing one of these means the order never happened (closed, cancelled).
CANCELLED = ("关闭", "取消", "作废", "cancel", "closed", "void")
MAX_TEXT = 2000
FUTURE_SLACK = timedelta(days=1)


def parse_maps(items: Sequence[str]) -> dict[str, str]:
    """`--map COLUMN=FIELD` options as {folded column: field}."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        target = target.strip().lower()
        if not sep or not column.strip():
            raise UsageError(f"--map {item!r}: expected COLUMN=FIELD")
        if target not in FIELDS:
            raise UsageError(
                f"--map {item!r}: unknown field {target!r} (one of {', '.join(FIELDS)})"
            )
        out[header_key(column)] = target
    return out


@dataclass
class Plan:
    """Column indexes per field, best first; and the columns nothing reads."""

    columns: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return bool(self.columns.get(name))


def plan(header: Sequence[str], overrides: dict[str, str]) -> Plan:
    """Which columns feed which field (see the module docstring)."""
    ranked: dict[str, list[tuple[int, int]]] = {}
    result = Plan()
    for key in set(overrides) - {header_key(h) for h in header}:
        raise UsageError(f"--map names a column that is not in the header: {key!r}")
    for index, name in enumerate(header):
        key = header_key(name)
        if key in overrides:
            target, rank = overrides[key], -1
        elif key in _LOOKUP:
            target, rank = _LOOKUP[key]
        else:
            result.unknown.append(name)
            continue
        if target != "ignore":
            ranked.setdefault(target, []).append((rank, index))
    result.columns = {f: [i for _, i in sorted(cols)] for f, cols in ranked.items()}
    for required in ("amount", "at"):
        if not result.has(required):
            raise UsageError(
                f"no {required} column among {', '.join(map(repr, header))}: "
                f"use --map COLUMN={required}"
            )
    if not any(result.has(f) for f in ("phone", "email", "customer_id")):
        raise UsageError("no buyer column (phone, email or customer_id): use --map COLUMN=phone")
    return result


@dataclass(slots=True)
class Candidate:
    """One valid order row, its buyer not yet looked up."""

    line: int
    at: str
    amount: int
    currency: str
    items: str
    channel: str
    ref: str | None
    note: str
    phone: str  # raw cells: looked up by the loader (cached per value)
    email: str
    customer_id: str
    name: str
    address: str
    city: str
    e164: str = ""  # the phone normalised by a conversion worker ("": not done or invalid)


class Cancelled(Exception):
    """The row's status says the order never happened (skipped, counted)."""


class Converter:
    """Turns one record (CSV cells or a JSON object) into a Candidate, or raises
    ValidationError naming the column (`.field`) and the reason."""

    def __init__(
        self, header: Sequence[str], the_plan: Plan, *, currency: str, channel: str,
        region: str = "CN",
    ) -> None:  # fmt: skip
        self.header = list(header)
        self.region = region  # for the buyer phones a conversion worker normalises
        self.plan = the_plan
        self.currency = currency
        self.channel = channel
        cols = the_plan.columns
        self._cols = {name: cols.get(name, []) for name in FIELDS}
        self._seen: dict[str, str] = {}
        #: Later order times are typos (2062), not clock skew.
        self.horizon = times.to_stored(datetime.now(UTC) + FUTURE_SLACK)
        # `_fast`: every field's first column in one itemgetter call (-1: the "" appended)
        firsts = [self._cols[name][0] if self._cols[name] else -1 for name in _ALL]
        self._width = max(firsts) + 1
        self._get = itemgetter(*firsts)
        self._multi = [(k, n) for k, n in enumerate(_ALL) if len(self._cols[n]) > 1]

    def _cell(self, cells: Sequence[str], name: str) -> tuple[str, str]:
        """(first non-empty value, its column name) of a field."""
        columns = self._cols[name]
        if len(columns) == 1:  # the usual case, without a loop
            index = columns[0]
            if index < len(cells):
                return cells[index], self.header[index]
            return "", self.header[index]
        for index in columns:
            if index < len(cells):
                value = cells[index]
                if value and not value.isspace():
                    return value, self.header[index]
        return "", name

    def convert(self, line: int, cells: Sequence[str]) -> Candidate:
        if len(cells) >= self._width:
            try:
                return self._fast(line, cells)
            except ValidationError:  # the general path names the column exactly
                pass
        return self._general(line, cells)

    def _fast(self, line: int, cells: Sequence[str]) -> Candidate:
        """`_general` for a row that has every column, without looking columns up field by
        field; ValidationError means "ask `_general`" (which words the message)."""
        values = self._get([*cells, ""])
        if self._multi:  # fields with several columns: the first non-empty one
            values = list(values)
            for k, name in self._multi:
                if not values[k] or values[k].isspace():
                    values[k] = self._cell(cells, name)[0]
        (raw_ref, raw_at, raw_amount, raw_currency, raw_items, quantity, phone, email,
         customer_id, name, raw_channel, raw_note, status, address, city) = values  # fmt: skip
        if status and any(word in status.casefold() for word in CANCELLED):
            raise Cancelled
        currency = money.check_currency(raw_currency) if raw_currency.strip() else self.currency
        amount = money.parse_amount(raw_amount, currency)
        at = _moment(raw_at)
        if at > self.horizon:
            raise ValidationError("in the future")
        seen = self._seen
        items = seen.get(raw_items) or _text(raw_items, "items")
        channel = seen.get(raw_channel) or _text(raw_channel, "channel")
        if len(seen) < 50_000:
            seen[raw_items], seen[raw_channel] = items, channel
        ref, note = _text(raw_ref, "ref"), _text(raw_note, "note", True)
        if quantity.strip():
            count = _quantity(quantity, "quantity")
            if count != 1:
                items = f"{items} ×{count}" if items else f"×{count}"
        return Candidate(line, at, amount, currency, items, channel or self.channel, ref or None,
                         note, phone, email, customer_id, name, address, city)  # fmt: skip

    def _general(self, line: int, cells: Sequence[str]) -> Candidate:
        cell = self._cell
        has = self._cols
        if has["status"]:
            status = cell(cells, "status")[0]
            if status and any(word in status.casefold() for word in CANCELLED):
                raise Cancelled
        currency = self.currency
        if has["currency"]:
            raw, column = cell(cells, "currency")
            if raw.strip():
                currency = _field(column, money.check_currency, raw)
        raw_amount, column = cell(cells, "amount")
        try:
            amount = money.parse_amount(raw_amount, currency, what=column)
            raw_at, column = cell(cells, "at")
            at = times.moment(raw_at, column)
        except ValidationError as exc:
            raise ValidationError(str(exc), column) from None
        if at > self.horizon:
            raise ValidationError(f"{column} {raw_at!r} is in the future", column)
        text = [cell(cells, name)[0] if has[name] else "" for name in _TEXTS]
        seen = self._seen  # product names and channels repeat: normalised once each
        items = seen.get(text[0]) or _text(text[0], "items")
        channel = seen.get(text[1]) or _text(text[1], "channel")
        if len(seen) < 50_000:
            seen[text[0]], seen[text[1]] = items, channel
        ref, note = _text(text[2], "ref"), _text(text[3], "note", True)
        if has["quantity"]:
            quantity, column = cell(cells, "quantity")
            count = _field(column, _quantity, quantity, column) if quantity.strip() else 1
            if count != 1:
                items = f"{items} ×{count}" if items else f"×{count}"
        return Candidate(line, at, amount, currency, items, channel or self.channel, ref or None,
                         note, *text[4:])  # fmt: skip


#: Every field a row can feed, in the order `Converter._fast` unpacks them.
_ALL = ("ref", "at", "amount", "currency", "items", "quantity", "phone", "email", "customer_id",
        "name", "channel", "note", "status", "address", "city")  # fmt: skip
#: The fields a Candidate carries as (raw or normalised) text.
_TEXTS = ("items", "channel", "ref", "note", "phone", "email", "customer_id", "name", "address",
          "city")  # fmt: skip


def _moment(raw: str) -> str:
    """`times.moment` of a cell, the usual `YYYY-MM-DD HH:MM:SS` (local time) without its
    regular expression and groups; ValidationError without the column (see `_fast`)."""
    if (len(raw) == 19 and raw[4] == raw[7] == "-" and raw[13] == raw[16] == ":"
            and raw[10] in " T" and raw.isascii()):  # fmt: skip
        y, mo, d, h, mi, s = raw[:4], raw[5:7], raw[8:10], raw[11:13], raw[14:16], raw[17:]
        if f"{y}{mo}{d}{h}{mi}{s}".isdigit():
            try:
                return times._local(int(y), int(mo), int(d), int(h), int(mi), int(s), 0)
            except (ValueError, OverflowError):
                raise ValidationError("not a real date or time") from None
    return times.moment(raw, "at")


def record_cells(record: Any, header: list[str]) -> list[str] | None:
    """A JSON object's values in `header` order (new keys are appended to `header`, which
    the plan then covers); None if the record is not an object."""
    if not isinstance(record, dict):
        return None
    for key in record:
        if key not in header:
            header.append(key)
    return ["" if record.get(k) is None else str(record.get(k)) for k in header]


def _field(column: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return parse(*args, **kwargs)
    except ValidationError as exc:
        raise ValidationError(str(exc), column) from None


def _quantity(text: str, what: str) -> int:
    value = normalize_text(text, fold_symbols=True)
    if not value.isdigit() or int(value) > 1_000_000:
        raise ValidationError(f"{what} {text!r}: expected a whole number", what)
    return int(value)


def _text(value: str, what: str, multiline: bool = False) -> str:
    if not value:
        return ""
    text = normalize_multiline(value) if multiline else normalize_text(value)
    if len(text) > MAX_TEXT:
        raise ValidationError(f"{what} is longer than {MAX_TEXT} characters", what)
    return text
