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
    phone: filters.PhoneFilter = None,
    email: filters.EmailFilter = None,
    tag: filters.TagFilter = None,
    any_tag: filters.AnyTagFilter = None,
    not_tag: filters.NotTagFilter = None,
    city: filters.CityFilter = None,
    company: filters.CompanyFilter = None,
    added_since: filters.AddedSinceFilter = None,
    updated_since: filters.UpdatedSinceFilter = None,
    spent_over: filters.SpentOverFilter = None,
    spent_under: filters.SpentUnderFilter = None,
    orders_at_least: filters.OrdersAtLeastFilter = None,
    bought: filters.BoughtFilter = None,
    ordered_since: filters.OrderedSinceFilter = None,
    no_order_since: filters.NoOrderSinceFilter = None,
    contacted_since: filters.ContactedSinceFilter = None,
    no_contact_since: filters.NoContactSinceFilter = None,
    kind: filters.KindFilter = None,
    status: filters.StatusFilter = None,
    sort: filters.SortOption = filters.Sort.rank,
    limit: filters.LimitOption = None,
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
    q = filters.build_query(
        query, phone=phone, email=email, tag=tag, any_tag=any_tag, not_tag=not_tag,
        city=city, company=company, added_since=added_since, updated_since=updated_since,
        sort=sort, limit=limit,
        spent_over=spent_over, spent_under=spent_under, orders_at_least=orders_at_least,
        bought=bought, ordered_since=ordered_since, no_order_since=no_order_since,
        contacted_since=contacted_since, no_contact_since=no_contact_since, kind=kind,
        status=status,
    )  # fmt: skip
    filtered = not q.is_empty() or limit is not None or sort is not filters.Sort.rank
    if customer_id and filtered:
        raise UsageError(_("--id selects customers itself: use it without find filters"))
    if output is not None:
        from custinfo.files import guard

        guard(output, context.db_path(db))  # before the key is derived: fail fast
    store = context.open_store(db, passphrase_file)
    ids: list[int] | None = list(customer_id) if customer_id else None
    if ids is not None and (missing := store.missing_ids(ids)):
        raise NotFoundError(
            _("no customer with id {value}").format(value=", ".join(map(str, missing)))
        )
    if filtered:
        from custinfo import search

        ids = search.find_ids(store, q, context.region(store, region))
    with output_text(output, force=force, db_path=context.db_path(db)) as out:
        count = run_export(
            store, out, format.value, ids=ids, excel=excel, vcard_version=vcard_version.value
        )
    if output is not None:
        Output().info(
            _("exported {customers} to {output}").format(
                customers=plural(count, "customer"), output=output
            )
        )
