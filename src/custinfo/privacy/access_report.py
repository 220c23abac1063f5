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
    kinds = records.public_records(conn, [cid], shown)[cid]
    merges = []
    for merge_id, at, snapshot in conn.execute(
        "SELECT id, at, snapshot FROM merges WHERE keep_id = ? ORDER BY id", (cid,)
    ):
        absorbed = [other["customer"]["id"] for other in json.loads(snapshot)["others"]]
        merges.append({"id": merge_id, "at": at, "merged_ids": absorbed})
    people = [cid, *merged]
    return {
        "generated_at": utc_now(),
        "customer": shown,
        "audit_events": audit.entries_for(conn, [cid, *merged]),
        "requested_id": customer_id,
        "merged_ids": merged,
        "merges": merges,
        "records": kinds,
        **_consent_part(store, cid, people),
    }


def _consent_part(store: Store, cid: int, people: list[int]) -> dict[str, Any]:
    """GDPR Art. 15(1)(a, c, d): the purposes (with the person's consent state, from the
    ledger listed under records.consents), the exports that included them (the recipients
    of their data), and how long the data is kept."""
    from custinfo.privacy import consent, retention

    current = consent.current(store, cid)
    ps = consent.purposes(store)
    verdict = retention.verdicts(store.conn, ps, [cid])[cid]
    until = None if verdict.until == retention.INDEFINITE else verdict.until
    return {
        "purposes": current,
        "retention": {
            "until": until, "purpose": verdict.purpose, "rule": verdict.rule,
            "since": verdict.since,
            "note": "kept while the purpose covers them" if verdict.until == retention.INDEFINITE
            else ("no retention period applies" if verdict.until is None else ""),
        },
        "exports": audit.exports(store.conn, customer_ids=people),
    }  # fmt: skip
