"""custinfo show."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from custinfo.cli import context, options

app = typer.Typer()


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def show(
    customer_id: options.CustomerIdArgument,
    format: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.table
    ),
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Show everything about one customer."""
    from custinfo.cli.output import Format, Output

    store = context.open_store(db, passphrase_file)
    customer = store.get(customer_id)
    labels = None
    if customer.fields:
        from custinfo.fields import catalog

        labels = {f.key: f.label for f in catalog(store)}
    from custinfo.followups.lookup import next_open

    record = customer.to_dict()
    record["next_followup"] = next_open(store, customer.id)  # appended after the others
    Output().customer_detail(record, Format(format.value), store.currency, labels)
