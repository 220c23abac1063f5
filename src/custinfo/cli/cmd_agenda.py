"""custinfo agenda: what needs attention today and in the coming days."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, filters, output
from custinfo.i18n import N_, _

app = typer.Typer(add_completion=False)

AgendaFormat = output.choices("table", "csv", "json", "ndjson", "ics")
#: Columns of the terminal tables (the other formats have every column).
TABLE = ("due", "customer_id", "name", "reason", "kind", "text", "followup_id")
#: The find-filter parameters of `agenda` (any of them given: narrow to those customers).
_FILTERS = frozenset({
    "query", "phone", "email", "tag", "any_tag", "not_tag", "city", "company", "added_since",
    "updated_since", "spent_over", "spent_under", "orders_at_least", "bought", "ordered_since",
    "no_order_since", "contacted_since", "no_contact_since", "kind", "status",
    "has_open_followup", "followup_due_before", "birthday_within", "keep_in_touch_due",
})  # fmt: skip
HEADINGS = {"overdue": N_("Overdue"), "today": N_("Today"), "coming": N_("Coming days")}


@app.command()
def agenda(
    days: Annotated[
        int,
        typer.Option(
            "--days",
            metavar="N",
            min=0,
            max=3660,
            help="Follow-ups due from today to N days ahead (and overdue ones).",
        ),
    ] = 7,
    birthdays: Annotated[
        str | None,
        typer.Option(
            "--birthdays",
            metavar="DURATION",
            help="Also birthdays from today to DURATION ahead: 14d, 2w, 1m.",
        ),
    ] = None,
    format: Annotated[
        AgendaFormat | None,
        typer.Option("--format", "-f", help="table, csv, json, ndjson or ics (a calendar)."),
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when something is overdue.")
    ] = False,
    query: filters.QueryArgument = None,
    phone: filters.PhoneFilter = None,
    email: filters.EmailFilter = None,
    tag: filters.TagFilter = None,
    any_tag: filters.AnyTagFilter = None,
    not_tag: filters.NotTagFilter = None,
    city: filters.CityFilter = None,
    company: filters.CompanyFilter = None,
    added_since: filters.AddedSinceFilter = None,
    updated_since: filters.UpdatedSinceFilter = None,
    spent_over: filters.SpentOverFilter = None,
    spent_under: filters.SpentUnderFilter = None,
    orders_at_least: filters.OrdersAtLeastFilter = None,
    bought: filters.BoughtFilter = None,
    ordered_since: filters.OrderedSinceFilter = None,
    no_order_since: filters.NoOrderSinceFilter = None,
    contacted_since: filters.ContactedSinceFilter = None,
    no_contact_since: filters.NoContactSinceFilter = None,
    kind: filters.KindFilter = None,
    status: filters.StatusFilter = None,
    has_open_followup: filters.HasOpenFollowupFilter = False,
    followup_due_before: filters.FollowupDueBeforeFilter = None,
    birthday_within: filters.BirthdayWithinFilter = None,
    keep_in_touch_due: filters.KeepInTouchDueFilter = False,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Who needs attention: overdue and coming follow-ups, customers due under
    keep-in-touch, birthdays; sorted by date. Find filters narrow it to those customers.

    Exit codes: 0 ok; 1 with --exit-code when something is overdue (after the output).
    """
    from custinfo.followups import agenda as core
    from custinfo.followups.schedule import within

    out = output.Output()
    fmt = out.choose(format)
    until = within(birthdays, "--birthdays") if birthdays else None
    given = any(v not in (None, False, []) for k, v in locals().items() if k in _FILTERS)
    q = None
    if given:  # (without filters, the search package is not even imported)
        q = filters.build_query(
            query, phone=phone, email=email, tag=tag, any_tag=any_tag, not_tag=not_tag,
            city=city, company=company, added_since=added_since, updated_since=updated_since,
            spent_over=spent_over, spent_under=spent_under, orders_at_least=orders_at_least,
            bought=bought, ordered_since=ordered_since, no_order_since=no_order_since,
            contacted_since=contacted_since, no_contact_since=no_contact_since, kind=kind,
            status=status,
            has_open_followup=has_open_followup, followup_due_before=followup_due_before,
            birthday_within=birthday_within, keep_in_touch_due=keep_in_touch_due,
        )  # fmt: skip
    store = context.open_store(db, passphrase_file)
    ids = filters.selected_ids(store, q, region) if q is not None else None
    result = core.build(store, days=days, birthdays=until, ids=ids)
    if fmt is output.Format.ics:
        from custinfo.followups.ics import calendar

        out.binary(calendar(result))
    elif fmt is output.Format.table:
        _tables(out, result)
    elif fmt is output.Format.csv:  # (the values are text, ints and None, as csv writes them)
        out.csv_rows(core.COLUMNS, result.values())
    else:
        out.rows(core.COLUMNS, result.values(), fmt)
    if exit_code and result.overdue:
        raise typer.Exit(1)


def _tables(out: output.Output, result: object) -> None:
    """Groups on a terminal: overdue, today, the coming days, each with its count."""
    from custinfo.followups.agenda import Agenda

    assert isinstance(result, Agenda)
    groups = result.groups()
    if not groups:
        out.info(_("nothing due until {day}").format(day=result.horizon.isoformat()))
        return
    for group, items in groups:
        rows = [[i.due.text(), i.customer_id, i.name, i.reason, i.kind, i.text,
                 i.followup_id or ""] for i in items]  # fmt: skip
        title = f"{_(HEADINGS[group])} ({len(items)})"
        if not out.is_tty:
            out.data(title)
        out.rows(TABLE, rows, output.Format.table, title=title)
