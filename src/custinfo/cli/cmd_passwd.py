"""custinfo passwd: change the passphrase of the database (re-encrypted in place)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer(add_completion=False)

ForceWeakOption = Annotated[
    bool,
    typer.Option("--force-weak", help="Accept a new passphrase shorter than 8 characters."),
]


@app.command()
def passwd(
    new_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--new-passphrase-file",
            metavar="FILE",
            help="Read the new passphrase from this private file (chmod 600) instead of asking.",
        ),
    ] = None,
    force_weak: ForceWeakOption = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Change the passphrase: asks for the current one, then the new one twice.

    The database is re-encrypted in place and checked; an interruption (even kill -9) leaves
    it under either the old or the new passphrase, never half. Backups made before keep the
    old passphrase: verify or restore them with --passphrase-file OLD-FILE. Stop other
    custinfo processes (and cron jobs) first.
    """
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError
    from custinfo.i18n import _, plural
    from custinfo.store.rekey import change_passphrase

    path = context.db_path(db)
    if not path.exists():
        raise UsageError(
            _("no database at {path} (create one with 'custinfo init')").format(path=path)
        )
    from custinfo.store import Store

    old = context.passphrase_key(passphrase_file)
    Store.open(path, old).close()  # a wrong current passphrase fails before the new one is asked
    new = context.new_passphrase_key(new_passphrase_file, force_weak=force_weak, configured=False)
    done = change_passphrase(path, old, new)
    out = Output()
    out.info(_("passphrase changed for {path} (checked: {tables})").format(
        path=done.path, tables=plural(done.tables, "table")))  # fmt: skip
    out.info(
        _(
            "backups made before keep the old passphrase: custinfo backup verify FILE "
            "--passphrase-file OLD-FILE"
        )
    )
