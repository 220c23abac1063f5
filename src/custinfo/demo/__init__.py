"""Throwaway demo databases filled with synthetic customers (used by `custinfo demo`)."""

from __future__ import annotations

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.store import Store, audit, hooks


def load_synthetic(store: Store, count: int, *, seed: int = 7) -> int:
    """Insert `count` synthetic customers through the validation layer; returns how many."""
    from custinfo.demo.synth import generate, to_fields

    region = store.region
    added = 0
    with store.db.transaction() as conn:
        ids = []
        for record in generate(count, seed=seed):
            fields = to_fields(record)
            try:
                customer = validation.customer_input(region=region, **fields)
            except ValidationError:
                continue
            ids.append(store.insert(conn, customer, source="demo"))
            added += 1
        hooks.bulk_end(conn, ids)
        audit.record(conn, "demo", ids, ["name"], detail=f"{added} synthetic customers")
    return added
