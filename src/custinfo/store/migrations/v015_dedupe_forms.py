"""v15: each customer's dedupe matching forms, stored (issue 17).

`dedupe_forms`: one row per customer with the forms a dedupe comparison needs (the name's
order-free key and its tokens, whether it is written in Chinese characters, its family and
surname tokens; the address's, company's and city's folded keys; the birthday as a number;
63-bit hashes of the forms compared for equality, `h_*`), kept by the write gate
with the dedupe keys (`custinfo.dedupe.keys`), so a dedupe run reads them instead of
recomputing pinyin and folding for every customer (`custinfo.dedupe.forms`). Derived data
of personal values: deleted with the customer (ON DELETE CASCADE, and by the gate).

Self-contained and idempotent (IF NOT EXISTS; `upgrade` recomputes every row): nothing
else depends on this number.
"""

from typing import Any

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS dedupe_forms (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        first TEXT NOT NULL,
        last TEXT NOT NULL,
        family TEXT NOT NULL,
        surname TEXT NOT NULL,
        address TEXT NOT NULL,
        company TEXT NOT NULL,
        city TEXT NOT NULL,
        cjk INTEGER NOT NULL,
        ntok INTEGER NOT NULL,
        birthday INTEGER NOT NULL,
        h_name INTEGER NOT NULL,
        h_raw INTEGER NOT NULL,
        h_address INTEGER NOT NULL,
        h_house INTEGER NOT NULL,
        h_company INTEGER NOT NULL,
        h_city INTEGER NOT NULL,
        h_birthday INTEGER NOT NULL
    )""",
]


def upgrade(conn: Any) -> None:
    from custinfo.dedupe import keys as dedupe_keys

    dedupe_keys.rebuild_forms(conn)
