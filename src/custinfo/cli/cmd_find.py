"""custinfo find."""

from __future__ import annotations

from itertools import chain, islice
from typing import Annotated

import typer

from custinfo.cli import context, filters
from custinfo.cli.output import Format, choices

FindFormat = choices("table", "csv", "json", "ndjson", "ids")

app = typer.Typer(add_completion=False)

#: Rows a terminal shows when no --limit is given (a pipe gets every match).
PAGE = 50
#: Beyond this many more matches a terminal says "more than 1,000 more" (counting them
#: all would cost more than the page itself).
MORE = 1000


@app.command()
@filters.selects(ordering=True)
def find(
    query: filters.QueryArgument = None,
    select: filters.Selection = None,
    format: Annotated[
        FindFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: table on a terminal, else csv)."
        ),
    ] = None,
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
    q = select.query()
    store = context.open_store(db, passphrase_file)
    code = context.region(store, region)
    if not out.is_tty or q.limit is not None:  # every match (or --limit), streamed
        ids = search.iter_ids(store, q, code)
        if fmt is Format.csv:  # from the stored export cells: the bytes `export` writes
            shown = out.customers_csv(store, ids)
        elif fmt is Format.ids:
            shown = out.customers(map(_Id, ids), fmt)  # type: ignore[arg-type]
        else:
            head = list(islice(ids, 1))
            # No match on a terminal: no empty table, just the message below.
            empty = not head and fmt is Format.table
            shown = 0 if empty else out.customers(_load(store, chain(head, ids)), fmt)
        if shown == 0 and out.is_tty:
            from custinfo.i18n import _

            out.info(_("no customer matched"))
        return
    q.limit = PAGE + 1
    ids = search.find_ids(store, q, code)
    more = 0
    if len(ids) > PAGE:
        more = search.count(store, q, code, cap=PAGE + MORE + 1) - PAGE
        ids = ids[:PAGE]
    keys: list[str] = []
    if fmt is Format.csv:  # a column per custom field, as `export` writes
        from custinfo.fields import catalog

        keys = [f.key for f in catalog(store)]
    # No match on a terminal: no empty table, just the message below.
    shown = (
        0 if not ids and fmt is Format.table
        else out.customers(_load(store, ids), fmt, field_keys=keys)
    )  # fmt: skip
    if more:
        from custinfo.i18n import _

        if more > MORE:  # counting them all would cost more than the page
            message = _(
                "more than {more} more matched (showing the first {page}); use --limit N, or "
                "pipe the output to get every match"
            )
        else:
            message = _(
                "{more} more matched (showing the first {page}); use --limit N, or pipe the "
                "output to get every match"
            )
        out.info(message.format(more=f"{min(more, MORE):,}", page=PAGE))
    elif shown == 0:
        from custinfo.i18n import _

        out.info(_("no customer matched"))


class _Id:
    """Enough of a customer for the ids format: the ids print without loading anyone."""

    __slots__ = ("id",)

    def __init__(self, cid: int) -> None:
        self.id = cid


def _load(store, ids):  # type: ignore[no-untyped-def]
    """Customers for `ids` in order, loaded in batches (memory stays flat for big results)."""
    ids = iter(ids)
    while batch := list(islice(ids, 1000)):
        yield from store.get_many(batch)
