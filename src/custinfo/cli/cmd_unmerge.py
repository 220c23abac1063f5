"""custinfo unmerge."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options
from custinfo.i18n import _

app = typer.Typer()


@app.command()
def unmerge(
    customer_id: Annotated[
        int,
        typer.Argument(
            metavar="ID", help="A customer that absorbed others.", parser=options.customer_id
        ),
    ],
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Undo the last merge into ID: the absorbed customers come back exactly as they were."""
    from custinfo.cli.output import Output

    store = context.open_store(db, passphrase_file)
    restored = store.unmerge(customer_id)
    out = Output()
    out.info(
        _("restored {value} from {customer_id}").format(
            value=", ".join(map(str, restored)), customer_id=customer_id
        )
    )
    for cid in restored:
        out.data(str(cid))
