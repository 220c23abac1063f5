"""v13: covering indexes for the reports (`custinfo.reports`).

- `orders_rfm (customer_id, at, amount, currency)`: `report value` aggregates every
  customer's orders in the period from the index alone, in customer order (no table
  lookups, no sort);
- `orders_at_money (at, currency, amount, customer_id)`: revenue per currency and the
  monthly series (`report overview`, `report growth`) read a time range from the index;
- `customers_source`, `customers_city`: the overview's splits count an index, not the wide
  customer rows.

Self-contained and idempotent (`IF NOT EXISTS`): nothing else depends on its number.
"""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS orders_rfm ON orders(customer_id, at, amount, currency)",
    "CREATE INDEX IF NOT EXISTS orders_at_money ON orders(at, currency, amount, customer_id)",
    "CREATE INDEX IF NOT EXISTS customers_source ON customers(source)",
    "CREATE INDEX IF NOT EXISTS customers_city ON customers(city)",
]
