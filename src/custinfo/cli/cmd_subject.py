"""custinfo subject: a data-subject access report (everything stored about one person)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from custinfo.cli import context, options
from custinfo.i18n import _

app = typer.Typer()


class SubjectFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def subject(
    customer_id: options.CustomerIdArgument,
    format: Annotated[SubjectFormat, typer.Option("--format", "-f", help="Output format.")] = (
        SubjectFormat.table
    ),
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Every stored field, tag, note and source of one person, and the audit events about them."""
    from custinfo.cli.output import Format, Output
    from custinfo.privacy.access_report import report

    store = context.open_store(db, passphrase_file)
    data = report(store, customer_id)
    out = Output()
    if format is SubjectFormat.json:
        out.json(data)
        return
    out.customer_detail(data["customer"], Format.table)
    if data["merged_ids"]:
        out.data(
            _("merged into this customer: {ids}").format(
                ids=", ".join(map(str, data["merged_ids"]))
            )
        )
    for kind, rows in data["records"].items():
        if rows:
            out.data("")
            out.records(kind, rows)
    out.data("")
    out.table(
        ["audit id", "at", "command", "fields", "detail"],
        [[str(e["id"]), e["at"], e["command"], ", ".join(e["fields"]), e["detail"] or ""]
         for e in data["audit_events"]],
        title=_("Audit events"),
    )  # fmt: skip
