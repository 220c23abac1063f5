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


def _detail_json(detail: str | None) -> dict[str, Any]:
    """The detail as an object when it is one (purge, export), else {}."""
    if not detail or not detail.startswith("{"):
        return {}
    try:
        value = json.loads(detail)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def entries(
    conn: Connection,
    *,
    since: str | None = None,
    command: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Audit entries, oldest first: at or after `since`, of `command`, naming any of
    `customer_ids` (all three optional). Exports (`privacy.gated`) carry their purpose,
    channel and output hash."""
    where, params = [], []
    if since:
        where.append("a.at >= ?")
        params.append(since)
    if command:
        where.append("a.command = ?")
        params.append(command)
    if customer_ids is not None:
        where.append(
            "a.id IN (SELECT audit_id FROM audit_customers WHERE customer_id IN "
            "(SELECT value FROM json_each(?)))"
        )
        params.append(json.dumps(sorted(set(customer_ids))))
    sql = "SELECT a.id, a.at, a.command, a.count, a.fields, a.detail FROM audit a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    out = []
    for r in conn.execute(sql + " ORDER BY a.id", params):
        extra = _detail_json(r[5]) if r[2] == "export" else {}
        out.append({
            "id": r[0], "at": r[1], "command": r[2], "count": r[3], "fields": json.loads(r[4]),
            "detail": r[5], "purpose": extra.get("purpose"), "channel": extra.get("channel"),
            "sha256": extra.get("sha256"),
        })  # fmt: skip
    return out


def linked_ids(conn: Connection, audit_id: int, limit: int | None = None) -> list[int]:
    """The customer ids one entry names, ascending (at most `limit`)."""
    sql = "SELECT customer_id FROM audit_customers WHERE audit_id = ? ORDER BY customer_id"
    params: list[Any] = [audit_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [r[0] for r in conn.execute(sql, params)]


def exports(
    conn: Connection, *, customer_ids: Iterable[int] | None = None, since: str | None = None
) -> list[dict[str, Any]]:
    """Gated exports (`export --for`), oldest first, with what their detail records."""
    found = []
    for entry in entries(conn, since=since, command="export", customer_ids=customer_ids):
        detail = _detail_json(entry["detail"])
        if "purpose" not in detail:
            continue
        left = detail.get("left_out") or {}
        found.append({
            "id": entry["id"], "at": entry["at"], "purpose": detail["purpose"],
            "channel": detail.get("channel"), "basis": detail.get("basis"),
            "format": detail.get("format"), "count": entry["count"],
            "exported": detail.get("exported"), "without_consent": left.get("without_consent"),
            "withdrawn": left.get("withdrawn"), "opted_out": left.get("opted_out"),
            "sha256": detail.get("sha256"),
            "filter": (detail.get("filter") or {}).get("options", []),
            "filter_hmac": (detail.get("filter") or {}).get("hmac"),
            "complete": not detail.get("incomplete", False),
        })  # fmt: skip
    return found


def listing(
    store: Any, *, since: str | None = None, command: str | None = None,
    customer_ids: Iterable[int] | None = None, ids_limit: int | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """`entries` of a Store, each with the ids it names (`ids`, at most `ids_limit`)."""
    found = entries(store.conn, since=since, command=command, customer_ids=customer_ids)
    for entry in found:
        entry["ids"] = linked_ids(store.conn, entry["id"], ids_limit)
    return found


def export_list(
    store: Any, *, customer_ids: Iterable[int] | None = None, since: str | None = None
) -> list[dict[str, Any]]:
    """`exports` of a Store."""
    return exports(store.conn, customer_ids=customer_ids, since=since)
