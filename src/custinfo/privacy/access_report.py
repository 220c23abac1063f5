"""Data-subject access report (GDPR Art. 15, PIPL Art. 45): all custinfo holds on a person."""

from __future__ import annotations

from typing import Any

from custinfo.store import audit
from custinfo.store.db import utc_now
from custinfo.store.repo import Store


def report(store: Store, customer_id: int) -> dict[str, Any]:
    """The customer's every field, tag, note and source, plus the audit events naming them."""
    customer = store.get(customer_id)
    return {
        "generated_at": utc_now(),
        "customer": customer.to_dict(),
        "audit_events": audit.entries_for(store.conn, customer_id),
    }
