"""v4: purge and backup: suppression list, purge log, per-database keys in meta.

- `suppressed`: keyed HMAC-SHA256 of erased people's normalised phones and emails (never the
  values), so a later add or import of the same contact can be refused.
- `purge_log`: one anonymous row per purge (uid, time, count, reason). A restored backup
  carries its own log, which tells which purges from the journal must be re-applied.
- meta `suppression_key` (random, only inside the encrypted file) keys the HMACs; meta
  `db_uid` ties the purge journal file to this database.
"""

from __future__ import annotations

import secrets
from typing import Any

STATEMENTS = [
    """CREATE TABLE suppressed (
        hmac BLOB PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
        purge_uid TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE purge_log (
        uid TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        count INTEGER NOT NULL,
        reason TEXT NOT NULL
    ) WITHOUT ROWID""",
]


def upgrade(conn: Any) -> None:
    for key in ("suppression_key", "db_uid"):
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, secrets.token_hex(32))
        )
