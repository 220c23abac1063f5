"""What `custinfo info` says about a database: where it is, its settings and its size."""

from __future__ import annotations

from typing import Any

from custinfo.store.repo import Store

#: (key in the output, table) for the counts.
COUNTS = (("customers", "customers"), ("orders", "orders"), ("interactions", "notes"),
          ("tags", "tags"), ("merges", "merges"), ("audit_entries", "audit"))  # fmt: skip


def describe(store: Store) -> dict[str, Any]:
    """Path, schema version, region, currency, creation time, file size and counts."""
    conn = store.conn
    facts: dict[str, Any] = {
        "path": str(store.path),
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "region": store.region,
        "currency": store.currency,
        "created_at": store.meta("created_at"),
        "size_bytes": sum(
            p.stat().st_size
            for p in (store.path, store.path.with_name(store.path.name + "-wal"))
            if p.exists()
        ),
    }
    for key, table in COUNTS:
        facts[key] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return facts
