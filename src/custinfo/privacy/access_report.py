"""Data-subject access report (GDPR Art. 15, PIPL Art. 45): all custinfo holds on a person.

The id is resolved once (an id merged away reports the customer it now lives in), and the
report covers that one person consistently: every field, every record of every kind
(`store.records.KINDS`), the merge history, and the audit events that name the person's id
or any id merged into it.
"""

from __future__ import annotations

import json
from typing import Any

from custinfo.store import audit, records
from custinfo.store.db import utc_now
from custinfo.store.repo import Store


def report(store: Store, customer_id: int) -> dict[str, Any]:
    """The person's customer record, records per kind, merges and audit events."""
    cid = store.resolve_id(customer_id)
    customer = store.get(cid)
    merged = store.merged_from(cid)
    conn = store.conn
    shown = customer.to_dict()
    # Kinds the customer record does not already show (phones, emails, tags and notes are
    # part of it) are listed under "records".
    kinds = {
        kind.name: [kind.to_public(r) for r in kind.rows(conn, cid)]
        for kind in records.KINDS
        if kind.name not in shown
    }
    merges = []
    for merge_id, at, snapshot in conn.execute(
        "SELECT id, at, snapshot FROM merges WHERE keep_id = ? ORDER BY id", (cid,)
    ):
        absorbed = [other["customer"]["id"] for other in json.loads(snapshot)["others"]]
        merges.append({"id": merge_id, "at": at, "merged_ids": absorbed})
    return {
        "generated_at": utc_now(),
        "customer": shown,
        "audit_events": audit.entries_for(conn, [cid, *merged]),
        "requested_id": customer_id,
        "merged_ids": merged,
        "merges": merges,
        "records": kinds,
    }
