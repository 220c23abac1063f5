"""v18: `dedupe_keys` without its customer-id index (issue 19).

Every customer's key hashes are also in its `dedupe_forms` row (`keys`), written with them
by the write gate. So the gate deletes a customer's keys by (key, customer id), read from
that row (`custinfo.dedupe.keys.removed`), and the second tree over ~4.4 keys a customer,
which every insert also had to update, goes. So does the foreign key: its ON DELETE
CASCADE needs that index to find the rows (the gate deletes them before the customer).

The table is filled again from the forms, in key order, so keys and forms agree by
construction (keys computed by an older custinfo, before v16, are replaced).

Self-contained and idempotent (the new table is dropped first): nothing else depends on
this number.
"""

from typing import Any

STATEMENTS = [
    "DROP TABLE IF EXISTS dedupe_keys_v18",
    """CREATE TABLE dedupe_keys_v18 (
        key INTEGER NOT NULL,
        customer_id INTEGER NOT NULL,
        PRIMARY KEY (key, customer_id)
    ) WITHOUT ROWID""",
]


def upgrade(conn: Any) -> None:
    from custinfo.dedupe import keys as dedupe_keys

    dedupe_keys.fill_from_forms(conn, "dedupe_keys_v18")
    conn.execute("DROP TABLE dedupe_keys")
    conn.execute("ALTER TABLE dedupe_keys_v18 RENAME TO dedupe_keys")
