"""v14: revenue per UTC day and currency (`custinfo.activity.order_days`), for the reports.

`order_days`: one row per (UTC day, currency) with orders, refunds and their sums (integer
minor units): `orders` counts amounts >= 0, `refunds` amounts < 0, `net` sums every amount,
`refunded` the negative ones. No customer appears in it. Three triggers keep it in step
with `orders` inside whatever transaction writes an order (the write gate's), so every
road that adds, removes or changes orders (add, import, remove, purge's cascade, restore)
keeps it exact; moving orders between customers (merge, unmerge) does not change it. A day
whose counts reach 0 is deleted, so the table always equals a recomputation.

`customer_activity_orders`: the share of repeat buyers counts this narrow index, not the
aggregate rows.

Self-contained and idempotent (IF NOT EXISTS, filled only when empty): nothing else depends
on this number.
"""

from __future__ import annotations

_ADD = """INSERT INTO order_days(day, currency, orders, refunds, net, refunded)
        VALUES (substr(NEW.at, 1, 10), NEW.currency, NEW.amount >= 0, NEW.amount < 0,
                NEW.amount, min(NEW.amount, 0))
        ON CONFLICT(day, currency) DO UPDATE SET orders = orders + excluded.orders,
            refunds = refunds + excluded.refunds, net = net + excluded.net,
            refunded = refunded + excluded.refunded;"""
_TAKE = """UPDATE order_days SET orders = orders - (OLD.amount >= 0),
            refunds = refunds - (OLD.amount < 0), net = net - OLD.amount,
            refunded = refunded - min(OLD.amount, 0)
        WHERE day = substr(OLD.at, 1, 10) AND currency = OLD.currency;
        DELETE FROM order_days WHERE day = substr(OLD.at, 1, 10) AND currency = OLD.currency
            AND orders = 0 AND refunds = 0;"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS order_days (
        day TEXT NOT NULL,
        currency TEXT NOT NULL,
        orders INTEGER NOT NULL,
        refunds INTEGER NOT NULL,
        net INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        PRIMARY KEY (day, currency)
    ) WITHOUT ROWID""",
    f"CREATE TRIGGER IF NOT EXISTS order_days_insert AFTER INSERT ON orders BEGIN {_ADD} END",
    f"CREATE TRIGGER IF NOT EXISTS order_days_delete AFTER DELETE ON orders BEGIN {_TAKE} END",
    "CREATE TRIGGER IF NOT EXISTS order_days_update AFTER UPDATE OF at, amount, currency "
    f"ON orders BEGIN {_TAKE} {_ADD} END",
    """INSERT INTO order_days(day, currency, orders, refunds, net, refunded)
    SELECT substr(at, 1, 10), currency, sum(amount >= 0), sum(amount < 0), sum(amount),
           sum(min(amount, 0))
    FROM orders WHERE NOT EXISTS (SELECT 1 FROM order_days)
    GROUP BY substr(at, 1, 10), currency""",
    # `report overview`'s share of repeat buyers counts a narrow index, not the wide rows
    "CREATE INDEX IF NOT EXISTS customer_activity_orders ON customer_activity(order_count)",
]
