"""custinfo keep-in-touch ID... --every EVERY | --off."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output
from custinfo.cli.cmd_tag import IdsArgument, _read_ids
from custinfo.i18n import _, plural

app = typer.Typer(add_completion=False)


@app.command()
def keep_in_touch(
    ids: IdsArgument = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every", metavar="EVERY", help="Contact at least every 7d, 2w, 30d, 3m, 1y."
        ),
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop keeping in touch.")] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Set a contact cadence: a customer is due when the last contact (any interaction or
    order) plus EVERY has passed. No ids: read them from stdin, one per line.
    """
    from custinfo.errors import UsageError
    from custinfo.followups import core, schedule

    if (every is None) == (not off):
        raise UsageError(_("use one of --every EVERY and --off"))
    value = schedule.parse_every(every) if every is not None else None  # before reading stdin
    wanted = _read_ids(ids)
    count = core.keep_in_touch(context.open_store(db, passphrase_file), wanted, value)
    out = output.Output()
    who = plural(count, "customer")
    if value is None:
        out.info(_("no longer keeping in touch with {who}").format(who=who))
    else:
        out.info(_("keeping in touch with {who} every {every}").format(who=who, every=value))
