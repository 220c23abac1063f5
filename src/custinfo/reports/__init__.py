"""Reports: the business at a glance, computed from the database (read-only SQL).

`build(store, name, ...)` returns a `Report`: headline numbers (`summary`) and named
tables (`tables`), plain data that the terminal, CSV, JSON and HTML renderers all show the
same way. One module per report: `overview`, `growth`, `value` (RFM), `activity`,
`quality`. Every report works on a selection of customers (`ids`, from the find filters;
None: everyone). Money is integer minor units (`Money`), totals per currency, never mixed.

Months are local calendar months (TZ honoured): a stored UTC time falls in the month whose
local start it is on or after (`month_starts`). The demo tour calls
`build(store, "overview")` and renders it with `custinfo.cli.report_view.show`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from custinfo import times
from custinfo.errors import UsageError

if TYPE_CHECKING:
    from custinfo.store import Store

NAMES = ("overview", "growth", "value", "activity", "quality")
IDS = "(SELECT value FROM json_each(?))"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency (`custinfo.money`)."""

    minor: int
    currency: str

    def text(self) -> str:
        """Exact decimal text in major units (CSV, JSON): 1234567 CNY -> "12345.67"."""
        from custinfo.money import to_text

        return to_text(self.minor, self.currency)


@dataclass(slots=True)
class Table:
    """One table of a report. `chart`: "bars" (a split: label, count), "series" (a
    monthly series: month, then numbers) or None."""

    key: str  # JSON key and CSV section
    title: str  # English (N_-marked), translated where shown
    columns: list[str]
    rows: list[list[Any]]
    chart: str | None = None
    note: str = ""  # English remark shown under the table (e.g. "first 50 of 1,234")


@dataclass(slots=True)
class Report:
    name: str
    generated_at: str  # stored UTC text
    filters: dict[str, Any]  # the filters used, as typed (shown, never re-parsed)
    period: dict[str, str]  # "since"/"as_of" local dates (YYYY-MM-DD) where they apply
    summary: list[tuple[str, str, Any]] = field(default_factory=list)  # (key, label, value)
    tables: list[Table] = field(default_factory=list)
    #: The table CSV writes wide (one row per record); None: every number in long form.
    main: str | None = None
    #: Extra data for JSON (already JSON-shaped), e.g. the RFM scoring rules.
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass(slots=True)
class Scope:
    """What a report covers: the store, the selection, the period."""

    store: Store
    ids: list[int] | None  # None: every customer
    as_of: date  # local day the report is "as of" (inclusive)
    since: date  # local day the window starts (inclusive)

    @property
    def conn(self) -> Any:
        return self.store.conn

    @property
    def currency(self) -> str:
        return self.store.currency

    def ids_json(self) -> str:
        return json.dumps(self.ids or [])

    def where(self, column: str) -> tuple[str, list[Any]]:
        """(" AND column IN selection", params), or ("", []) for everyone."""
        if self.ids is None:
            return "", []
        return f" AND {column} IN {IDS}", [self.ids_json()]

    def start(self) -> str:
        """Stored text of the window's start (local midnight of `since`)."""
        return times.local_start(self.since)

    def end(self) -> str:
        """Stored text of the window's exclusive end (local midnight after `as_of`)."""
        return times.local_start(times.shift(self.as_of, 1, "d"))


def month_starts(first: date, last: date) -> list[date]:
    """First days of the local months from `first`'s month to `last`'s month, inclusive."""
    months, day = [], date(first.year, first.month, 1)
    while day <= last:
        months.append(day)
        day = times.shift(day, 1, "m")
    return months


def month_case(column: str, months: Sequence[date]) -> str:
    """An SQL expression: the index of the local month `column` (stored UTC text) falls
    in, given ascending month starts; NULL before the first or after the last month."""
    bounds = [times.local_start(m) for m in months]
    bounds.append(times.local_start(times.shift(months[-1], 1, "m")))
    parts = [f"WHEN {column} < '{bounds[0]}' THEN NULL"]
    parts += [f"WHEN {column} < '{b}' THEN {i}" for i, b in enumerate(bounds[1:])]
    return "(CASE " + " ".join(parts) + " END)"


def new_by_month(scope: Scope, months: Sequence[date]) -> list[int]:
    """New customers in each local month of `months` (ascending month starts)."""
    sel, params = scope.where("c.id")
    bounds = [times.local_start(m) for m in months]
    bounds.append(times.local_start(times.shift(months[-1], 1, "m")))
    bounds[-1] = min(bounds[-1], scope.end())
    if scope.ids is None:  # one range of `customers_created` per month: no CASE per row
        sql = "SELECT count(*) FROM customers c WHERE c.created_at >= ? AND c.created_at < ?"
        return [scope.conn.execute(sql, (lo, hi)).fetchone()[0]
                for lo, hi in pairwise(bounds)]  # fmt: skip
    counts = dict(scope.conn.execute(
        f"SELECT {month_case('c.created_at', months)} AS m, count(*) FROM customers c "
        f"WHERE c.created_at >= ? AND c.created_at < ?{sel} GROUP BY m",
        [bounds[0], bounds[-1], *params],
    ).fetchall())  # fmt: skip
    return [counts.get(i, 0) for i in range(len(months))]


def default_since(name: str, as_of: date) -> date:
    """The window start when `--since` is not given: 12 months back (overview, activity),
    2 years (growth, value); the start of the month for monthly series."""
    if name in ("growth", "value"):
        back = times.shift(as_of, -2, "y")
    else:
        back = times.shift(as_of, -12, "m")
    if name == "value":
        return times.shift(back, 1, "d")  # exactly two years: (as_of - 2y, as_of]
    return date(back.year, back.month, 1) if name != "quality" else back


def build(
    store: Store,
    name: str = "overview",
    *,
    ids: list[int] | None = None,
    since: str | None = None,
    as_of: str | None = None,
    stale: str | None = None,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
    listing: bool = False,
) -> Report:
    """Compute report `name` for the customers `ids` (None: everyone). `since`, `as_of`
    and `stale` are WHENs as typed (`custinfo.dates`); bad ones raise ValidationError."""
    from custinfo.i18n import _

    if name not in NAMES:
        raise UsageError(
            _("unknown report {name!r}: use one of {names}").format(
                name=name, names=", ".join(NAMES)
            )
        )
    day = times.parse_day(as_of, "--as-of") if as_of else times.today()
    start = times.parse_day(since, "--since", now=day) if since else default_since(name, day)
    if start > day:
        raise UsageError(
            _("--since {since!r} is after the report's day {day}").format(
                since=since, day=day.isoformat()
            )
        )
    scope = Scope(store, ids, day, start)
    from importlib import import_module

    module = import_module(f"custinfo.reports.{name}")
    report: Report = module.compute(scope, stale=stale, limit=limit, listing=listing)
    report.generated_at = _now()
    report.filters = dict(filters or {})
    return report


def _now() -> str:
    from custinfo.store.db import utc_now

    return utc_now()


def new_report(name: str, scope: Scope, *, since: bool = True) -> Report:
    period = {"as_of": scope.as_of.isoformat()}
    if since:
        period = {"since": scope.since.isoformat(), **period}
    return Report(name=name, generated_at="", filters={}, period=period)
