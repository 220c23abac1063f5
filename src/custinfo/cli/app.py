"""The root command. Subcommands are imported only when run, so `--help` stays fast.

To add a command: create `custinfo/cli/cmd_<name>.py` defining `app = typer.Typer()` with
its command(s), and list it in COMMANDS with a one-line summary (shown by `custinfo --help`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from custinfo import __version__
from custinfo.cli._click import click

#: name -> (module, one-line help). Order is the order in `custinfo --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("custinfo.cli.cmd_init", "Create a new encrypted customer database."),
    "add": ("custinfo.cli.cmd_add", "Add a customer; prints the new id."),
    "show": ("custinfo.cli.cmd_show", "Show everything about one customer."),
    "edit": ("custinfo.cli.cmd_edit", "Change fields of a customer."),
    "note": ("custinfo.cli.cmd_note", "Append a note to a customer's interaction log."),
    "find": ("custinfo.cli.cmd_find", "Find customers by any scrap: name, phone, email, text."),
    "tag": ("custinfo.cli.cmd_tag", "Add, remove, list and rename tags."),
    "field": ("custinfo.cli.cmd_field", "Declare custom fields (tier, points, ...); list, change."),
    "import": ("custinfo.cli.cmd_import", "Import customers from CSV, TSV, JSON or NDJSON."),
    "export": ("custinfo.cli.cmd_export", "Export customers as CSV, JSON, NDJSON or vCard."),
    "dedupe": ("custinfo.cli.cmd_dedupe", "Find likely duplicate customers; review or merge them."),
    "merge": ("custinfo.cli.cmd_merge", "Merge customers into one, losing nothing."),
    "unmerge": ("custinfo.cli.cmd_unmerge", "Undo the last merge into a customer."),
    "purge": ("custinfo.cli.cmd_purge", "Erase customers completely (right to erasure)."),
    "suppress": ("custinfo.cli.cmd_suppress", "Inspect the suppression list of erased contacts."),
    "backup": ("custinfo.cli.cmd_backup", "Create, list, verify and restore encrypted backups."),
    "check": ("custinfo.cli.cmd_check", "Check the integrity of the database."),
    "subject": ("custinfo.cli.cmd_subject", "Data-subject access report: all held on a person."),
    "demo": ("custinfo.cli.cmd_demo", "Walk through custinfo on a throwaway demo database."),
}


_COMPLETION_PARAMS = ("install_completion", "show_completion")


class Escaped(Exception):
    """Carries a KeyboardInterrupt or BrokenPipeError past Typer's `main()` to `cli/main.py`.

    Typer's `main()` turns Ctrl-C into a silent exit 130 and a broken pipe into exit 1 (after
    replacing sys.stdout); `cli/main.py` unwraps `__cause__` and reports it like any error.
    """


class LazyGroup(TyperGroup):
    """A group whose subcommands are imported on first use."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, BrokenPipeError) as exc:
            raise Escaped() from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, summary = entry
        if getattr(ctx, "_custinfo_listing", False):
            # Listing commands in the root help: a stub avoids importing every module.
            return TyperCommand(cmd_name, help=summary, short_help=summary)
        module = importlib.import_module(module_name)
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        # Each module's own Typer() would add --install-completion/--show-completion here.
        command.params = [p for p in command.params if p.name not in _COMPLETION_PARAMS]
        return command

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        ctx._custinfo_listing = True  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx._custinfo_listing = False  # type: ignore[attr-defined]

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            close = [c for c in COMMANDS if c.startswith(name[:2])]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise click.exceptions.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"custinfo {__version__}")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Database file (else $CUSTINFO_DB, else the user data dir)."),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option("--passphrase-file", help="Read the passphrase from this file's first line."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """custinfo: customer information in a local encrypted database.

    Data goes to stdout, messages to stderr.

    Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 11 locked,
    12 passphrase, 13 integrity check failed, 130 interrupted.
    """
    from custinfo.cli import context

    context.set_defaults(db=db, passphrase_file=passphrase_file)


def build() -> click.Command:
    app = typer.Typer(
        cls=LazyGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        add_completion=False,
    )
    app.callback()(_root)
    return typer.main.get_command(app)
