"""The audit log: every mutating command records what happened, never personal values.

An entry holds the command, the time, how many customers it touched, which field names
changed and an optional non-personal detail (e.g. an import's row count). Customer ids go
to `audit_customers`, so a data-subject report can list a person's events and a purge can
cut the link while keeping an anonymous tombstone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from custinfo.store.db import Connection, utc_now


def record(
    conn: Connection,
    command: str,
    customer_ids: Iterable[int] = (),
    fields: Iterable[str] = (),
    detail: str | None = None,
    *,
    count: int | None = None,
) -> int:
    """Append one audit entry inside the caller's transaction; returns its id.

    `count` (how many customers it touched) defaults to the number of distinct ids; when it
    is given, `customer_ids` may be a long stream of distinct ids (an import's), linked
    without being held in memory. The write gate (`store.gate`) is the only caller."""
    if count is None:
        customer_ids = sorted(set(customer_ids))
        count = len(customer_ids)
    cur = conn.execute(
        "INSERT INTO audit(at, command, count, fields, detail) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), command, count, json.dumps(sorted(set(fields))), detail),
    )
    audit_id = cur.lastrowid
    conn.executemany(
        "INSERT OR IGNORE INTO audit_customers(audit_id, customer_id) VALUES (?, ?)",
        ((audit_id, cid) for cid in customer_ids),
    )
    return audit_id


def entries_for(conn: Connection, customer_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Audit entries that name any of `customer_ids` (a person's id and the ids merged into
    it), oldest first, each once."""
    wanted = json.dumps(sorted(set(customer_ids)))
    rows = conn.execute(
        "SELECT a.id, a.at, a.command, a.count, a.fields, a.detail FROM audit a WHERE a.id IN "
        "(SELECT audit_id FROM audit_customers WHERE customer_id IN "
        "(SELECT value FROM json_each(?))) ORDER BY a.id",
        (wanted,),
    )
    return [
        {
            "id": r[0],
            "at": r[1],
            "command": r[2],
            "count": r[3],
            "fields": json.loads(r[4]),
            "detail": r[5],
        }
        for r in rows
    ]
