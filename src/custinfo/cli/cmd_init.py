"""custinfo init."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer()


@app.command()
def init(
    region: Annotated[
        str, typer.Option("--region", help="Default region for phones typed without +country.")
    ] = "CN",
    currency: Annotated[
        str, typer.Option("--currency", help="The database currency (ISO 4217) for orders.")
    ] = "CNY",
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Create a new encrypted customer database (refuses to overwrite one)."""
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError
    from custinfo.money import check_currency
    from custinfo.store import Store
    from custinfo.validation import check_region

    code = check_region(region)
    money = check_currency(currency)
    path = context.db_path(db)
    if path.exists():
        raise UsageError(f"{path} already exists; refusing to overwrite it")
    key = context.passphrase_key(passphrase_file, confirm=True)
    Store.create(path, key, region=code, currency=money).close()
    Output().info(f"created {path} (region {code}, currency {money})")
