"""Orders, typed interactions and per-customer activity aggregates.

- `orders`: what customers bought (record kind ORDERS, see `custinfo.store.records`).
  Amounts are integer minor units of `currency` (`custinfo.money`); a negative amount is a
  refund. `(channel, ref)` is unique when `ref` is given, so re-importing a shop export
  adds no order twice.
- `notes` become typed interactions: `kind` (existing notes get `note`), `direction`
  (in/out), `status` (open/resolved, for complaints and service cases), `ref` and
  `resolved_at`. A partial index covers the typed ones (plain notes cost nothing more).
- `customer_activity`: derived data (`custinfo.activity.aggregates`), one narrow row per
  customer with an order or a contact: order count, total spent in the database currency,
  first/last order, last contact; indexed for the behaviour filters of `find`.
- meta `currency`: the database currency (`init --currency`), CNY for older databases.

Self-contained: nothing else depends on this migration's number.
"""

from __future__ import annotations

from typing import Any

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS orders (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        items TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT '',
        ref TEXT,
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS orders_customer ON orders(customer_id, at)",
    "CREATE INDEX IF NOT EXISTS orders_at ON orders(at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS orders_ref ON orders(channel, ref) WHERE ref IS NOT NULL",
    # (the new notes columns and their index: `upgrade`)
    """CREATE TABLE IF NOT EXISTS customer_activity (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        order_count INTEGER NOT NULL,
        spent INTEGER NOT NULL,
        first_order_at TEXT,
        last_order_at TEXT,
        last_contact_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS customer_activity_spent ON customer_activity(spent)",
    "CREATE INDEX IF NOT EXISTS customer_activity_last_order ON customer_activity(last_order_at)",
    "CREATE INDEX IF NOT EXISTS customer_activity_last_contact "
    "ON customer_activity(last_contact_at)",
]


NOTE_COLUMNS = {
    "kind": "TEXT NOT NULL DEFAULT 'note'", "direction": "TEXT", "status": "TEXT",
    "ref": "TEXT", "resolved_at": "TEXT",
}  # fmt: skip


def upgrade(conn: Any) -> None:
    """Adds what is missing: a file whose `user_version` was set back by hand (the backup
    tests fake old copies that way) may have it already."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(notes)")}
    for name, definition in NOTE_COLUMNS.items():
        if name not in present:
            conn.execute(f"ALTER TABLE notes ADD COLUMN {name} {definition}")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS notes_kind ON notes(kind, status, customer_id) "
        "WHERE kind != 'note'"
    )
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('currency', 'CNY')")
