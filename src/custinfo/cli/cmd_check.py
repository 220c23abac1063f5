"""custinfo check: integrity check of the live database."""

from __future__ import annotations

import typer

from custinfo.cli import context
from custinfo.i18n import _, gap

app = typer.Typer()


@app.command()
def check(
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Check every page's HMAC, the b-trees and foreign keys; prints "ok" or exits 13."""
    from custinfo.cli.output import Output
    from custinfo.errors import IntegrityCheckError

    store = context.open_store(db, passphrase_file)
    problems = store.integrity_errors()
    if problems:
        more = gap() + _("(and {n} more)").format(n=len(problems) - 1) if len(problems) > 1 else ""
        raise IntegrityCheckError(
            _(
                "database check failed: {problems}{more}; restore the newest "
                "good backup: 'custinfo backup verify', then 'custinfo "
                "backup restore FILE'"
            ).format(problems=problems[0], more=more)
        )
    Output().data("ok")
