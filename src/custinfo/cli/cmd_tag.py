"""custinfo tag add | remove | list | rename."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output
from custinfo.i18n import _, plural

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Add, remove, list and rename tags."
)

IdsArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[ID]...",
        help="Customer ids; none or '-' reads ids from stdin, one per line.",
        show_default=False,
    ),
]


ListFormat = output.choices("table", "csv", "json", "ndjson")


@app.command("add")
def add_tag(
    tag: Annotated[str, typer.Argument(metavar="TAG", help="The tag (no commas).")],
    ids: IdsArgument = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Tag customers: `custinfo find --city 上海 --format ids | custinfo tag add shanghai`."""
    from custinfo import tags

    wanted = _read_ids(ids)
    store = context.open_store(db, passphrase_file)
    change = tags.add(store, tag, wanted)
    _report(
        _("tagged {customers} with {tag!r}").format(
            customers=plural(change.changed, "customer"), tag=change.tag
        ),
        _("({n} already had it)").format(n=f"{change.unchanged:,}") if change.unchanged else "",
    )


@app.command("remove")
def remove_tag(
    tag: Annotated[str, typer.Argument(metavar="TAG", help="The tag.")],
    ids: IdsArgument = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Remove a tag from customers (ids as for `tag add`)."""
    from custinfo import tags

    wanted = _read_ids(ids)
    store = context.open_store(db, passphrase_file)
    change = tags.remove(store, tag, wanted)
    _report(
        _("removed {tag!r} from {customers}").format(
            tag=change.tag, customers=plural(change.changed, "customer")
        ),
        _("({n} did not have it)").format(n=f"{change.unchanged:,}") if change.unchanged else "",
    )


@app.command("list")
def list_tags(
    format: Annotated[
        ListFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: table on a terminal, else csv)."
        ),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Every tag with how many customers have it, sorted by tag."""
    from custinfo import tags

    out = output.Output()
    rows = tags.counts(context.open_store(db, passphrase_file))
    out.rows(("tag", "count"), rows, out.choose(format))


@app.command("rename")
def rename_tag(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The tag to rename.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The new name (merges if it exists).")],
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Rename a tag; if NEW already exists the two are merged under NEW's spelling."""
    from custinfo import tags
    from custinfo.cli.output import Output

    change = tags.rename(context.open_store(db, passphrase_file), old, new)
    Output().info(
        _("renamed to {tag!r}: {customers}").format(
            tag=change.tag, customers=plural(change.changed + change.unchanged, "customer")
        )
    )


def _read_ids(args: list[str] | None) -> list[int]:
    """Ids from the arguments; none or '-' reads one id per line from stdin."""
    import sys

    from custinfo.cli import terminal
    from custinfo.cli.options import parse_customer_id
    from custinfo.errors import UsageError

    def parse(where: str, value: str) -> int:
        try:
            return parse_customer_id(value)
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None

    values = list(args or [])
    ids = [parse(_("argument"), value) for value in values if value != "-"]
    if not values or "-" in values:
        if not terminal.stdin_piped():
            raise UsageError(_("give customer ids, or pipe them in one per line"))
        lines = [line.strip() for line in sys.stdin.read().splitlines()]
        ids += [
            parse(_("stdin line {n}").format(n=n), value)
            for n, value in enumerate(lines, 1)
            if value
        ]
    if not ids:
        raise UsageError(_("no customer ids given"))
    return ids


def _report(message: str, extra: str) -> None:
    from custinfo.cli.output import Output
    from custinfo.i18n import gap

    Output().info(message + (gap() + extra if extra else ""))
