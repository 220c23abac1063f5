"""custinfo timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options, output

app = typer.Typer()

TimelineFormat = output.choices("table", "csv", "json", "ndjson")
#: Columns of the terminal table (the other formats have every column, times in UTC).
TABLE = ("at", "type", "id", "kind", "status", "amount", "text")


@app.command()
def timeline(
    customer_id: options.CustomerIdArgument,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="K",
            help="Only entries of this kind or type (repeatable): "
            "call, complaint, ..., order, refund, merge, interaction.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="WHEN", help="On or after WHEN (YYYY-MM-DD or 90d)."),
    ] = None,
    format: Annotated[
        TimelineFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """A customer's interactions, orders and merges, in time order (oldest first)."""
    from custinfo.activity.timeline import COLUMNS, check_kinds
    from custinfo.activity.timeline import timeline as events_of

    out = output.Output()
    fmt = out.choose(format)
    check_kinds(kind or ())
    store = context.open_store(db, passphrase_file)
    events = events_of(store, customer_id, kinds=kind or (), since=since)
    if fmt is output.Format.table:
        from custinfo import money, times

        rows = [
            [times.local_text(e.at), e.type, e.id, e.kind, e.status or "",
             money.display(money.parse_amount(e.amount, e.currency), e.currency)
             if e.amount is not None and e.currency else "", e.text]
            for e in events
        ]  # fmt: skip
        if rows:
            out.rows(TABLE, rows, fmt)
        elif out.is_tty:
            from custinfo.i18n import _

            out.info(_("nothing in the timeline"))
        return
    out.rows(COLUMNS, events, fmt)
