"""Shared find filters: Typer options as `Annotated` aliases plus `build_query`.

Any command that selects customers (find, export, dedupe, purge) adds the same options to
its signature and turns them into a `custinfo.search.Query`:

    def export(query: filters.QueryArgument = None, phone: filters.PhoneFilter = None, ...):
        q = filters.build_query(query, phone=phone, ...)

Names (parameter name → option): `query` → QUERY argument, `phone` → --phone,
`email` → --email, `tag` → --tag, `any_tag` → --any-tag, `not_tag` → --not-tag,
`city` → --city, `company` → --company, `added_since` → --added-since,
`updated_since` → --updated-since, `sort` → --sort, `limit` → --limit.

Behaviour filters (orders and interactions), passed to `build_query` as `**behaviour`:
`spent_over` → --spent-over, `spent_under` → --spent-under, `orders_at_least` →
--orders-at-least, `bought` → --bought, `ordered_since` → --ordered-since, `no_order_since`
→ --no-order-since, `contacted_since` → --contacted-since, `no_contact_since` →
--no-contact-since, `kind` → --kind, `status` → --status.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from custinfo.cli import options

if TYPE_CHECKING:
    from custinfo.search import Query
    from custinfo.store import Store

_PANEL = "Filters"
_BEHAVIOUR = "Filters: orders and interactions"
_WHEN = "YYYY-MM-DD or 90d, 6m, 1y back from today"


class Sort(StrEnum):
    rank = "rank"
    name = "name"
    created = "created"
    updated = "updated"


#: Any number of words: `find john dublin` is `find "john dublin"` (`query_text` joins them).
#: Click gives a command's required positional arguments their values first, so a command
#: may declare others next to QUERY.
QueryArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[QUERY]...",
        help="Words that must all occur in name, company, address, city or notes (quoted or "
        "not); an email or a phone finds by email or phone.",
        show_default=False,
    ),
]
PhoneFilter = Annotated[
    str | None,
    typer.Option(
        "--phone",
        help="Phone typed any way; 4+ trailing digits match the end of a number.",
        rich_help_panel=_PANEL,
    ),
]
EmailFilter = Annotated[
    str | None,
    typer.Option(
        "--email",
        help="Email, case-insensitive; @example.com matches everyone at that domain.",
        rich_help_panel=_PANEL,
    ),
]
TagFilter = Annotated[
    list[str] | None,
    typer.Option("--tag", help="Has this tag (repeatable: all must hold).", rich_help_panel=_PANEL),
]
AnyTagFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--any-tag", help="Has this tag (repeatable: any may hold).", rich_help_panel=_PANEL
    ),
]
NotTagFilter = Annotated[
    list[str] | None,
    typer.Option("--not-tag", help="Does not have this tag (repeatable).", rich_help_panel=_PANEL),
]
CityFilter = Annotated[
    str | None,
    typer.Option("--city", help="City contains this text.", rich_help_panel=_PANEL),
]
CompanyFilter = Annotated[
    str | None,
    typer.Option("--company", help="Company contains this text.", rich_help_panel=_PANEL),
]
AddedSinceFilter = Annotated[
    str | None,
    typer.Option(
        "--added-since", metavar="WHEN", help=f"Added on or after WHEN ({_WHEN}; local).",
        rich_help_panel=_PANEL,
    ),
]  # fmt: skip
UpdatedSinceFilter = Annotated[
    str | None,
    typer.Option(
        "--updated-since", metavar="WHEN", help=f"Changed on or after WHEN ({_WHEN}).",
        rich_help_panel=_PANEL,
    ),
]  # fmt: skip


def _option(name: str, metavar: str, text: str) -> Any:
    return typer.Option(name, metavar=metavar, help=text, rich_help_panel=_BEHAVIOUR)


SpentOverFilter = Annotated[
    str | None, _option("--spent-over", "AMOUNT", "Spent more than AMOUNT (database currency).")
]
SpentUnderFilter = Annotated[
    str | None, _option("--spent-under", "AMOUNT", "Spent less than AMOUNT (no orders: 0).")
]
OrdersAtLeastFilter = Annotated[
    int | None, _option("--orders-at-least", "N", "At least N orders (refunds not counted).")
]
BoughtFilter = Annotated[
    str | None, _option("--bought", "TEXT", "Has an order whose items contain TEXT.")
]
OrderedSinceFilter = Annotated[
    str | None, _option("--ordered-since", "WHEN", f"Ordered on or after WHEN ({_WHEN}).")
]
NoOrderSinceFilter = Annotated[
    str | None, _option("--no-order-since", "WHEN", "No order on or after WHEN (or never).")
]
ContactedSinceFilter = Annotated[
    str | None,
    _option("--contacted-since", "WHEN", "Last contact (interaction or order) on or after WHEN."),
]
NoContactSinceFilter = Annotated[
    str | None, _option("--no-contact-since", "WHEN", "No contact on or after WHEN (or never).")
]
KindFilter = Annotated[
    str | None,
    _option("--kind", "K", "Has an interaction of kind K (call, visit, complaint, ...)."),
]
StatusFilter = Annotated[
    str | None, _option("--status", "S", "... with status S (open or resolved).")
]
SortOption = Annotated[
    Sort,
    typer.Option(
        "--sort",
        help="rank (best match first; by id without QUERY), name, created or updated "
        "(newest first).",
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", metavar="N", help="At most N results.", parser=options.limit),
]


def query_text(query: str | list[str] | tuple[str, ...] | None) -> str | None:
    """The QUERY words as one string (several arguments mean the same as one quoted)."""
    if query is None or isinstance(query, str):
        return query
    return " ".join(query) if query else None


def build_query(
    query: str | list[str] | tuple[str, ...] | None = None,
    *,
    phone: str | None = None,
    email: str | None = None,
    tag: list[str] | None = None,
    any_tag: list[str] | None = None,
    not_tag: list[str] | None = None,
    city: str | None = None,
    company: str | None = None,
    added_since: str | None = None,
    updated_since: str | None = None,
    sort: Sort | str = Sort.rank,
    limit: int | None = None,
    **behaviour: str | int | None,
) -> Query:
    """The core `Query` for these option values (`behaviour`: the order and interaction
    filters, named as the `Query` fields)."""
    from custinfo.search import Query

    return Query(
        **behaviour,  # type: ignore[arg-type]
        text=query_text(query),
        phone=phone,
        email=email,
        tags_all=list(tag or ()),
        tags_any=list(any_tag or ()),
        tags_not=list(not_tag or ()),
        city=city,
        company=company,
        added_since=added_since,
        updated_since=updated_since,
        sort=str(Sort(sort).value),
        limit=limit,
    )


def selected_ids(store: Store, query: Query, region: str | None = None) -> list[int] | None:
    """Ids matching the filters (sorted), or None when no filter was given (everyone)."""
    if query.is_empty():
        return None
    from custinfo.cli import context
    from custinfo.search import find_ids

    return sorted(find_ids(store, query, context.region(store, region)))
