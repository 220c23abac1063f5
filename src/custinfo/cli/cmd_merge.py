"""custinfo merge."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options
from custinfo.i18n import _

app = typer.Typer()


@app.command()
def merge(
    keep_id: Annotated[
        int,
        typer.Argument(
            metavar="KEEP_ID", help="The customer that stays.", parser=options.customer_id
        ),
    ],
    other_ids: Annotated[
        list[int],
        typer.Argument(
            metavar="OTHER_ID...",
            help="Customers merged into KEEP_ID.",
            parser=options.customer_id,
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Merge customers into KEEP_ID, losing nothing (undo with 'custinfo unmerge KEEP_ID')."""
    from custinfo.cli import terminal
    from custinfo.cli.output import Output
    from custinfo.errors import CustinfoError, UsageError

    out = Output()
    if not yes:
        if not terminal.person_present():
            raise UsageError(
                _("merge changes customers: confirm with --yes when not on a terminal")
            )
        store = context.open_store(db, passphrase_file)
        show_side_by_side(out, store, [keep_id, *other_ids])
        others = ", ".join(map(str, other_ids))
        if not terminal.ask(
            _("merge {others} into {keep_id}?").format(others=others, keep_id=keep_id)
        ):
            raise CustinfoError(_("not merged"))
    store = context.open_store(db, passphrase_file)
    result = store.merge(keep_id, other_ids)
    out.info(
        _("merged {value} into {keep}").format(
            value=", ".join(map(str, result.merged)), keep=result.keep
        )
    )
    out.data(str(result.keep))


def show_side_by_side(out: object, store: object, ids: list[int]) -> None:
    """The customers as columns, rows that differ highlighted (terminal only)."""
    from rich.markup import escape
    from rich.table import Table

    customers = store.get_many(ids)  # type: ignore[attr-defined]
    table = Table(show_lines=False, header_style="bold")
    table.add_column("field", style="bold")
    for index, c in enumerate(customers, start=1):
        table.add_column(f"[{index}] #{c.id}", overflow="fold")
    for name in ("name", "phones", "emails", "company", "address", "city", "birthday", "tags",
                 "notes", "source", "created_at"):  # fmt: skip
        values = []
        for c in customers:
            value = c.to_dict()[name]
            if name == "notes":
                value = [f"{n['at'][:10]} {n['text']}" for n in value]
            values.append(
                "\n".join(value) if isinstance(value, list) else ("" if value is None else value)
            )
        differ = len(set(values)) > 1
        style = "yellow" if differ else None
        label = f"{name} *" if differ else name  # visible without colour too
        table.add_row(label, *(escape(v) for v in values), style=style)
    out.console().print(table)  # type: ignore[attr-defined]
