"""custinfo field add | list | rename | choices | remove."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output
from custinfo.i18n import _

app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="Declare custom fields (member tier, points, expiry, ...) and change them.",
)  # fmt: skip

KeyArgument = Annotated[str, typer.Argument(metavar="KEY", help="The field's key, e.g. tier.")]
ListFormat = output.choices("table", "csv", "json", "ndjson")


@app.command("add")
def add_field(
    key: KeyArgument,
    type_: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="text, number, money, date, choice, multichoice or bool.",
        ),
    ],
    label: Annotated[
        str | None, typer.Option("--label", help="What people see (default: KEY), e.g. 会员等级.")
    ] = None,
    choices: Annotated[
        str | None,
        typer.Option("--choices", metavar="A,B,C", help="The choices of a choice field, in order."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Declare a field, e.g. `field add tier --type choice --label 会员等级 --choices 金卡,银卡`."""
    from custinfo.fields import check_key, check_type, manage, parse_choices

    check_key(key), check_type(type_), parse_choices(choices)  # bad input: before the KDF
    field = manage.add(context.open_store(db, passphrase_file), key, type_, label=label,
                       choices=choices)  # fmt: skip
    output.Output().info(
        _("added field {key} ({type}, label {label})").format(
            key=field.key, type=field.type, label=repr(field.label)
        )
    )


@app.command("list")
def list_fields(
    format: Annotated[
        ListFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Every field: key, label, type, choices and how many customers have a value."""
    from custinfo.fields import manage

    out = output.Output()
    rows = [
        (f.key, f.label, f.type, f.choice_labels(), count)
        for f, count in manage.listing(context.open_store(db, passphrase_file))
    ]
    out.rows(("key", "label", "type", "choices", "count"), rows, out.choose(format))


@app.command("rename")
def rename_field(
    key: KeyArgument,
    new_key: Annotated[str, typer.Argument(metavar="NEW_KEY", help="The new key.")],
    label: Annotated[str | None, typer.Option("--label", help="A new label too.")] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Give a field a new key (and label); its values stay."""
    from custinfo.fields import manage

    field = manage.rename(context.open_store(db, passphrase_file), key, new_key, label=label)
    output.Output().info(
        _("field {old} is now {key} (label {label})").format(
            old=key, key=field.key, label=repr(field.label)
        )
    )


@app.command("choices")
def field_choices(
    key: KeyArgument,
    add: Annotated[
        list[str] | None, typer.Option("--add", metavar="CHOICE", help="Append a choice.")
    ] = None,
    remove: Annotated[
        list[str] | None,
        typer.Option("--remove", metavar="CHOICE", help="Remove a choice nobody holds."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Add or remove choices (a choice still held by customers is refused, exit 1)."""
    from custinfo.fields import manage

    field = manage.change_choices(context.open_store(db, passphrase_file), key, add=add,
                                  remove=remove)  # fmt: skip
    output.Output().info(
        _("field {key}: {choices}").format(key=field.key, choices=", ".join(field.choice_labels()))
    )


@app.command("remove")
def remove_field(
    key: KeyArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Remove a field and erase every value of it (the audit log keeps the key and count)."""
    from custinfo.cli import terminal
    from custinfo.fields import manage

    store = context.open_store(db, passphrase_file)
    field, count = manage.holders(store, key)
    terminal.confirm(
        _("remove field {key} and erase its value from {count} customers?").format(
            key=field.key, count=count
        ),
        yes=yes, what="field remove",
    )  # fmt: skip
    field, erased = manage.remove(store, field.key)
    output.Output().info(
        _("removed field {key}: {count} values erased").format(key=field.key, count=erased)
    )
