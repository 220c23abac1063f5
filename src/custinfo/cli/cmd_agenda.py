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
HEADINGS = {"overdue": N_("Overdue"), "today": N_("Today"), "coming": N_("Coming days")}


@app.command()
@filters.selects()
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
    select: filters.Selection = None,
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
    q = None
    if select.is_given():  # (without filters, the search package is not even imported)
        q = select.query()
    store = context.open_store(db, passphrase_file)
    ids = filters.selected_ids(store, q, region) if q is not None else None
    result = core.build(store, days=days, birthdays=until, ids=ids)
    if fmt is output.Format.ics:
        from custinfo.followups.ics import calendar

        out.binary(calendar(result))
    elif fmt is output.Format.table:
        _tables(out, result)
    elif fmt is output.Format.csv:  # (the values are text, ints and None, as csv writes them)
        out.csv_rows(core.COLUMNS, result.rows)
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
