"""custinfo find."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, filters
from custinfo.cli.output import Format

app = typer.Typer(add_completion=False)

#: Rows a terminal shows when no --limit is given (a pipe gets every match).
PAGE = 50


@app.command()
def find(
    query: filters.QueryArgument = None,
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
    format: Annotated[
        Format | None,
        typer.Option(
            "--format", "-f", help="Output format (default: table on a terminal, else csv)."
        ),
    ] = None,
    limit: filters.LimitOption = None,
    sort: filters.SortOption = filters.Sort.rank,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Find customers by any scrap: part of a name, a phone typed any way, an email, a word.

    With no match the output is empty (CSV: the header row only) and the exit code is 0.
    """
    from custinfo import search
    from custinfo.cli.output import Output

    out = Output()
    fmt = out.choose(format)
    q = filters.build_query(
        query, phone=phone, email=email, tag=tag, any_tag=any_tag, not_tag=not_tag,
        city=city, company=company, added_since=added_since, updated_since=updated_since,
        sort=sort, limit=limit,
        spent_over=spent_over, spent_under=spent_under, orders_at_least=orders_at_least,
        bought=bought, ordered_since=ordered_since, no_order_since=no_order_since,
        contacted_since=contacted_since, no_contact_since=no_contact_since, kind=kind,
        status=status,
    )  # fmt: skip
    store = context.open_store(db, passphrase_file)
    where = context.region(store, region)
    paged = out.is_tty and limit is None
    if paged:
        q.limit = PAGE + 1
    ids = search.find_ids(store, q, where)
    more = 0
    if paged and len(ids) > PAGE:
        more = search.count(store, q, where) - PAGE
        ids = ids[:PAGE]
    # No match on a terminal: no empty table, just the message below.
    shown = 0 if not ids and fmt is Format.table else out.customers(_load(store, ids), fmt)
    if more:
        from custinfo.i18n import _

        out.info(
            _(
                "{more} more matched (showing the first {page}); use --limit N, or pipe the "
                "output to get every match"
            ).format(more=f"{more:,}", page=PAGE)
        )
    elif shown == 0 and out.is_tty:
        from custinfo.i18n import _

        out.info(_("no customer matched"))


def _load(store, ids):  # type: ignore[no-untyped-def]
    """Customers for `ids` in order, loaded in batches (memory stays flat for big results)."""
    for start in range(0, len(ids), 1000):
        yield from store.get_many(ids[start : start + 1000])
