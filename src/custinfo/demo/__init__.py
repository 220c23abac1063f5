"""Throwaway demo databases filled with synthetic customers (used by `custinfo demo`)."""

from __future__ import annotations

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.store import Store


def load_synthetic(store: Store, count: int, *, seed: int = 7) -> int:
    """Insert `count` synthetic customers through the validation layer; returns how many."""
    from custinfo.demo.synth import generate, to_fields

    region = store.region
    added = 0
    with store.write("demo") as w:
        for record in generate(count, seed=seed):
            fields = to_fields(record)
            try:
                customer = validation.customer_input(region=region, **fields)
            except ValidationError:
                continue
            w.add_customer(customer, source="demo")
            added += 1
        w.detail = f"{added} synthetic customers"
    return added
