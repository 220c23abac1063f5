"""custinfo followup add | done | snooze | cancel | list."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options, output
from custinfo.i18n import _

app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="What to do next for a customer: add, done, snooze, cancel and list follow-ups.",
)  # fmt: skip

ListFormat = output.choices("table", "csv", "json", "ndjson")
WHEN_HELP = "YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, tomorrow, +3d, +2w, +1m (local time)."
#: Columns of the terminal table (the other formats have every column).
TABLE = ("id", "due", "customer_id", "name", "kind", "text", "repeat", "status")
FollowupIdArgument = Annotated[
    int,
    typer.Argument(metavar="FUP_ID", help="The follow-up's id.", parser=options.record_id),
]


@app.command("add")
def add(
    customer_id: options.CustomerIdArgument,
    text: Annotated[str | None, typer.Argument(help="What to do ('-' reads stdin).")] = None,
    due: Annotated[
        str, typer.Option("--due", metavar="WHEN", help=WHEN_HELP, show_default=False)
    ] = "",
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", "-k", help="call, visit, message, email, meeting or task (default)."
        ),
    ] = None,
    repeat: Annotated[
        str | None,
        typer.Option(
            "--repeat", metavar="EVERY", help="Again EVERY 7d, 2w, 1m, 3m or 1y after done."
        ),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Schedule a follow-up for a customer; prints its id."""
    import sys

    from custinfo.errors import UsageError
    from custinfo.followups import core

    if not due:
        raise UsageError(_("followup add needs --due WHEN"))
    store = context.open_store(db, passphrase_file)
    item = core.plan(due, kind=kind, text=sys.stdin.read() if text == "-" else text,
                     repeat=repeat)  # fmt: skip
    output.Output().data(str(core.add(store, customer_id, item)))


@app.command("done")
def done(
    followup_id: FollowupIdArgument,
    note: Annotated[
        str | None, typer.Option("--note", help="What happened (logged with the interaction).")
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Close a follow-up and log an interaction of its kind; a repeating one comes back."""
    from custinfo.followups import core

    closed = core.done(context.open_store(db, passphrase_file), followup_id, note)
    out = output.Output()
    out.info(_("follow-up {id} done (note {note})").format(id=followup_id, note=closed.note_id))
    if closed.next_id is not None and closed.next_due is not None:
        out.info(_("next: {due} (#{id})").format(due=closed.next_due.text(), id=closed.next_id))


@app.command("snooze")
def snooze(
    followup_id: FollowupIdArgument,
    when: Annotated[str, typer.Argument(metavar="WHEN", help=WHEN_HELP)],
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Move an open follow-up to WHEN."""
    from custinfo.followups import core

    due = core.snooze(context.open_store(db, passphrase_file), followup_id, when)
    output.Output().info(_("follow-up {id} due {due}").format(id=followup_id, due=due.text()))


@app.command("cancel")
def cancel(
    followup_id: FollowupIdArgument,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Cancel an open follow-up (nothing is logged)."""
    from custinfo.followups import core

    core.cancel(context.open_store(db, passphrase_file), followup_id)
    output.Output().info(_("follow-up {id} cancelled").format(id=followup_id))


@app.command("list")
def list_followups(
    customer_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]", help="Only this customer's follow-ups.", parser=options.customer_id
        ),
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open follow-ups (the default).")] = False,
    done_: Annotated[bool, typer.Option("--done", help="Done and cancelled ones.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every follow-up.")] = False,
    due_before: Annotated[
        str | None,
        typer.Option("--due-before", metavar="WHEN", help="Due before WHEN (a date: that day)."),
    ] = None,
    format: Annotated[
        ListFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Follow-ups by due date: one customer's, or everyone's (open ones by default)."""
    from custinfo.errors import UsageError
    from custinfo.followups import core

    if open_ + done_ + all_ > 1:
        raise UsageError(_("use one of --open, --done and --all"))
    status = None if all_ else "done" if done_ else "open"
    out = output.Output()
    fmt = out.choose(format)
    store = context.open_store(db, passphrase_file)
    found = list(core.select(store, customer_id, status=status, due_before=due_before))
    if fmt is output.Format.table:
        rows = [[f.row.id, f.due.text(), f.row.customer_id, f.name, f.row.kind, f.row.text,
                 f.row.repeat or "", f.row.status] for f in found]  # fmt: skip
        if rows:
            out.rows(TABLE, rows, fmt)
        elif out.is_tty:
            out.info(_("no follow-ups"))
        return
    out.rows(core.COLUMNS, (f.values() for f in found), fmt)
