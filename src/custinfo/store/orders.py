"""Write operations for orders and typed interactions, inside a write-gate unit.

Each function takes the `Write` of the unit (`with store.write("order") as w:`), writes
validated values and notes what changed (`w.touch`), so the activity aggregates, the export
cells, the search index and the audit entry follow. Amounts are integer minor units.

Adding an order counts as activity, like a note: the customer's `updated_at` moves (so
`purge --older-than` never takes a customer who just bought something). It is set
directly, without marking the customer row changed: no derived data depends on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, NamedTuple

from custinfo.errors import NotFoundError, UsageError

if TYPE_CHECKING:  # the gate loads only when a command writes
    from custinfo.store.gate import Write

_IDS = "(SELECT value FROM json_each(?))"
_INSERT = (
    "INSERT INTO orders(customer_id, at, amount, currency, items, channel, ref, note) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

_INSERT_LAST = (
    "INSERT OR IGNORE INTO orders(at, amount, currency, items, channel, ref, note, customer_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class OrderRow(NamedTuple):
    """One validated order (see `custinfo.activity.orders.order_input`)."""

    customer_id: int
    at: str
    amount: int  # minor units; negative: a refund
    currency: str
    items: str = ""
    channel: str = ""
    ref: str | None = None
    note: str = ""


def existing_ref(w: Write, channel: str, ref: str | None) -> int | None:
    """The id of the order with this (channel, ref), if any."""
    if ref is None:
        return None
    row = w.conn.execute(
        "SELECT id FROM orders WHERE channel = ? AND ref = ?", (channel, ref)
    ).fetchone()
    return row[0] if row else None


def add_order(w: Write, order: OrderRow) -> int:
    """Insert one order; a (channel, ref) that exists already is a UsageError (exit 2)."""
    other = existing_ref(w, order.channel, order.ref)
    if other is not None:
        where = f" on channel {order.channel!r}" if order.channel else ""
        raise UsageError(f"order ref {order.ref!r}{where} exists already (order {other})")
    order_id = w.conn.execute(_INSERT, order).lastrowid
    _activity(w, [order.customer_id])
    return order_id


def insert_orders(w: Write, orders: Sequence[OrderRow]) -> None:
    """Insert many orders (the import: it has checked their refs with `known_refs`). Their
    customers' `updated_at` moves once, with `mark_active` at the end of the import."""
    w.conn.executemany(_INSERT, orders)
    w.touch("orders", {o.customer_id for o in orders})


def insert_unseen(w: Write, orders: Sequence[OrderRow | tuple]) -> tuple[int, set[int]]:
    """Insert the orders (OrderRow fields, also as plain tuples) whose (channel, ref) no
    order has yet (nor an earlier row of `orders`): the unique index `orders_ref` decides,
    in the insert itself (no lookups first). Returns how many were added and their
    customers."""
    (before,) = w.conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
    added = w.conn.executemany(_INSERT.replace("INSERT", "INSERT OR IGNORE", 1), orders).rowcount
    if added == len(orders):
        customers = {o[0] for o in orders}
    else:  # some were there already: the customers of the rows just added
        customers = {r[0] for r in w.conn.execute(
            "SELECT DISTINCT customer_id FROM orders WHERE id > ?", (before,))}  # fmt: skip
    w.touch("orders", customers)
    return added, customers


def insert_matched(
    w: Write, customer_ids: Sequence[int], rows: Sequence[tuple]
) -> tuple[int, set[int]]:
    """`insert_unseen` for the import's blocks: `rows` are the order fields after the
    customer id (at, amount, currency, items, channel, ref, note), `customer_ids` their
    customers, which the statement takes last (no per-row work in Python)."""
    (before,) = w.conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()
    params = map(tuple.__add__, rows, zip(customer_ids))
    added = w.conn.executemany(_INSERT_LAST, params).rowcount
    if added == len(rows):
        customers = set(customer_ids)
    else:  # some were there already: the customers of the rows just added
        customers = {r[0] for r in w.conn.execute(
            "SELECT DISTINCT customer_id FROM orders WHERE id > ?", (before,))}  # fmt: skip
    w.touch("orders", customers)
    return added, customers


def bulk_insert(w: Write, size: int) -> AbstractContextManager[None]:
    """Around a batch of about `size` order inserts: from `order_days.BULK` on, they go in
    without the per-order `order_days` triggers, and the batch's days are counted in one
    statement at the end (`activity.order_days.bulk`)."""
    from custinfo.activity.order_days import bulk

    return bulk(w.conn, size)


def mark_active(w: Write, ids: Iterable[int]) -> None:
    """These customers had orders added: their `updated_at` moves (one UPDATE)."""
    _moved(w, sorted(set(ids)))


def remove_order(w: Write, order_id: int) -> int:
    """Delete one order; returns its customer's id (NotFoundError if there is none)."""
    row = w.conn.execute("SELECT customer_id FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no order with id {order_id}")
    w.conn.execute("DELETE FROM orders WHERE id = ?", (order_id,))
    _activity(w, [row[0]])
    return row[0]


def resolve_note(w: Write, note_id: int, addition: str | None, at: str) -> int:
    """Close an open case (a note with status `open`): status `resolved`, `resolved_at`,
    and `addition` (the resolution, validated) appended to its text on a new line.
    Returns the customer's id."""
    row = w.conn.execute(
        "SELECT customer_id, status FROM notes WHERE id = ?", (note_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no note with id {note_id}")
    if row[1] != "open":
        state = "is resolved already" if row[1] == "resolved" else "is not an open case"
        raise UsageError(f"note {note_id} {state}")
    w.conn.execute(
        "UPDATE notes SET status = 'resolved', resolved_at = ?, "
        "text = CASE WHEN ? IS NULL THEN text ELSE text || char(10) || ? END WHERE id = ?",
        (at, addition, addition, note_id),
    )
    w.touch("notes", [row[0]], ["status"])
    _moved(w, [row[0]])
    return row[0]


def _activity(w: Write, ids: Iterable[int]) -> None:
    ids = sorted(set(ids))
    w.touch("orders", ids)
    _moved(w, ids)


def _moved(w: Write, ids: Sequence[int]) -> None:
    """Activity: `updated_at` moves (see the module docstring)."""
    w.conn.execute(
        f"UPDATE customers SET updated_at = ? WHERE id IN {_IDS}", (w.now(), json.dumps(ids))
    )
