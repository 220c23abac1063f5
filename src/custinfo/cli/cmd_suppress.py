"""custinfo suppress: the suppression list of erased people's contacts (counts only)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer()


class CountFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("list")
def list_(
    format: Annotated[
        CountFormat | None, typer.Option("--format", "-f", help="table or json.")
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """How many phones and emails are suppressed (never which)."""
    from custinfo.cli.output import Output
    from custinfo.privacy import suppression

    store = context.open_store(db, passphrase_file)
    counts = suppression.counts(store.conn)
    out = Output()
    if format is CountFormat.json:
        out.json(counts)
    else:
        out.table(["kind", "count"], [[k, str(v)] for k, v in counts.items()])


@app.command("matches")
def matches(
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Ids of live customers holding a suppressed phone or email, one per line."""
    from custinfo.cli.output import Output
    from custinfo.privacy import suppression

    store = context.open_store(db, passphrase_file)
    out = Output()
    for cid in suppression.matching_customers(store.conn):
        out.data(str(cid))
