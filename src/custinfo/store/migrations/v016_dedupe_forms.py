"""v16: each customer's dedupe matching forms, stored (issue 17).

`dedupe_forms`: one row per customer with the forms a dedupe comparison needs (the name's
order-free key and its tokens, family and surname; the address's, company's and city's
folded keys: `texts`), numbers (script, birthday, 63-bit hashes of the forms compared for
equality: `codes`) and its blocking key hashes (`keys`), packed as `custinfo.dedupe.keys`
describes. Kept by the write gate with the dedupe keys, so a dedupe run reads them instead
of recomputing pinyin and folding for every customer (`custinfo.dedupe.forms`). Derived
data of personal values: deleted with the customer (ON DELETE CASCADE, and by the gate).

Self-contained and idempotent (IF NOT EXISTS; `upgrade` recomputes every row): nothing
else depends on this number.
"""

from typing import Any

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS dedupe_forms (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        texts TEXT NOT NULL,
        codes BLOB NOT NULL,
        keys BLOB NOT NULL
    )""",
]


def upgrade(conn: Any) -> None:
    from custinfo.dedupe import keys as dedupe_keys

    dedupe_keys.rebuild_forms(conn)
