"""Shared find filters: one declaration, given to every command that selects customers.

A command that selects customers (find, export, dedupe, agenda, order export, report) takes
the QUERY words and a `select: filters.Selection` parameter, and is decorated with
`@filters.selects()` under `@app.command()`:

    @app.command()
    @filters.selects(ordering=True)
    def export(query: filters.QueryArgument = None, select: filters.Selection = None, ...):
        q = select.query()

The decorator puts every filter option (`FILTERS`: --phone, --email, --tag, --any-tag,
--not-tag, --city, --company, --added-since, --updated-since, --consent, --no-consent,
--where; the order and interaction filters --spent-over ... --status; the follow-up filters
--has-open-followup ... --keep-in-touch-due; with `ordering`, --sort and --limit) where
`select` stands, and hands the command their values as one `Selection`. So every such
command has the same filters, with the same names, help and meaning.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

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
ConsentFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--consent", metavar="PURPOSE[:CH]",
        help="Consent given for PURPOSE.",
        rich_help_panel=_PANEL,
    ),
]  # fmt: skip
NoConsentFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--no-consent", metavar="PURPOSE[:CH]",
        help="No consent for PURPOSE.", rich_help_panel=_PANEL,
    ),
]  # fmt: skip
WhereFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--where", metavar="COND",
        help="Custom field condition (repeatable: all must hold): KEY=VALUE, KEY!=VALUE, "
        "< <= > >= (numbers, money, dates, choice order), KEY~TEXT (contains), KEY? (has a "
        "value), !KEY? (has none).",
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
# Follow-ups, keep-in-touch and birthdays (`custinfo.search.followups`), passed to
# `build_query` like the behaviour filters.
_FOLLOWUPS = "Filters: follow-ups and birthdays"
HasOpenFollowupFilter = Annotated[
    bool,
    typer.Option("--has-open-followup", help="Has an open follow-up.", rich_help_panel=_FOLLOWUPS),
]
FollowupDueBeforeFilter = Annotated[
    str | None,
    typer.Option(
        "--followup-due-before", metavar="WHEN", rich_help_panel=_FOLLOWUPS,
        help="Has an open follow-up due before WHEN.",
    ),
]  # fmt: skip
BirthdayWithinFilter = Annotated[
    str | None,
    typer.Option(
        "--birthday-within", metavar="DURATION", rich_help_panel=_FOLLOWUPS,
        help="Birthday from today to DURATION (14d) ahead.",
    ),
]  # fmt: skip
KeepInTouchDueFilter = Annotated[
    bool,
    typer.Option(
        "--keep-in-touch-due", rich_help_panel=_FOLLOWUPS,
        help="Last contact plus the cadence has passed.",
    ),
]  # fmt: skip
SortOption = Annotated[
    str,
    typer.Option(
        "--sort",
        metavar="rank|name|created|updated|field:KEY",
        help="rank (best match first; by id without QUERY), name, created or updated "
        "(newest first), or field:KEY (a custom field, ascending; -field:KEY descending).",
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option("--limit", metavar="N", help="At most N results.", parser=options.limit),
]


#: Every find filter: (parameter name, annotated option, default). `build_query` takes them
#: by these names.
FILTERS: tuple[tuple[str, Any, Any], ...] = (
    ("phone", PhoneFilter, None), ("email", EmailFilter, None), ("tag", TagFilter, None),
    ("any_tag", AnyTagFilter, None), ("not_tag", NotTagFilter, None),
    ("city", CityFilter, None), ("company", CompanyFilter, None),
    ("added_since", AddedSinceFilter, None), ("updated_since", UpdatedSinceFilter, None),
    ("consent", ConsentFilter, None), ("no_consent", NoConsentFilter, None),
    ("where", WhereFilter, None),
    ("spent_over", SpentOverFilter, None), ("spent_under", SpentUnderFilter, None),
    ("orders_at_least", OrdersAtLeastFilter, None), ("bought", BoughtFilter, None),
    ("ordered_since", OrderedSinceFilter, None), ("no_order_since", NoOrderSinceFilter, None),
    ("contacted_since", ContactedSinceFilter, None),
    ("no_contact_since", NoContactSinceFilter, None),
    ("kind", KindFilter, None), ("status", StatusFilter, None),
    ("has_open_followup", HasOpenFollowupFilter, False),
    ("followup_due_before", FollowupDueBeforeFilter, None),
    ("birthday_within", BirthdayWithinFilter, None),
    ("keep_in_touch_due", KeepInTouchDueFilter, False),
)  # fmt: skip
ORDERING: tuple[tuple[str, Any, Any], ...] = (
    ("sort", SortOption, "rank"), ("limit", LimitOption, None),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Selection:
    """The QUERY words and find-filter values a command was given."""

    words: list[str] | None
    values: dict[str, Any]  # parameter name -> value, for every filter the command offers

    def given(self) -> dict[str, Any]:
        """The options given, by option name ("QUERY", "--tag", ...; --sort only when not
        the default), e.g. for an audit entry's filter HMAC."""
        out: dict[str, Any] = {}
        if text := query_text(self.words):
            out["QUERY"] = text
        for name, value in self.values.items():
            if value in (None, False, []) or (name == "sort" and value == Sort.rank):
                continue
            out["--" + name.replace("_", "-")] = value
        return out

    def is_given(self) -> bool:
        return bool(self.given())

    def query(self) -> Query:
        return build_query(self.words, **self.values)


_Command = TypeVar("_Command", bound=Callable[..., Any])


def selects(*, ordering: bool = False) -> Callable[[_Command], _Command]:
    """Give the decorated command every find filter (and --sort/--limit with `ordering`) in
    place of its `select` parameter, which receives them as a `Selection`."""
    specs = FILTERS + (ORDERING if ordering else ())
    names = [name for name, _, _ in specs]

    def decorate(command: _Command) -> _Command:
        signature = inspect.signature(command, eval_str=True)
        params: list[inspect.Parameter] = []
        for param in signature.parameters.values():
            if param.name != "select":
                params.append(param)
                continue
            params += [
                inspect.Parameter(name, param.kind, default=default, annotation=annotation)
                for name, annotation, default in specs
            ]

        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            kwargs["select"] = Selection(kwargs.get("query"), values)
            return command(**kwargs)

        run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run  # type: ignore[return-value]

    return decorate


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
    consent: list[str] | None = None,
    no_consent: list[str] | None = None,
    where: list[str] | None = None,
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
        consent=list(consent or ()),
        no_consent=list(no_consent or ()),
        where=list(where or ()),
        sort=check_sort(sort),
        limit=limit,
    )


def check_sort(sort: Sort | str) -> str:
    """A --sort value: one of `Sort`, or field:KEY / -field:KEY (the key is checked by the
    planner against the declared fields)."""
    from custinfo.errors import UsageError

    text = str(sort).strip()
    if text in Sort.__members__ or (
        text.startswith(("field:", "-field:")) and not text.endswith(":")
    ):
        return text
    raise UsageError(f"--sort {text!r}: use rank, name, created, updated, field:KEY or -field:KEY")


def selected_ids(store: Store, query: Query, region: str | None = None) -> list[int] | None:
    """Ids matching the filters (sorted), or None when no filter was given (everyone)."""
    if query.is_empty():
        return None
    from custinfo.cli import context
    from custinfo.search import find_ids

    return sorted(find_ids(store, query, context.region(store, region)))
