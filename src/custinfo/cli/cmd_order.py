"""custinfo order add | list | remove | import | export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from custinfo.cli import context, filters, options, output
from custinfo.cli.cmd_order_import import order_import

if TYPE_CHECKING:
    from custinfo.activity.orders import Order

app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="What customers bought: add, list, remove, import and export orders.",
)  # fmt: skip
app.command("import")(order_import)

ListFormat = output.choices("table", "csv", "json", "ndjson")
ExportFormat = output.choices("csv", "json", "ndjson")
#: Orders a terminal table shows (a pipe gets every one).
PAGE = 200
#: Columns of the terminal table (the other formats have every column).
TABLE = ("id", "customer_id", "at", "amount", "items", "channel", "ref")


@app.command("add")
def add(
    customer_id: options.CustomerIdArgument,
    amount: Annotated[
        str, typer.Option("--amount", help="299.00; negative for a refund.", show_default=False)
    ],
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code (default: the database's).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="DATE|DATETIME",
            help="When (local; a date alone: that day; default now).",
        ),
    ] = None,
    items: Annotated[str | None, typer.Option("--items", help="What was bought.")] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="Where: 淘宝, 门店, wechat ...")
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help="Order number (unique per channel).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note on the order.")] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Add an order to a customer; prints the new order id."""
    from custinfo.activity import orders

    store = context.open_store(db, passphrase_file)
    order_id = orders.add(
        store, customer_id, amount=amount, currency=currency or context.setting("currency"),
        at=at, items=items, channel=channel, ref=ref, note=note,
    )  # fmt: skip
    output.Output().data(str(order_id))


@app.command("list")
def list_orders(
    customer_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]", help="Only this customer's orders.", parser=options.customer_id
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="WHEN", help="On or after WHEN.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="WHEN", help="On or before WHEN.")
    ] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Only this channel.")] = None,
    format: Annotated[
        ListFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Orders in time order: one customer's, or everyone's."""
    from custinfo.activity import orders
    from custinfo.i18n import _

    out = output.Output()
    fmt = out.choose(format)
    store = context.open_store(db, passphrase_file)
    found = orders.select(store, customer_id, since=since, until=until, channel=channel)
    if fmt is output.Format.table and out.is_tty:  # a person reads a page, not 5M rows
        from itertools import islice

        found = list(islice(found, PAGE + 1))
        if len(found) > PAGE:
            found = found[:PAGE]
            out.info(_("showing the first {count} orders; narrow with --since/--until or pipe "
                       "the output to get every order").format(count=PAGE))  # fmt: skip
    count = _write(out, found, fmt)
    if count == 0 and out.is_tty:
        out.info(_("no orders"))


@app.command("remove")
def remove(
    order_id: Annotated[
        int, typer.Argument(metavar="ORDER_ID", help="The order's id.", parser=options.record_id)
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Remove one order (asks first)."""
    from custinfo import money, times
    from custinfo.activity import orders
    from custinfo.cli.terminal import confirm
    from custinfo.i18n import _

    store = context.open_store(db, passphrase_file)
    order = orders.get(store, order_id)
    question = _("Remove order {id} ({amount} on {at}) of customer {customer}?").format(
        id=order_id, amount=money.display(order.amount, order.currency),
        at=times.local_text(order.at), customer=order.customer_id,
    )  # fmt: skip
    confirm(question, yes=yes, what="order remove")
    orders.remove(store, order_id)
    output.Output().info(_("removed order {id}").format(id=order_id))


@app.command("export")
@filters.selects(ordering=True)
def export(
    query: filters.QueryArgument = None,
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormat.csv,  # type: ignore[attr-defined]
    select: filters.Selection = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Export orders as CSV (default), JSON or NDJSON: everyone's in id order, or those of
    the customers the find filters select (customer by customer, in find's order)."""
    from custinfo.activity import orders
    from custinfo.cli.terminal import output_text

    q = select.query()
    store = context.open_store(db, passphrase_file)
    if not select.is_given():
        found = orders.everything(store)
    else:
        from custinfo import search

        found = orders.of_customers(store, search.find_ids(store, q, context.region(store, region)))
    with output_text(None) as stream:
        _write(output.Output(stdout=stream), found, output.Format(str(format)))


def _write(out: output.Output, found: Any, fmt: output.Format) -> int:
    """Orders in `fmt`: every column, or the terminal table (local times, amounts for people)."""
    from custinfo.activity.orders import COLUMNS

    if fmt is output.Format.table:
        return out.rows(TABLE, (_table_row(o) for o in found), fmt)
    if fmt in (output.Format.json, output.Format.ndjson):  # streaming, one object a line
        import json

        lines = fmt is output.Format.ndjson
        count = 0
        if not lines:
            out.stdout.write("[")
        for order in found:
            text = json.dumps(order.to_dict(), ensure_ascii=False, separators=(",", ":"))
            out.stdout.write(text + "\n" if lines else ("," if count else "") + "\n  " + text)
            count += 1
        if not lines:
            out.stdout.write("\n]\n" if count else "]\n")
        return count
    return out.rows(COLUMNS, (o.values() for o in found), fmt)


def _table_row(order: Order) -> list[Any]:
    from custinfo import money, times

    return [order.id, order.customer_id, times.local_text(order.at),
            money.display(order.amount, order.currency), order.items, order.channel,
            order.ref or ""]  # fmt: skip
