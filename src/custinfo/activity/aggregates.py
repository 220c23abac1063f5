"""Per-customer activity aggregates: derived data in `customer_activity`.

One narrow row per customer that has an order or a contact:

- `order_count`: orders with an amount >= 0 (a refund is not an order; it only lowers the
  total), in any currency;
- `spent`: the total of every order and refund in the database currency (minor units);
  other currencies are never converted or mixed in (`show` lists them apart);
- `first_order_at`, `last_order_at`: the first and last order (refunds left out);
- `last_contact_at`: the latest interaction of any kind other than a plain `note`, or the
  latest order, whichever is later.

A customer without a row has none of these (count 0, spent 0). The write gate calls
`changed` for customers whose orders or notes changed, and `removed` before customers are
deleted; `find`'s behaviour filters (`custinfo.search.activity`) read the indexed columns,
so nothing is recomputed per query.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

_IDS = "(SELECT value FROM json_each(?))"

#: The aggregates of the customers chosen by {where} ("o.customer_id ..."/"n.customer_id ..."),
#: one row each for those with an order or a contact. Parameters: currency, then those of
#: {where} twice.
_SELECT = """
WITH o AS (
    SELECT customer_id, sum(amount >= 0) AS n,
           sum(CASE WHEN currency = ? THEN amount ELSE 0 END) AS spent,
           min(CASE WHEN amount >= 0 THEN at END) AS first_at,
           max(CASE WHEN amount >= 0 THEN at END) AS last_at
    FROM orders o {where_o} GROUP BY customer_id
), n AS (
    SELECT customer_id, max(at) AS last_at FROM notes n
    WHERE kind != 'note' {and_n} GROUP BY customer_id
), ids AS (SELECT customer_id FROM o UNION SELECT customer_id FROM n)
SELECT ids.customer_id, coalesce(o.n, 0), coalesce(o.spent, 0), o.first_at, o.last_at,
       nullif(max(coalesce(o.last_at, ''), coalesce(n.last_at, '')), '')
FROM ids LEFT JOIN o ON o.customer_id = ids.customer_id
         LEFT JOIN n ON n.customer_id = ids.customer_id
"""
_INSERT = (
    "INSERT INTO customer_activity(customer_id, order_count, spent, first_order_at, "
    "last_order_at, last_contact_at) "
)


def currency(conn: Any) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'currency'").fetchone()
    return row[0] if row else "CNY"


def compute(conn: Any, ids: Sequence[int] | None = None) -> list[tuple]:
    """The aggregate rows of `ids` (None: everyone), as `customer_activity` holds them."""
    if ids is None:
        sql = _SELECT.format(where_o="", and_n="")
        return conn.execute(sql, (currency(conn),)).fetchall()
    sql = _SELECT.format(where_o=f"WHERE customer_id IN {_IDS}", and_n=f"AND customer_id IN {_IDS}")
    wanted = json.dumps(list(ids))
    return conn.execute(sql, (currency(conn), wanted, wanted)).fetchall()


def stale(conn: Any) -> list[int]:
    """Customers whose stored aggregates differ from a recomputation (tests, repair)."""
    stored = {r[0]: tuple(r) for r in conn.execute("SELECT * FROM customer_activity")}
    fresh = {r[0]: tuple(r) for r in compute(conn)}
    return sorted(i for i in stored.keys() | fresh.keys() if stored.get(i) != fresh.get(i))


class ActivityAggregates:
    """`customer_activity` as derived data of the write gate (`store.derived`)."""

    name = "activity aggregates"
    depends = frozenset({"orders", "notes"})
    writes = ("customer_activity",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        wanted = json.dumps(list(ids))
        conn.execute(f"DELETE FROM customer_activity WHERE customer_id IN {_IDS}", (wanted,))
        sql = _INSERT + _SELECT.format(
            where_o=f"WHERE customer_id IN {_IDS}", and_n=f"AND customer_id IN {_IDS}"
        )
        conn.execute(sql, (currency(conn), wanted, wanted))

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        conn.execute(
            f"DELETE FROM customer_activity WHERE customer_id IN {_IDS}", (json.dumps(list(ids)),)
        )

    def rebuild(self, conn: Any) -> None:
        conn.execute("DELETE FROM customer_activity")
        conn.execute(_INSERT + _SELECT.format(where_o="", and_n=""), (currency(conn),))


ACTIVITY = ActivityAggregates()
