"""One customer's history in time order: interactions, orders and merges.

Every entry is an `Event` with the same columns, whatever its source, so that other
records (follow-ups) join by adding a source to `sources()`:

    at        stored UTC time            type      interaction | order | merge
    id        the record's id            kind      note, call, ... | order, refund | merge
    direction in | out (interactions)    status    open | resolved (cases)
    amount    decimal string (orders)    currency  ISO 4217 (orders)
    text      note text, items, or what a merge did
    channel   (orders)                   ref       (interactions, orders)

Sorted by time, then type (in `TYPES` order), then id. Each source is one indexed query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from custinfo import money, times
from custinfo.activity.interactions import KINDS
from custinfo.errors import ValidationError
from custinfo.text import normalize_text

if TYPE_CHECKING:
    from custinfo.store import Store

COLUMNS = ("at", "type", "id", "kind", "direction", "status", "amount", "currency", "text",
           "channel", "ref")  # fmt: skip
TYPES = ("interaction", "order", "merge")


class Event(NamedTuple):
    at: str
    type: str
    id: int
    kind: str
    direction: str | None = None
    status: str | None = None
    amount: str | None = None
    currency: str | None = None
    text: str = ""
    channel: str | None = None
    ref: str | None = None


Source = Callable[[Any, int, str | None], Iterable[Event]]


def _interactions(conn: Any, cid: int, since: str | None) -> Iterable[Event]:
    sql = "SELECT at, id, kind, direction, status, text, ref FROM notes WHERE customer_id = ?"
    params: list[Any] = [cid]
    if since:
        sql += " AND at >= ?"
        params.append(since)
    for at, nid, kind, direction, status, text, ref in conn.execute(sql, params):
        yield Event(at, "interaction", nid, kind, direction, status, text=text, ref=ref)


def _orders(conn: Any, cid: int, since: str | None) -> Iterable[Event]:
    sql = "SELECT at, id, amount, currency, items, channel, ref FROM orders WHERE customer_id = ?"
    params: list[Any] = [cid]
    if since:
        sql += " AND at >= ?"
        params.append(since)
    for at, oid, amount, currency, items, channel, ref in conn.execute(sql, params):
        kind = "refund" if amount < 0 else "order"
        text = money.to_text(amount, currency)
        yield Event(at, "order", oid, kind, None, None, text, currency, items, channel, ref)


def _merges(conn: Any, cid: int, since: str | None) -> Iterable[Event]:
    sql = "SELECT id, at, snapshot FROM merges WHERE keep_id = ?"
    params: list[Any] = [cid]
    if since:
        sql += " AND at >= ?"
        params.append(since)
    for mid, at, snapshot in conn.execute(sql, params):
        absorbed = [other["customer"]["id"] for other in json.loads(snapshot)["others"]]
        text = "merged " + ", ".join(f"#{i}" for i in absorbed)
        yield Event(at, "merge", mid, "merge", text=text)


def sources() -> tuple[Source, ...]:
    """Where timeline entries come from (follow-ups add theirs here)."""
    return (_interactions, _orders, _merges)


def kinds() -> tuple[str, ...]:
    """Values `--kind` accepts: an entry's kind or its type."""
    return (*KINDS, "order", "refund", "merge", *TYPES)


def check_kinds(values: Sequence[str]) -> list[str]:
    allowed = kinds()
    wanted = []
    for value in values:
        folded = normalize_text(value).lower()
        if folded not in allowed:
            raise ValidationError(
                f"--kind {value!r}: use one of {', '.join(dict.fromkeys(allowed))}"
            )
        wanted.append(folded)
    return wanted


def timeline(
    store: Store, customer_id: int, *, kinds: Sequence[str] = (), since: str | None = None
) -> list[Event]:
    """The customer's events in time order (merged ids resolve to the kept customer);
    `kinds` keeps entries whose kind or type is one of them; `since` is a WHEN."""
    wanted = set(check_kinds(kinds))
    lower = times.since(since, "--since") if since else None
    cid = store.resolve_id(customer_id)
    events = [e for source in sources() for e in source(store.conn, cid, lower)]
    if wanted:
        events = [e for e in events if e.kind in wanted or e.type in wanted]
    order = {name: index for index, name in enumerate(TYPES)}
    events.sort(key=lambda e: (e.at, order.get(e.type, len(order)), e.id))
    return events
