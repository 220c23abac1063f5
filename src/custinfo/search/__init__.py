"""Finding customers: the `Query` object shared by find, export, dedupe and purge.

`find_ids(store, query, region)` returns matching customer ids in the requested order;
`count(store, query, region)` how many match. How matching and ranking work is described
in docs/search.md. Everything runs as one SQL statement: one indexed "driver" produces
candidates (phone, email, full-text, tag, date, or all customers) and every other filter
is checked per candidate with an indexed lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from custinfo.search.match import email_match, is_email_shaped, is_phone_shaped, phone_match
from custinfo.search.plan import SORTS, make_plan, run
from custinfo.search.rank import count as count_matches
from custinfo.search.rank import stream

if TYPE_CHECKING:
    from custinfo.store import Store

__all__ = [
    "SORTS", "Query", "count", "email_match", "find_ids", "find_ids_plain", "is_email_shaped",
    "is_phone_shaped", "iter_ids", "phone_match",
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
    where: list[str] = field(default_factory=list)  # custom fields: "tier=金卡" (AND)
    # Follow-ups, cadences, birthdays (`custinfo.search.followups`).
    has_open_followup: bool = False
    followup_due_before: str | None = None  # WHEN (`followup add --due` forms)
    birthday_within: str | None = None  # a duration forward: 14d
    keep_in_touch_due: bool = False
    sort: str = "rank"  # rank | name | created | updated | field:KEY | -field:KEY
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
                self.where,
                self.has_open_followup,
                self.followup_due_before,
                self.birthday_within,
                self.keep_in_touch_due,
            )
        )


def find_ids(store: Store, query: Query, region: str) -> list[int]:
    """Ids of matching customers, best first (see docs/search.md), at most `query.limit`."""
    return list(iter_ids(store, query, region))


def iter_ids(store: Store, query: Query, region: str) -> Iterator[int]:
    """`find_ids` read lazily: the first ids come before the last match is found (a
    pipe's first line at once; see `custinfo.search.rank`). Bad input raises at once."""
    plan = make_plan(store.conn, query, region)
    if plan is None:
        return iter(())
    return stream(store.conn, plan, query.sort, query.limit)


def find_ids_plain(store: Store, query: Query, region: str) -> list[int]:
    """The same ids as `find_ids` from one sorted statement (reading every match): the
    plain path the ranked streaming is tested against."""
    plan = make_plan(store.conn, query, region)
    if plan is None:
        return []
    return run(store.conn, *plan.select(query.sort, query.limit))


def count(store: Store, query: Query, region: str, cap: int | None = None) -> int:
    """How many customers match (ignores sort and limit); with `cap`, counting stops at
    `cap` (a terminal's "more than 1,000 more")."""
    plan = make_plan(store.conn, query, region)
    if plan is None:
        return 0
    return count_matches(store.conn, plan, cap)
