"""Revenue per UTC day and currency: derived data in `order_days`, for the reports.

The table (migration v014) is kept in step with `orders` by SQLite triggers, inside the
transaction of whatever writes an order, so this implementation has nothing to do when the
write gate reports a change; it declares the table (the schema coverage test and `rebuild`
read the declaration) and answers the one question the reports ask: the orders and revenue
of a time window, per currency, without reading every order of it.

A window `[start, end)` (stored UTC text) is the UTC days wholly inside it, read from
`order_days`, plus the orders of its partial first and last day, read from `orders_at_money`
(at most a day's orders each), so any local time zone, half-hour offsets included, gets the
exact figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

#: currency -> [orders, refunds, net, refunded] of a window (refunds are amounts < 0)
Totals = dict[str, list[int]]

_RECOMPUTE = (
    "SELECT substr(at, 1, 10), currency, sum(amount >= 0), sum(amount < 0), sum(amount), "
    "sum(min(amount, 0)) FROM orders GROUP BY substr(at, 1, 10), currency"
)


class OrderDays:
    """`order_days` as derived data (`store.derived`); the triggers do the updating."""

    name = "order days"
    depends = frozenset({"orders"})
    writes = ("order_days",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        """Nothing: the triggers on `orders` updated the days in the same transaction."""

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        """Nothing: deleting the orders (cascade) runs the delete trigger."""

    def rebuild(self, conn: Any) -> None:
        conn.execute("DELETE FROM order_days")
        conn.execute(
            "INSERT INTO order_days(day, currency, orders, refunds, net, refunded) " + _RECOMPUTE
        )


ORDER_DAYS = OrderDays()

#: A batch from this size on inserts with the triggers off (`bulk`): an UPSERT per order
#: costs 2-4 CPU-s per million orders, one GROUP BY of the batch a fraction of it.
BULK = 2_000


@contextmanager
def bulk(conn: Any, size: int = BULK) -> Iterator[None]:
    """Inside the caller's transaction, for a block that only inserts orders: with `size`
    from `BULK` on, the triggers are dropped, and on the way out (error or not) the days of
    the orders added meanwhile (ids above the highest before) are added in one GROUP BY and
    the same triggers created again, so the days stay exact; a rollback undoes it all."""
    if size < BULK:
        yield
        return
    (top,) = conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'orders' "
        "AND name LIKE 'order_days_%'"
    ).fetchall()
    if not triggers:  # (inside another `bulk`: that one adds the days)
        yield
        return
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        conn.execute(
            "INSERT INTO order_days(day, currency, orders, refunds, net, refunded) "
            "SELECT substr(at, 1, 10), currency, sum(amount >= 0), sum(amount < 0), sum(amount), "
            "sum(min(amount, 0)) FROM orders WHERE id > ? GROUP BY substr(at, 1, 10), currency "
            "ON CONFLICT(day, currency) DO UPDATE SET orders = orders + excluded.orders, "
            "refunds = refunds + excluded.refunds, net = net + excluded.net, "
            "refunded = refunded + excluded.refunded",
            (top,),
        )
        for _name, sql in triggers:
            conn.execute(sql)


def stale(conn: Any) -> list[tuple]:
    """Rows where `order_days` differs from a recomputation (tests, repair): empty if exact."""
    stored = set(conn.execute("SELECT * FROM order_days").fetchall())
    fresh = set(conn.execute(_RECOMPUTE).fetchall())
    return sorted(stored ^ fresh)


def _midnight(day: str) -> str:
    return f"{day}T00:00:00.000000Z"


def window(conn: Any, start: str, end: str) -> Totals:
    """Orders in `[start, end)` per currency: `[orders, refunds, net, refunded]`."""
    first = start[:10] if start == _midnight(start[:10]) else _next(start[:10])
    last = end[:10]  # full days are first <= day < last
    totals: Totals = {}
    if first < last:
        rows = conn.execute(
            "SELECT currency, sum(orders), sum(refunds), sum(net), sum(refunded) "
            "FROM order_days WHERE day >= ? AND day < ? GROUP BY currency",
            (first, last),
        ).fetchall()
        edges = [(start, _midnight(first)), (_midnight(last), end)]
    else:
        rows, edges = [], [(start, end)]
    for lo, hi in edges:
        if lo < hi:
            rows += conn.execute(
                "SELECT currency, sum(amount >= 0), sum(amount < 0), sum(amount), "
                "sum(min(amount, 0)) FROM orders WHERE at >= ? AND at < ? GROUP BY currency",
                (lo, hi),
            ).fetchall()
    for currency, *sums in rows:
        held = totals.setdefault(currency, [0, 0, 0, 0])
        for i, value in enumerate(sums):
            held[i] += value
    return totals


def _next(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
