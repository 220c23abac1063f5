"""custinfo purpose add | list: why personal data is processed, on which basis, how long."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Declare and list purposes.")

ListFormat = output.choices("table", "csv", "json", "ndjson")
COLUMNS = ("key", "label", "basis", "retention", "from", "created_at")


class Basis(StrEnum):
    consent = "consent"
    contract = "contract"
    legal_obligation = "legal-obligation"
    legitimate_interest = "legitimate-interest"


class From(StrEnum):
    last_contact = "last-contact"
    withdrawal = "withdrawal"
    created = "created"


@app.command("add")
def add(
    key: Annotated[str, typer.Argument(metavar="KEY", help="Short key, e.g. sms-marketing.")],
    label: Annotated[str, typer.Option("--label", help="What it is, e.g. 短信营销.")],
    basis: Annotated[Basis, typer.Option("--basis", help="The lawful basis.")],
    retention: Annotated[
        str | None,
        typer.Option("--retention", metavar="DURATION", help="Keep data this long: 2y, 18m, 90d."),
    ] = None,
    from_: Annotated[
        From | None,
        typer.Option("--from", help="What the retention counts from (default: last-contact)."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Declare a purpose: `custinfo purpose add sms-marketing --label 短信营销 --basis
    consent --retention 2y --from withdrawal`. Prints the key."""
    from custinfo.cli.output import Output
    from custinfo.privacy import consent

    store = context.open_store(db, passphrase_file)
    purpose = consent.add_purpose(
        store, key, label=label, basis=basis.value, retention=retention,
        retention_from=from_.value if from_ else None,
    )  # fmt: skip
    Output().data(purpose.key)


@app.command("list")
def list_(
    format: Annotated[
        ListFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Every purpose: key, label, basis, retention period and what it counts from."""
    from custinfo.cli.output import Output
    from custinfo.privacy import consent

    store = context.open_store(db, passphrase_file)
    out = Output()
    rows = [
        [p.key, p.label, p.basis, p.retention, p.retention_from, p.created_at]
        for p in consent.purposes(store)
    ]
    shown = out.rows(COLUMNS, rows, out.choose(format), title="Purposes")
    if not shown and out.is_tty:
        from custinfo.i18n import _

        out.info(_("no purposes yet: add one with 'custinfo purpose add'"))
