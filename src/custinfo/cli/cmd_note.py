"""custinfo note ID TEXT [--kind ...] | custinfo note resolve NOTE_ID [TEXT]."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custinfo.cli import context, options
from custinfo.cli.help import PlainGroup


class _NoteGroup(PlainGroup):
    """`note ID TEXT` is the short form of the hidden `note add ID TEXT`; `note resolve`
    is the one real subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands:  # `note --help` is the short form's help
            args = ["add", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_NoteGroup, no_args_is_help=True, add_completion=False,
    help="Log an interaction: `note ID TEXT [--kind call ...]` prints the new note's id; "
    "`note resolve NOTE_ID [TEXT]` closes an open complaint or service case.",
)  # fmt: skip


@app.command("add", hidden=True)
def add(
    customer_id: options.CustomerIdArgument,
    text: Annotated[str, typer.Argument(help="The note; '-' reads it from stdin.")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help="note (default), call, visit, message, email, meeting, "
            "complaint, service or campaign.",
        ),
    ] = None,
    direction: Annotated[
        str | None, typer.Option("--direction", help="in (the customer reached out) or out.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="open or resolved (complaints and service: open)."),
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help="A reference: order number, ticket, campaign.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="DATETIME", help="When (local; default now)."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Append a note or a typed interaction to a customer's log; prints its id.

    `custinfo note resolve NOTE_ID [TEXT]` closes an open complaint or service case.
    """
    import sys

    from custinfo.activity import interactions
    from custinfo.cli.output import Output

    store = context.open_store(db, passphrase_file)  # (then stdin: the db is open meanwhile)
    value = interactions.interaction_input(
        sys.stdin.read() if text == "-" else text, kind=kind, direction=direction,
        status=status, ref=ref, at=at,
    )  # fmt: skip
    Output().data(str(interactions.add(store, customer_id, value)))


@app.command("resolve")
def resolve(
    note_id: Annotated[
        int, typer.Argument(metavar="NOTE_ID", help="The case's note id.", parser=options.record_id)
    ],
    text: Annotated[
        str | None, typer.Argument(help="The resolution, appended to the note ('-': stdin).")
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Close an open complaint or service case, appending the resolution."""
    import sys

    from custinfo.activity import interactions
    from custinfo.cli.output import Output

    store = context.open_store(db, passphrase_file)
    interactions.resolve(store, note_id, sys.stdin.read() if text == "-" else text)
    from custinfo.i18n import _

    Output().info(_("resolved note {id}").format(id=note_id))
