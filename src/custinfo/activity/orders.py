"""Orders: validating, adding, listing, removing and summarising what customers bought.

Amounts are integer minor units (`custinfo.money`); a negative amount is a refund. Times
are stored as UTC text; `--at` and imported times are read as local (`custinfo.times`).
Writes go through the write gate (`custinfo.store.orders`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from custinfo import money, times
from custinfo.errors import ValidationError
from custinfo.models import no_orders
from custinfo.store.orders import OrderRow
from custinfo.text import normalize_multiline, normalize_text

if TYPE_CHECKING:
    from custinfo.store import Store

#: Columns of `order list` / `order export` (CSV header, JSON keys), in this order.
COLUMNS = ("id", "customer_id", "at", "amount", "currency", "items", "channel", "ref", "note")
#: How far in the future an order time may lie (clock skew, time zones), not a typo (2062).
FUTURE_SLACK = timedelta(days=1)
MAX_FIELD = 2000
_CHUNK = 500
_SELECT = "SELECT id, customer_id, at, amount, currency, items, channel, ref, note FROM orders"


def database_currency(store: Store) -> str:
    """The database currency (`init --currency`; CNY for databases made before it)."""
    return store.meta("currency", money.DEFAULT_CURRENCY) or money.DEFAULT_CURRENCY


def clean(value: str | None, what: str, *, multiline: bool = False) -> str:
    """Optional order text, normalised; "" when empty."""
    if value is None:
        return ""
    text = normalize_multiline(value) if multiline else normalize_text(value)
    if len(text) > MAX_FIELD:
        raise ValidationError(f"{what} is longer than {MAX_FIELD} characters", what)
    return text


def order_input(
    customer_id: int, amount: str, *, currency: str, at: str | None = None,
    items: str | None = None, channel: str | None = None, ref: str | None = None,
    note: str | None = None, now: str | None = None,
) -> OrderRow:  # fmt: skip
    """A validated order: amount parsed as a decimal of `currency`, `at` (DATE or
    DATETIME, local; default now) not in the future."""
    code = money.check_currency(currency)
    minor = money.parse_amount(amount, code, what="--amount")
    if at is None or not at.strip():
        stored = now or times.to_stored(_now())
    else:
        stored = times.not_after(times.moment(at, "--at"), FUTURE_SLACK, "--at", at)
    return OrderRow(
        customer_id, stored, minor, code, clean(items, "items"), clean(channel, "channel"),
        clean(ref, "ref") or None, clean(note, "note", multiline=True),
    )  # fmt: skip


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def add(store: Store, customer_id: int, **values: Any) -> int:
    """Validate and add one order to a customer (merged ids resolve); returns its id."""
    from custinfo.store.orders import add_order

    currency = values.pop("currency", None) or database_currency(store)
    order = order_input(0, currency=currency, **values)  # validated before the write
    with store.write("order add") as w:
        cid = store.resolve_id(customer_id)
        return add_order(w, order._replace(customer_id=cid))


def remove(store: Store, order_id: int) -> int:
    """Remove one order; returns the customer's id (NotFoundError, exit 3, if unknown)."""
    from custinfo.store.orders import remove_order

    with store.write("order remove") as w:
        return remove_order(w, order_id)


@dataclass(slots=True)
class Order:
    id: int
    customer_id: int
    at: str
    amount: int
    currency: str
    items: str
    channel: str
    ref: str | None
    note: str

    def values(self) -> list[Any]:
        """The COLUMNS values (amount as a decimal string)."""
        return [self.id, self.customer_id, self.at, money.to_text(self.amount, self.currency),
                self.currency, self.items, self.channel, self.ref, self.note]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(COLUMNS, self.values(), strict=True))


def get(store: Store, order_id: int) -> Order:
    from custinfo.errors import NotFoundError

    row = store.conn.execute(_SELECT + " WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no order with id {order_id}")
    return Order(*row)


