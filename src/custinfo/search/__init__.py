"""Finding customers: the `Query` object shared by find, export, dedupe and purge.

`find_ids(store, query, region)` returns matching customer ids in the requested order;
`count(store, query, region)` how many match. How matching and ranking work is described
in docs/search.md. Everything runs as one SQL statement: one indexed "driver" produces
candidates (phone, email, full-text, tag, date, or all customers) and every other filter
is checked per candidate with an indexed lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from custinfo.search.match import email_match, is_email_shaped, is_phone_shaped, phone_match
from custinfo.search.plan import SORTS, make_plan, run

if TYPE_CHECKING:
    from custinfo.store import Store

__all__ = [
    "SORTS", "Query", "count", "email_match", "find_ids", "is_email_shaped", "is_phone_shaped",
    "phone_match",
]  # fmt: skip


@dataclass
class Query:
    """What to find. Every given part must hold (AND); empty parts are ignored."""

    text: str | None = None  # free text; several words must all match
    phone: str | None = None  # normalised first; >= 4 trailing digits match a suffix
    email: str | None = None  # case-insensitive; "@example.com" matches the domain
    tags_all: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    tags_not: list[str] = field(default_factory=list)
    city: str | None = None  # substring of the city, case-insensitive
    company: str | None = None  # substring of the company, case-insensitive
    added_since: str | None = None  # WHEN (`custinfo.times`: YYYY-MM-DD or 90d), local day
    updated_since: str | None = None  # WHEN, inclusive
    # Behaviour (`custinfo.search.activity`): amounts in the database currency, WHENs.
    spent_over: str | None = None
    spent_under: str | None = None
    orders_at_least: int | None = None
    bought: str | None = None  # substring of an order's items, case-insensitive
    ordered_since: str | None = None
    no_order_since: str | None = None
    contacted_since: str | None = None
    no_contact_since: str | None = None
    kind: str | None = None  # has an interaction of this kind (and `status`)
    status: str | None = None
    sort: str = "rank"  # rank | name | created | updated
    limit: int | None = None

    def is_empty(self) -> bool:
        """True when no filter is given (the query matches every customer)."""
        return not any(
            (
                (self.text or "").strip(),
                (self.phone or "").strip(),
                (self.email or "").strip(),
                self.tags_all,
                self.tags_any,
                self.tags_not,
                (self.city or "").strip(),
                (self.company or "").strip(),
                self.added_since,
                self.updated_since,
                self.spent_over,
                self.spent_under,
                self.orders_at_least is not None,
                (self.bought or "").strip(),
                self.ordered_since,
                self.no_order_since,
                self.contacted_since,
                self.no_contact_since,
                self.kind,
                self.status,
            )
        )


def find_ids(store: Store, query: Query, region: str) -> list[int]:
    """Ids of matching customers, best first (see docs/search.md), at most `query.limit`."""
    plan = make_plan(store.conn, query, region)
    if plan is None:
        return []
    return run(store.conn, *plan.select(query.sort, query.limit))


def count(store: Store, query: Query, region: str) -> int:
    """How many customers match (ignores sort and limit)."""
    plan = make_plan(store.conn, query, region)
    if plan is None:
        return 0
    rows = run(store.conn, *plan.count())
    return rows[0] if rows else 0
