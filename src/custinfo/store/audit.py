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

from custinfo.store.db import utc_now


def record(
    conn: Any,
    command: str,
    customer_ids: Iterable[int] = (),
    fields: Iterable[str] = (),
    detail: str | None = None,
) -> int:
    """Append one audit entry inside the caller's transaction; returns its id."""
    ids = sorted(set(customer_ids))
    cur = conn.execute(
        "INSERT INTO audit(at, command, count, fields, detail) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), command, len(ids), json.dumps(sorted(set(fields))), detail),
    )
    audit_id = cur.lastrowid
    conn.executemany(
        "INSERT INTO audit_customers(audit_id, customer_id) VALUES (?, ?)",
        ((audit_id, cid) for cid in ids),
    )
    return audit_id


def entries_for(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    """Audit entries that name one customer, oldest first."""
    rows = conn.execute(
        "SELECT a.id, a.at, a.command, a.count, a.fields, a.detail FROM audit a "
        "JOIN audit_customers ac ON ac.audit_id = a.id WHERE ac.customer_id = ? ORDER BY a.id",
        (customer_id,),
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