def select(
    store: Store, customer_id: int | None = None, *, since: str | None = None,
    until: str | None = None, channel: str | None = None,
) -> Iterator[Order]:  # fmt: skip
    """Orders in time order (one customer's, or everyone's), filtered by WHEN bounds
    (`since` inclusive, `until` the last day included) and channel (exact, case-folded)."""
    where, params = [], []
    if customer_id is not None:
        where.append("customer_id = ?")
        params.append(store.resolve_id(customer_id))
    if since:
        where.append("at >= ?")
        params.append(times.since(since, "--since"))
    if until:
        where.append("at < ?")
        params.append(times.until(until, "--until"))
    if channel is not None:
        where.append("lower(channel) = lower(?)")
        params.append(normalize_text(channel))
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY at, id"
    cursor = store.conn.execute(sql, params)
    while batch := cursor.fetchmany(2000):
        yield from (Order(*row) for row in batch)


def of_customers(store: Store, ids: Iterable[int]) -> Iterator[Order]:
    """The orders of `ids`, customer by customer in the order given, each in time order."""
    chunk: list[int] = []
    for cid in ids:
        chunk.append(cid)
        if len(chunk) >= _CHUNK:
            yield from _chunk_orders(store, chunk)
            chunk = []
    if chunk:
        yield from _chunk_orders(store, chunk)


def _chunk_orders(store: Store, ids: list[int]) -> Iterator[Order]:
    marks = ",".join("?" * len(ids))
    by_customer: dict[int, list[Order]] = {}
    for row in store.conn.execute(
        _SELECT + f" WHERE customer_id IN ({marks}) ORDER BY at, id", ids
    ):
        by_customer.setdefault(row[1], []).append(Order(*row))
    for cid in ids:
        yield from by_customer.pop(cid, ())


def everything(store: Store) -> Iterator[Order]:
    """Every order in id order (streaming)."""
    cursor = store.conn.execute(_SELECT + " ORDER BY id")
    while batch := cursor.fetchmany(2000):
        yield from (Order(*row) for row in batch)


# -- per-customer summaries (show, export, get_many) -----------------------------------------
def summaries(conn: Any, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """`orders_summary` of each of `ids` that has orders: count (refunds left out), totals
    per currency (refunds subtracted; decimal strings), first and last order time."""
    marks = ",".join("?" * len(ids))
    out: dict[int, dict[str, Any]] = {}
    for cid, currency, count, total, first, last in conn.execute(
        "SELECT customer_id, currency, sum(amount >= 0), sum(amount), "
        "min(CASE WHEN amount >= 0 THEN at END), max(CASE WHEN amount >= 0 THEN at END) "
        f"FROM orders WHERE customer_id IN ({marks}) GROUP BY customer_id, currency "
        "ORDER BY customer_id, currency",
        list(ids),
    ):
        summary = out.setdefault(cid, no_orders())
        summary["count"] += count
        summary["totals"][currency] = money.to_text(total, currency)
        if first and (summary["first_at"] is None or first < summary["first_at"]):
            summary["first_at"] = first
        if last and (summary["last_at"] is None or last > summary["last_at"]):
            summary["last_at"] = last
    return out


def aggregates(conn: Any, ids: Sequence[int]) -> dict[int, tuple[int, int, str | None, str | None]]:
    """(order_count, spent, last_order_at, last_contact_at) per customer of `ids` with
    activity, from the derived `customer_activity` rows."""
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT customer_id, order_count, spent, last_order_at, last_contact_at "
        f"FROM customer_activity WHERE customer_id IN ({marks})",
        list(ids),
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def summary_line(summary: dict[str, Any], currency: str) -> str:
    """`show`'s line: "7 · ¥2,093.00 · last 2026-11-11" (totals per currency, never
    summed across them); "0" without orders."""
    if not summary["count"] and not summary["totals"]:
        return "0"
    totals = {c: money.parse_amount(v, c) for c, v in summary["totals"].items()}
    parts = [str(summary["count"]), money.display_totals(totals, currency)]
    if summary["last_at"]:
        parts.append("last " + times.local_text(summary["last_at"], with_time=False))
    return " · ".join(parts)
