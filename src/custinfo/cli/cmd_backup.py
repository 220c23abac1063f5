"""custinfo backup: create, list, verify and restore encrypted backups (made for cron)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from custinfo.cli import context, output
from custinfo.i18n import _, plural

if TYPE_CHECKING:
    from custinfo.store import Store

app = typer.Typer()

Keep = Annotated[int, typer.Option(min=0, metavar="N")]


ListFormat = output.choices("table", "csv", "json")


def _open(db: Path | None, passphrase_file: Path | None) -> tuple[Store, bytes]:
    from custinfo.errors import UsageError
    from custinfo.store import Store

    path = context.db_path(db)
    if not path.exists():
        raise UsageError(
            _("no database at {path} (create one with 'custinfo init')").format(path=path)
        )
    key = context.passphrase_key(passphrase_file)
    return Store.open(path, key), key


@app.command()
def create(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            metavar="DIR",
            help="Backup folder (else $CUSTINFO_BACKUP_DIR, else 'backups' beside the database).",
        ),
    ] = None,
    keep_last: Annotated[int, typer.Option(min=0, metavar="N", help="Keep the N newest.")] = 0,
    keep_daily: Annotated[
        int, typer.Option(min=0, metavar="N", help="Keep the newest of each of N days.")
    ] = 0,
    keep_weekly: Annotated[
        int, typer.Option(min=0, metavar="N", help="Keep the newest of each of N weeks.")
    ] = 0,
    keep_monthly: Annotated[
        int, typer.Option(min=0, metavar="N", help="Keep the newest of each of N months.")
    ] = 0,
    full_check: Annotated[
        bool,
        typer.Option(
            "--full-check",
            help="Verify with the full integrity_check (index cross-check; ~3x slower).",
        ),
    ] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Snapshot, verify and publish a backup; prune by keep rules. Prints only the path."""
    from custinfo import backup
    from custinfo.cli.output import Output

    out = Output()
    store, key = _open(db, passphrase_file)
    try:
        folder = backup.default_dir(store.path, context.backup_dir(to))
        rules = backup.KeepRules(keep_last, keep_daily, keep_weekly, keep_monthly)
        result = backup.create(store, key, folder, rules, full_check=full_check)
    finally:
        store.close()
    for warning in result.warnings:
        out.warn(warning)
    out.data(str(result.path))


@app.command("list")
def list_(
    folder: Annotated[
        Path | None, typer.Argument(metavar="[DIR]", help="Backup folder (default as create).")
    ] = None,
    format: Annotated[
        ListFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: table on a terminal, else csv)."
        ),
    ] = None,
    db: context.DbOption = None,
) -> None:
    """List backups from the folder's manifest (no passphrase needed)."""
    from custinfo import backup
    from custinfo.cli.output import Format, Output

    where = folder or backup.default_dir(context.db_path(db), context.backup_dir())
    entries = backup.list_backups(where)
    out = Output()
    fmt = out.choose(format)
    if fmt is Format.json:
        out.json(entries)  # the manifest entries, with their row counts
        return
    columns = ["name", "created_at", "size", "customers", "status"]
    out.rows(columns, ([e["name"], e["created_at"], e["size"], e["counts"].get("customers", ""),
                        e["status"]] for e in entries), fmt)  # fmt: skip


@app.command()
def verify(
    target: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE|DIR]", help="A backup or a folder (default as create)."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Re-check hashes against the manifest and open each backup fully; exit 13 if bad."""
    from custinfo import backup
    from custinfo.cli.output import Output
    from custinfo.errors import IntegrityCheckError, NotFoundError

    where = target or backup.default_dir(context.db_path(db), context.backup_dir())
    key = context.passphrase_key(passphrase_file)
    good, bad = backup.verify(where, key)
    out = Output()
    for path in good:
        out.data(f"ok\t{path}")  # machine-readable: not translated
    if bad:
        names = "; ".join(f"{p} ({why})" for p, why in bad.items())
        raise IntegrityCheckError(_("backup verification failed: {names}").format(names=names))
    if not good:
        raise NotFoundError(_("no backups in {where}").format(where=where))


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The backup to restore.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    ignore_damaged_journal: Annotated[
        bool,
        typer.Option(
            "--ignore-damaged-journal",
            help="Restore even if the purge journal cannot be read in full (audited).",
        ),
    ] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Replace the database with a verified backup, then re-apply later purges.

    The current database is kept as <db>.pre-restore-<UTC>. Refused (exit 11) while another
    process has the database open; refused (exit 13) if the purge journal is damaged.
    """
    from custinfo import backup
    from custinfo.cli.output import Output
    from custinfo.cli.terminal import confirm
    from custinfo.errors import UsageError

    if not file.is_file():
        raise UsageError(_("no backup file at {file}").format(file=file))
    path = context.db_path(db)
    confirm(
        _("Replace {path} with the backup {name}? (the current one is kept aside)").format(
            path=path, name=file.name
        ),
        yes=yes,
        what="restore",
    )
    key = context.passphrase_key(passphrase_file)
    result = backup.restore(path, file, key, ignore_damaged_journal=ignore_damaged_journal)
    out = Output()
    if result.journal_from:
        out.warn(
            _("the purge journal was missing: used its copy {journal_from}").format(
                journal_from=result.journal_from
            )
        )
    for problem in result.ignored:
        out.warn(_("purge journal damage ignored: {problem}").format(problem=problem))
    if result.torn:
        out.warn(
            _(
                "the purge journal's {torn}: a purge interrupted then did "
                "not happen; run it again if those people are back"
            ).format(torn=result.torn)
        )
    if result.pre_restore:
        out.info(
            _("previous database kept as {pre_restore}").format(pre_restore=result.pre_restore)
        )
    if result.reapplied:
        out.info(
            _("re-applied {purges}: {customers} erased").format(
                purges=plural(result.reapplied, "later purge"),
                customers=plural(result.erased, "customer"),
            )
        )
    if result.optouts:
        out.info(_("re-applied {n} later opt-out(s) by phone or email").format(n=result.optouts))
    if result.foreign:
        out.warn(
            _(
                "{purges} of the journal belong to another "
                "database and were not re-applied: was this backup made from "
                "a different database?"
            ).format(purges=plural(result.foreign, "purge"))
        )
    out.info(_("restored {file} into {path}").format(file=file, path=path))
