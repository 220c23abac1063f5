"""custinfo config list | get | set | unset | path: the settings, where they come from."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Show and change settings: the config file, or the database with --in-db.",
)

ListFormat = output.choices("table", "csv", "json")
InDbOption = Annotated[
    bool,
    typer.Option(
        "--in-db", help="The setting stored in the database (region, currency), for everyone."
    ),
]
KeyArgument = Annotated[str, typer.Argument(metavar="KEY", help="A setting name (config list).")]
_PATHS = ("db", "backup_dir", "passphrase_file")


def _default(name: str) -> str:
    from custinfo import i18n

    if name == "db":
        return str(context.db_path())
    if name == "language":
        return i18n.language()
    if name == "pager":
        from custinfo.cli import terminal

        argv = terminal.pager_command()
        return " ".join(argv) if argv else ""
    return ""


def _db_values(db: context.DbOption, passphrase_file: context.PassphraseFileOption) -> dict:
    from custinfo.config import SETTINGS

    store = context.open_store(db, passphrase_file)
    return {n: store.meta(n) or "" for n, s in SETTINGS.items() if s.in_db}


@app.command("list")
def list_(
    format: Annotated[
        ListFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    in_db: InDbOption = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Every setting with its value and where it comes from (env, config, default, database)."""
    from custinfo.config import SETTINGS

    out = output.Output()
    stored = _db_values(db, passphrase_file) if in_db else {}
    rows = []
    for name, setting in SETTINGS.items():
        value, source = context.setting(name), context.source(name)
        if value is None:
            value = _default(name)
            if setting.in_db:
                source = "database"
                value = stored.get(name, "")
        rows.append([name, value or "", source])
        if name in stored and source != "database":
            rows.append([name, stored[name], "database"])
    out.rows(("key", "value", "source"), rows, out.choose(format))


@app.command()
def get(
    key: KeyArgument,
    in_db: InDbOption = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Print one setting's value (exit 3 when it is not set anywhere)."""
    from custinfo import config
    from custinfo.errors import NotFoundError, UsageError
    from custinfo.i18n import _

    setting = config.setting(key)
    if in_db:
        if not setting.in_db:
            raise UsageError(_("{key} is not stored in the database").format(key=key))
        value = _db_values(db, passphrase_file).get(key)
    else:
        value = context.setting(key) or _default(key)
    if not value:
        raise NotFoundError(_("{key} is not set").format(key=key))
    output.Output().data(value)


@app.command("set")
def set_(
    key: KeyArgument,
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")],
    in_db: InDbOption = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Set a setting in the config file, or with --in-db in the database (region, currency)."""
    import os
    from pathlib import Path

    from custinfo import config
    from custinfo.errors import UsageError
    from custinfo.i18n import _

    setting = config.setting(key)
    checked = setting.check(value)
    out = output.Output()
    if in_db:
        if not setting.in_db:
            raise UsageError(_("{key} is not stored in the database").format(key=key))
        store = context.open_store(db, passphrase_file)
        with store.write("config") as w:
            w.set_meta(key, checked)
        out.info(_("{key} = {value} in {path}").format(key=key, value=checked, path=store.path))
        overriding = context.setting(key)
        if overriding and overriding != checked:
            out.warn(
                _("your {source} still sets {key} = {value}, which wins for you").format(
                    source=context.source(key), key=key, value=overriding
                )
            )
        return
    if key in _PATHS and not checked.startswith("~") and not os.path.isabs(checked):
        checked = str(Path(checked).resolve())  # the config must not depend on the cwd
    where = config.set_value(key, checked)
    out.info(_("{key} = {value} in {path}").format(key=key, value=checked, path=where))


@app.command()
def unset(key: KeyArgument) -> None:
    """Remove a setting from the config file (the default applies again)."""
    from custinfo import config
    from custinfo.i18n import _

    config.setting(key)
    where = config.set_value(key, None)
    output.Output().info(_("{key} removed from {path}").format(key=key, path=where))


@app.command()
def path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from custinfo import config

    output.Output().data(str(config.path()))
