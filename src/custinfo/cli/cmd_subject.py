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
    from custinfo.fields import catalog

    labels = {f.key: f.label for f in catalog(store)}
    out.customer_detail(data["customer"], Format.table, labels)
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
    if data["purposes"]:
        out.data("")
        out.table(
            ["purpose", "label", "basis", "consent", "opted out"],
            [[p["purpose"], p["label"], p["basis"], p["state"] or "", ", ".join(p["opted_out"])]
             for p in data["purposes"]],
            title="Purposes",
        )  # fmt: skip
    kept = data["retention"]
    out.data("")
    out.data(f"retention: {kept['until'] or kept['note']}"
             + (f" ({kept['purpose']}: {kept['rule']})" if kept["purpose"] else ""))  # fmt: skip
    if data["exports"]:
        out.data("")
        out.table(
            ["audit id", "at", "purpose", "channel", "count", "sha256"],
            [[str(e["id"]), e["at"], e["purpose"], e["channel"] or "", str(e["count"]),
              e["sha256"] or ""] for e in data["exports"]],
            title="Exports that included this person",
        )  # fmt: skip
    out.data("")
    out.table(
        ["audit id", "at", "command", "fields", "detail"],
        [[str(e["id"]), e["at"], e["command"], ", ".join(e["fields"]), e["detail"] or ""]
         for e in data["audit_events"]],
        title=_("Audit events"),
    )  # fmt: skip
