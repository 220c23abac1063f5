"""custinfo export."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import context, filters, options
from custinfo.i18n import _, plural

app = typer.Typer()


class ExportFormatOption(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"


class VcardVersion(StrEnum):
    v3 = "3.0"
    v4 = "4.0"


@app.command()
@filters.selects(ordering=True)
def export(
    query: filters.QueryArgument = None,
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
    vcard_version: Annotated[
        VcardVersion,
        typer.Option("--vcard-version", help="vCard 3.0 (phones, iOS, Outlook) or 4.0."),
    ] = VcardVersion.v3,
    customer_id: Annotated[
        list[int] | None,
        typer.Option(
            "--id", help="Export only this customer (repeatable).", parser=options.customer_id
        ),
    ] = None,
    select: filters.Selection = None,
    for_purpose: Annotated[
        str | None,
        typer.Option(
            "--for",
            metavar="PURPOSE",
            help="Only people contactable for PURPOSE.",
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help="With --for: sms|email|phone|wechat|post|any."),
    ] = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Export customers as CSV (default), JSON, NDJSON or vCard (3.0; 4.0 on request).

    Everyone by default (in id order), or the customers the find filters select (in their
    order), or those given with --id.
    """
    from custinfo.cli.output import Output
    from custinfo.cli.terminal import output_text
    from custinfo.errors import NotFoundError, UsageError
    from custinfo.export import export as run_export

    if excel and format is not ExportFormatOption.csv:
        raise UsageError(_("--excel applies to --format csv only"))
    if vcard_version is not VcardVersion.v3 and format is not ExportFormatOption.vcard:
        raise UsageError(_("--vcard-version applies to --format vcard only"))
    q = select.query()
    filtered = select.is_given()
    if customer_id and filtered:
        raise UsageError(_("--id selects customers itself: use it without find filters"))
    if channel is not None and for_purpose is None:
        raise UsageError(_("--channel applies to --for PURPOSE only"))
    if output is not None:
        from custinfo.files import guard

        guard(output, context.db_path(db))  # before the key is derived: fail fast
    store = context.open_store(db, passphrase_file)
    ids: list[int] | None = list(customer_id) if customer_id else None
    if ids is not None and (missing := store.missing_ids(ids)):
        raise NotFoundError(
            _("no customer with id {value}").format(value=", ".join(map(str, missing)))
        )
    if for_purpose is not None:  # fail on an unknown purpose or channel before any output
        from custinfo.privacy.consent import check_channel, get_purpose

        get_purpose(store, for_purpose)
        check_channel(channel)
    if filtered:
        from custinfo import search

        ids = search.iter_ids(store, q, context.region(store, region))  # type: ignore[assignment]
    with output_text(output, force=force, db_path=context.db_path(db)) as out:
        if for_purpose is None:
            count = run_export(
                store, out, format.value, ids=ids, excel=excel, vcard_version=vcard_version.value
            )
        else:
            from custinfo.privacy.gated import export_for

            given = _given_filters(select, customer_id, region)
            chosen = None if ids is None else list(ids)  # classified before any output
            gated = export_for(
                store, out, format.value, ids=chosen, purpose=for_purpose, channel=channel,
                excel=excel, vcard_version=vcard_version.value, filters=given,
            )  # fmt: skip
    if for_purpose is not None:
        Output().info(gated.line())
    elif output is not None:
        Output().info(
            _("exported {customers} to {output}").format(
                customers=plural(count, "customer"), output=output
            )
        )


def _given_filters(
    select: filters.Selection, ids: list[int] | None, region: str | None
) -> dict[str, object]:
    """The selection options given, by option name (for the audit entry's filter HMAC)."""
    given = select.given()
    if ids:
        given["--id"] = list(ids)
    if region:
        given["--region"] = region
    return given
