"""custinfo info."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer()

InfoFormat = output.choices("table", "json")


@app.command()
def info(
    format: Annotated[
        InfoFormat | None,
        typer.Option("--format", "-f", help="table (field: value lines) or json."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """The database: path, schema version, region, currency and counts."""
    from custinfo.store.info import describe

    out = output.Output()
    facts = describe(context.open_store(db, passphrase_file))
    if format is not None and str(format) == "json":
        out.json(facts)
        return
    for name, value in facts.items():
        out.data(f"{name}: {'' if value is None else value}")
