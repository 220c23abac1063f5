"""v3: dedupe blocking keys, merge history and id redirects.

- `dedupe_keys`: 64-bit hashes of each customer's blocking keys (see `custinfo.dedupe.keys`),
  indexed both ways, so one new customer is checked against the database with a few index
  lookups and a full dedupe reads its candidate blocks without recomputing pinyin.
- `merges`: one row per merge, with the pre-merge snapshot (JSON) of every record involved,
  so `unmerge` can restore them exactly. It references the KEPT customer with ON DELETE
  CASCADE: erasing the kept customer erases the absorbed people's old data too.
- `merged_ids`: absorbed id → the customer it now lives in (ON DELETE CASCADE likewise).
"""

STATEMENTS = [
    """CREATE TABLE dedupe_keys (
        key INTEGER NOT NULL,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        PRIMARY KEY (key, customer_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX dedupe_keys_customer ON dedupe_keys(customer_id)",
    """CREATE TABLE merges (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        keep_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        into_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        snapshot TEXT NOT NULL
    )""",
    "CREATE INDEX merges_keep ON merges(keep_id)",
    """CREATE TABLE merged_ids (
        old_id INTEGER PRIMARY KEY,
        keep_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        merge_id INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE
    )""",
    "CREATE INDEX merged_ids_keep ON merged_ids(keep_id)",
    "CREATE INDEX merged_ids_merge ON merged_ids(merge_id)",
]


def upgrade(conn: object) -> None:
    """Compute blocking keys for the customers already in an older database."""
    from custinfo.dedupe import keys as dedupe_keys

    dedupe_keys.rebuild(conn)
