"""The root command. Subcommands are imported only when run, so `--help` stays fast.

To add a command: create `custinfo/cli/cmd_<name>.py` defining `app = typer.Typer()` with
its command(s), list it in COMMANDS with a one-line summary (shown by `custinfo --help`;
marked with `N_` so the catalogue translates it), and add its examples to
`cli/examples.py`. Every command built here gets the central help treatment
(`cli/help.py`: plain metavars, examples, the plain help screen).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from custinfo import __version__
from custinfo.cli import help as plain_help
from custinfo.cli._click import click
from custinfo.i18n import N_, _

#: name -> (module, one-line help). Order is the order in `custinfo --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("custinfo.cli.cmd_init", N_("Create a new encrypted customer database.")),
    "add": ("custinfo.cli.cmd_add", N_("Add a customer; prints the new id.")),
    "show": ("custinfo.cli.cmd_show", N_("Show everything about one customer.")),
    "edit": ("custinfo.cli.cmd_edit", N_("Change fields of a customer.")),
    "note": ("custinfo.cli.cmd_note", N_("Log a note or an interaction (call, complaint, ...).")),
    "order": ("custinfo.cli.cmd_order", N_("Add, list, remove, import and export orders.")),
    "timeline": (
        "custinfo.cli.cmd_timeline",
        N_("A customer's interactions, orders and merges."),
    ),
    # Follow-ups and the daily agenda (issue 13).
    "followup": ("custinfo.cli.cmd_followup", N_("Add, close, snooze and list follow-ups.")),
    "keep-in-touch": ("custinfo.cli.cmd_keep_in_touch", N_("Set how often to contact customers.")),
    "agenda": ("custinfo.cli.cmd_agenda", N_("Who needs attention today: follow-ups, birthdays.")),
    "find": ("custinfo.cli.cmd_find", N_("Find customers by any scrap: name, phone, email, text.")),
    "tag": ("custinfo.cli.cmd_tag", N_("Add, remove, list and rename tags.")),
    "field": (
        "custinfo.cli.cmd_field",
        N_("Declare custom fields (tier, points, ...); list, change."),
    ),
    "import": ("custinfo.cli.cmd_import", N_("Import customers from CSV, TSV, JSON or NDJSON.")),
    "export": ("custinfo.cli.cmd_export", N_("Export customers as CSV, JSON, NDJSON or vCard.")),
    "dedupe": (
        "custinfo.cli.cmd_dedupe",
        N_("Find likely duplicate customers; review or merge them."),
    ),
    "merge": ("custinfo.cli.cmd_merge", N_("Merge customers into one, losing nothing.")),
    "unmerge": ("custinfo.cli.cmd_unmerge", N_("Undo the last merge into a customer.")),
    "purge": ("custinfo.cli.cmd_purge", N_("Erase customers completely (right to erasure).")),
    "suppress": (
        "custinfo.cli.cmd_suppress",
        N_("Inspect the suppression list of erased contacts."),
    ),
    "backup": (
        "custinfo.cli.cmd_backup",
        N_("Create, list, verify and restore encrypted backups."),
    ),
    "check": ("custinfo.cli.cmd_check", N_("Check the integrity of the database.")),
    "info": ("custinfo.cli.cmd_info", N_("The database: path, schema, region, currency, counts.")),
    "report": (
        "custinfo.cli.cmd_report",
        N_("Reports: overview, growth, customer value (RFM), activity, quality."),
    ),
    "subject": (
        "custinfo.cli.cmd_subject",
        N_("Data-subject access report: all held on a person."),
    ),
    "purpose": ("custinfo.cli.cmd_purpose", N_("Declare purposes: lawful basis and retention.")),
    "consent": (
        "custinfo.cli.cmd_consent",
        N_("Consent per purpose, opt-outs, and their history."),
    ),
    "retention": ("custinfo.cli.cmd_retention", N_("List or erase customers past retention.")),
    "audit": ("custinfo.cli.cmd_audit", N_("Show the audit log and the exports made.")),
    "demo": ("custinfo.cli.cmd_demo", N_("Walk through custinfo on a throwaway demo database.")),
    "config": (
        "custinfo.cli.cmd_config",
        N_("Show and change settings (config file or database)."),
    ),
    "passwd": ("custinfo.cli.cmd_passwd", N_("Change the passphrase of the database.")),
    "completion": ("custinfo.cli.cmd_completion", N_("Print a shell completion script.")),
}

#: Names people try: an alias runs its command (read-only ones only); a hint names the
#: command to use instead (destructive ones are never run under another name).
ALIASES: dict[str, list[str]] = {"search": ["find"], "ls": ["find"], "tags": ["tag", "list"]}
HINTS: dict[str, str] = {
    "delete": "purge", "rm": "purge", "remove": "purge", "erase": "purge",
    "new": "add", "create": "add", "update": "edit", "view": "show",
    "password": "passwd", "rekey": "passwd", "settings": "config",
}  # fmt: skip


_COMPLETION_PARAMS = ("install_completion", "show_completion")


class _Deferred:
    """A parameter's coercion, built on its first value to coerce.

    Typer builds a pydantic TypeAdapter for every parameter of the command that runs, also
    for the options not given (value None, which it returns unchanged without the
    adapter): `agenda` has 31 such options. This returns None (or () for a repeatable
    option) as Typer's own `RuntimeParam.coerce` does, and builds the real coercion only
    for a value.
    """

    def __init__(self, build: Any) -> None:
        self.build = build  # typer._coercion.build_runtime_param

    def coerce(self, value: Any, param: Any, ctx: click.Context) -> Any:
        if value is None:
            return () if (param.multiple or param.nargs == -1) else None
        param._runtime_param = self.build(param.type_descriptor)
        return param._runtime_param.coerce(value, param=param, ctx=ctx)


def defer_coercion(command: click.Command) -> click.Command:
    """Give every Typer parameter of `command` (and its subcommands) a `_Deferred` (none
    if this Typer lacks the private hooks: then Typer coerces as it always does)."""
    try:
        from typer._coercion import build_runtime_param
    except ImportError:  # pragma: no cover - another Typer
        return command
    deferred = _Deferred(build_runtime_param)
    _defer(command, deferred)
    return command


def _defer(command: click.Command, deferred: _Deferred) -> None:
    for param in command.params:
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = deferred  # type: ignore[attr-defined]
    for sub in (getattr(command, "commands", None) or {}).values():
        _defer(sub, deferred)


def resolve_annotations(app: typer.Typer) -> typer.Typer:
    """Evaluate the annotations of `app`'s functions once: under `from __future__ import
    annotations` they are strings, which Typer evaluates again (`Annotated[...,
    typer.Option(...)]` and all) on each of its several passes over a signature."""
    import typing

    functions = [info.callback for info in app.registered_commands]
    if app.registered_callback is not None:
        functions.append(app.registered_callback.callback)
    for function in functions:
        if function is None or getattr(function, "_custinfo_resolved", False):
            continue
        try:
            function.__annotations__ = typing.get_type_hints(function, include_extras=True)
        except Exception:  # Typer evaluates them itself, and reports what fails
            continue
        function._custinfo_resolved = True  # type: ignore[attr-defined]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            resolve_annotations(group.typer_instance)
    return app


class Escaped(Exception):
    """Carries a KeyboardInterrupt or BrokenPipeError past Typer's `main()` to `cli/main.py`.

    Typer's `main()` turns Ctrl-C into a silent exit 130 and a broken pipe into exit 1 (after
    replacing sys.stdout); `cli/main.py` unwraps `__cause__` and reports it like any error.
    """


class LazyGroup(plain_help.PlainGroup):
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
        command = typer.main.get_command(resolve_annotations(module.app))
        command.name = cmd_name
        # Each module's own Typer() would add --install-completion/--show-completion here.
        command.params = [p for p in command.params if p.name not in _COMPLETION_PARAMS]
        return defer_coercion(plain_help.prepare(command, cmd_name))

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        """Commands from COMMANDS (no module imported), or the root options after `-`."""
        if incomplete.startswith("-"):
            return click.Command.shell_complete(self, ctx, incomplete)
        from custinfo.cli.complete import _shell_completion

        item = _shell_completion().CompletionItem
        return [item(name, help=_(summary)) for name, (_m, summary) in COMMANDS.items()
                if name.startswith(incomplete)]  # fmt: skip

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        ctx._custinfo_listing = True  # type: ignore[attr-defined]
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx._custinfo_listing = False  # type: ignore[attr-defined]

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            if name in ALIASES:
                target, *rest = ALIASES[name]
                return target, self.get_command(ctx, target), [*rest, *args[1:]]
            hint = None
            if name.lower() in HINTS:
                target = HINTS[name.lower()]
                hint = _("Use 'custinfo {command}' (see 'custinfo {command} --help').").format(
                    command=target
                )
            raise click.exceptions.UsageError(
                plain_help.unknown_command(name, list(COMMANDS), hint), ctx
            )
        return TyperGroup.resolve_command(self, ctx, args)


def _version(value: bool) -> None:
    if value:
        typer.echo(_("custinfo {version}").format(version=__version__))
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            metavar="FILE",
            help="Database file (else $CUSTINFO_DB, the config, the user data dir).",
        ),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--passphrase-file",
            metavar="FILE",
            help="Read the passphrase from this file's first line.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors on stderr; no messages or progress.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour or bold (also NO_COLOR=1, TERM=dumb).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """custinfo: customer information in a local encrypted database."""
    from custinfo.cli import context, terminal

    context.set_defaults(db=db, passphrase_file=passphrase_file)
    terminal.set_ui(quiet=quiet, no_color=no_color)


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
    command = typer.main.get_command(resolve_annotations(app))
    for param in command.params:
        plain_help._adjust(param)
    return defer_coercion(command)
