"""custinfo retention check | apply: customers past every purpose's retention period."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="List or erase customers past every purpose's retention period.",
)  # fmt: skip

CheckFormat = output.choices("table", "csv", "json", "ndjson", "ids")
COLUMNS = ("id", "purpose", "rule", "since", "until")


@app.command("check")
def check(
    format: Annotated[
        CheckFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Customers no purpose covers any more, with the rule whose period ended last."""
    from custinfo.cli.output import Output
    from custinfo.i18n import _, plural
    from custinfo.privacy import retention

    store = context.open_store(db, passphrase_file)
    due = retention.check(store)
    out = Output()
    rows = ([d.customer_id, d.purpose, d.rule, d.since, d.until] for d in due)
    fmt = out.choose(format)
    if due or fmt is not output.Format.table:
        out.rows(COLUMNS, rows, fmt, title="Past retention")
    if out.is_tty or not due:
        out.info(_("{customers} past retention").format(customers=plural(len(due), "customer")))


@app.command("apply")
def apply(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say how many would be erased, per purpose.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Erase the customers past retention (purge reason `retention:<purpose>`); prints one
    summary line, for cron: `custinfo retention apply --yes`."""
    from custinfo.cli.output import Output
    from custinfo.cli.terminal import confirm
    from custinfo.i18n import _, plural
    from custinfo.privacy import retention

    store = context.open_store(db, passphrase_file)
    due = retention.check(store)
    out = Output()
    per: dict[str, int] = {}
    for d in due:
        per[d.purpose] = per.get(d.purpose, 0) + 1
    parts = ", ".join(f"{key} {n}" for key, n in sorted(per.items()))
    counted = plural(len(due), "customer")
    if not due:
        out.data(_("retention: nothing past retention"))
        return
    if dry_run:
        out.data(_("retention: would purge {customers} ({parts})").format(
            customers=counted, parts=parts))  # fmt: skip
        return
    question = _("Erase {customers} past retention ({parts})?").format(
        customers=counted, parts=parts
    )
    confirm(question, yes=yes, what="retention apply")
    results = retention.apply(store, due)
    total = sum(r.customers for r in results.values())
    uids = ", ".join(r.uid for r in results.values() if r.uid)
    out.data(_("retention: purged {customers} ({parts}); purge ids {uids}").format(
        customers=plural(total, "customer"), parts=parts, uids=uids))  # fmt: skip
