"""custinfo add."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context
from custinfo.i18n import _

app = typer.Typer()


@app.command()
def add(
    name: Annotated[str, typer.Option("--name", "-n", help="Full name (required).")],
    phone: Annotated[
        list[str] | None, typer.Option("--phone", "-p", help="Phone (repeatable).")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", "-e", help="Email (repeatable).")
    ] = None,
    company: Annotated[str | None, typer.Option(help="Company.")] = None,
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    city: Annotated[str | None, typer.Option(help="City.")] = None,
    birthday: Annotated[str | None, typer.Option(help="Birthday as YYYY-MM-DD.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")] = None,
    note: Annotated[str | None, typer.Option(help="A first note for the interaction log.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE", help="A custom field's value (repeatable)."),
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="Add even if a phone or email already belongs to another customer.",
        ),
    ] = False,
    allow_suppressed: Annotated[
        bool,
        typer.Option(
            "--allow-suppressed",
            help="Add even if a phone or email belongs to an erased (purged) person.",
        ),
    ] = False,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Add a customer and print the new id alone on stdout."""
    from custinfo.cli.output import Output
    from custinfo.validation import customer_input

    store = context.open_store(db, passphrase_file)
    new = customer_input(
        name=name,
        region=context.region(store, region),
        phones=phone or (),
        emails=email or (),
        company=company,
        address=address,
        city=city,
        birthday=birthday,
        tags=tag or (),
        notes=[note] if note else (),
    )
    if set_:
        from custinfo.fields import assignments

        new.fields = [(f.id, v) for f, v in assignments(store, set_) if v is not None]
    out = Output()
    new_id = store.add(new, allow_duplicate=allow_duplicate, allow_suppressed=allow_suppressed)
    out.data(str(new_id))
    from custinfo.dedupe import likely_duplicates

    for other_id, _score, reasons in likely_duplicates(store, new, exclude=new_id)[:3]:
        out.warn(
            _("possible duplicate of customer {other_id}: {value}").format(
                other_id=other_id, value="; ".join(reasons)
            )
        )
