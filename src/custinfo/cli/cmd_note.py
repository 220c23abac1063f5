"""custinfo note."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options

app = typer.Typer()


@app.command()
def note(
    customer_id: options.CustomerIdArgument,
    text: Annotated[str, typer.Argument(help="The note; '-' reads it from stdin.")],
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Append a timestamped note to a customer's interaction log."""
    import sys

    store = context.open_store(db, passphrase_file)
    store.add_note(customer_id, sys.stdin.read() if text == "-" else text)
