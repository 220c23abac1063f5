"""custinfo init."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer()


@app.command()
def init(
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            metavar="CC",
            help="Default region for phones typed without +country (default: the config's, "
            "else CN).",
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            metavar="CODE",
            help="The database currency of orders, ISO 4217 (default: the config's, else CNY).",
        ),
    ] = None,
    force_weak: Annotated[
        bool,
        typer.Option("--force-weak", help="Accept a passphrase shorter than 8 characters."),
    ] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Create a new encrypted customer database (refuses to overwrite one).

    Asks for the new passphrase twice (or takes it from --passphrase-file or the passphrase
    variables). A lost passphrase cannot be recovered: the data and every backup go with it.
    """
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError
    from custinfo.i18n import _
    from custinfo.money import check_currency
    from custinfo.store import Store

    code = context.region(None, region)
    money = check_currency(currency or context.setting("currency") or "CNY")
    path = context.db_path(db)
    if path.exists():
        raise UsageError(_("{path} already exists; refusing to overwrite it").format(path=path))
    key = context.new_passphrase_key(passphrase_file, force_weak=force_weak)
    Store.create(path, key, region=code, currency=money).close()
    out = Output()
    out.info(
        _("created {path} (region {region}, currency {currency})").format(
            path=path, region=code, currency=money
        )
    )
    out.info(_("next: custinfo import FILE      # your customers from a CSV or Excel file"))
    out.info(_("      custinfo add --name NAME --phone PHONE   # or one by one"))
