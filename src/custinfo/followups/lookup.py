"""`show`'s next follow-up, without loading the scheduling modules for a customer who has
none (most customers): one indexed lookup (`followups_customer`) decides whether
`core.next_open`, and with it `schedule`, `store.followups` and the validation, is needed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custinfo.store import Store


def next_open(store: Store, customer_id: int) -> dict[str, Any] | None:
    """`core.next_open(store, customer_id)`: the first open follow-up, or None."""
    found = store.conn.execute(
        "SELECT 1 FROM followups WHERE customer_id = ? AND status = 'open' LIMIT 1",
        (customer_id,),
    ).fetchone()
    if found is None:
        return None
    from custinfo.followups.core import next_open as first_open

    return first_open(store, customer_id)
