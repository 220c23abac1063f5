"""custinfo edit."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options

app = typer.Typer()

ListOpt = list[str] | None


@app.command()
def edit(
    customer_id: options.CustomerIdArgument,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    add_phone: Annotated[ListOpt, typer.Option("--add-phone", help="Add a phone.")] = None,
    remove_phone: Annotated[ListOpt, typer.Option("--remove-phone", help="Remove a phone.")] = None,
    add_email: Annotated[ListOpt, typer.Option("--add-email", help="Add an email.")] = None,
    remove_email: Annotated[
        ListOpt, typer.Option("--remove-email", help="Remove an email.")
    ] = None,
    company: Annotated[str | None, typer.Option(help="Company ('' clears).")] = None,
    address: Annotated[str | None, typer.Option(help="Address ('' clears).")] = None,
    city: Annotated[str | None, typer.Option(help="City ('' clears).")] = None,
    birthday: Annotated[str | None, typer.Option(help="YYYY-MM-DD ('' clears).")] = None,
    set_: Annotated[
        ListOpt,
        typer.Option("--set", metavar="KEY=VALUE", help="Set a custom field (KEY= clears)."),
    ] = None,
    unset: Annotated[
        ListOpt, typer.Option("--unset", metavar="KEY", help="Clear a custom field.")
    ] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option("--allow-duplicate", help="Allow a phone or email that another customer has."),
    ] = False,
    allow_suppressed: Annotated[
        bool,
        typer.Option(
            "--allow-suppressed", help="Allow a phone or email of an erased (purged) person."
        ),
    ] = False,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Change fields of a customer (an empty value clears a field)."""
    from custinfo import validation as v
    from custinfo.store.repo import CustomerEdit

    store = context.open_store(db, passphrase_file)
    code = context.region(store, region)
    scalars: dict[str, str | None] = {}
    for field, raw in (("company", company), ("address", address), ("city", city)):
        if raw is not None:
            scalars[field] = v.normalize_optional(raw, field)
    if birthday is not None:
        scalars["birthday"] = v.normalize_birthday(birthday)
    custom = []
    if set_ or unset:
        from custinfo import fields
        from custinfo.errors import UsageError

        custom = fields.assignments(store, set_ or [])
        custom += [(f, None) for f in fields.unset_fields(store, unset or [])]
        if len({f.id for f, _ in custom}) < len(custom):
            raise UsageError("a field is both set and unset")
    change = CustomerEdit(
        name=v.normalize_name(name) if name is not None else None,
        add_phones=v.unique_phones(add_phone or (), code),
        remove_phones=v.unique_phones(remove_phone or (), code),
        add_emails=v.unique_emails(add_email or ()),
        remove_emails=v.unique_emails(remove_email or ()),
        scalars=scalars,
        custom=custom,
    )
    store.edit(
        customer_id, change, allow_duplicate=allow_duplicate, allow_suppressed=allow_suppressed
    )
