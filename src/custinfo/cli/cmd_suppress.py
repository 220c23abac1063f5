"""custinfo suppress: the suppression list of erased people's contacts (counts only)."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer()


CountFormat = output.choices("table", "csv", "json")


@app.command("list")
def list_(
    format: Annotated[
        CountFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: table on a terminal, else csv)."
        ),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """How many phones and emails are suppressed (never which)."""
    from custinfo.cli.output import Format, Output
    from custinfo.privacy import suppression

    store = context.open_store(db, passphrase_file)
    counts = suppression.counts(store)
    out = Output()
    fmt = out.choose(format)
    if fmt is Format.json:
        out.json(counts)  # one object: {"phones": N, "emails": N}
    else:
        out.rows(["kind", "count"], counts.items(), fmt)


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
    for cid in suppression.matching_customers(store):
        out.data(str(cid))
