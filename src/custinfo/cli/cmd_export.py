"""custinfo export."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer()


class ExportFormatOption(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


@app.command()
def export(
    format: Annotated[
        ExportFormatOption, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormatOption.csv,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (created 0600) instead of stdout."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    excel: Annotated[
        bool,
        typer.Option(help="CSV for spreadsheets: BOM, CRLF, formula-like cells neutralised."),
    ] = False,
    customer_id: Annotated[
        list[int] | None,
        typer.Option("--id", help="Export only this customer (repeatable)."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Export customers as CSV (default), JSON, NDJSON or vCard 4.0, to stdout or a file."""
    from custinfo.cli.output import Output
    from custinfo.cli.streams import output_text
    from custinfo.errors import NotFoundError, UsageError
    from custinfo.exporter import export as run_export

    if excel and format is not ExportFormatOption.csv:
        raise UsageError("--excel applies to --format csv only")
    store = context.open_store(db, passphrase_file)
    ids: list[int] | None = list(customer_id) if customer_id else None
    if ids is not None and (missing := store.missing_ids(ids)):
        raise NotFoundError(f"no customer with id {', '.join(map(str, missing))}")
    with output_text(output, force=force) as out:
        count = run_export(store, out, format.value, ids=ids, excel=excel)
    if output is not None:
        Output().info(f"exported {count} customers to {output}")
