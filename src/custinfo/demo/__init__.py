"""Throwaway demo databases filled with synthetic customers (used by `custinfo demo`)."""

from __future__ import annotations

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.store import Store


def load_synthetic(store: Store, count: int, *, seed: int = 7, orders: int = 0) -> int:
    """Insert `count` synthetic customers through the validation layer, and `orders`
    synthetic orders of theirs (`synth.orders`); returns how many customers."""
    from custinfo.demo.synth import generate, to_fields

    region = store.region
    ids = []
    with store.write("demo") as w:
        for record in generate(count, seed=seed):
            fields = to_fields(record)
            try:
                customer = validation.customer_input(region=region, **fields)
            except ValidationError:
                continue
            ids.append(w.add_customer(customer, source="demo"))
        if orders and ids:
            from custinfo.demo.synth.orders import orders as synthetic_orders
            from custinfo.store.orders import OrderRow, insert_orders

            made = synthetic_orders(len(ids), orders, seed=seed)
            rows = [OrderRow(ids[o.customer], o.at, o.amount, o.currency, o.items, o.channel,
                             o.ref) for o in made]  # fmt: skip
            insert_orders(w, rows)
        w.detail = f"{len(ids)} synthetic customers"
    return len(ids)
