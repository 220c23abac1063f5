"""custinfo purge: erase customers completely (right to erasure, retention sweeps)."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, options
from custinfo.i18n import _, plural

app = typer.Typer()


@app.command()
def purge(
    ids: options.CustomerIdsArgument = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="DURATION",
            help="Customers with no activity (update, note, import) in this long: 3y, 18m, 90d.",
        ),
    ] = None,
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Customers with this tag.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say how many customers and rows would go.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    suppress: Annotated[
        bool,
        typer.Option(
            "--suppress/--no-suppress",
            help="Keep keyed HMACs of their phones/emails so they cannot be re-added.",
        ),
    ] = True,
    reason: Annotated[
        str | None,
        typer.Option(help="Reason kept in the audit tombstone (no personal data, please)."),
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Erase customers and everything about them, leaving only an anonymous tombstone.

    Selected by ids, or by --older-than and/or --tag (both must match). Asks for
    confirmation on a terminal; without one, refuses unless --yes.
    """
    from custinfo.cli.output import Output
    from custinfo.cli.terminal import confirm
    from custinfo.privacy import purge as core

    out = Output()
    store = context.open_store(db, passphrase_file)
    selected = core.select_ids(store, ids or (), older_than=older_than, tag=tag)
    if not selected:
        out.info(_("nothing to purge: no customer matches"))
        return
    if dry_run or not yes:  # counting costs a pass over the rows: only when it is shown
        plan = core.plan(store, selected)
        summary = _describe(plan.customers, plan.rows)
        if dry_run:
            out.data(_("would purge {summary}").format(summary=summary))
            return
        confirm(
            _("Erase {summary} permanently? This cannot be undone").format(summary=summary),
            yes=yes,
            what="purge",
        )
    if reason is None:
        reason = (
            "erasure request"  # kept in the audit tombstone: English, like every entry
            if ids
            else " and ".join(
                filter(None, [older_than and f"inactive {older_than}", tag and "tag selection"])
            )
        )
    result = core.purge(store, selected, reason=reason, suppress=suppress)
    out.data(
        _("purged {customers} ({rows}); purge id {uid}").format(
            customers=plural(result.customers, "customer"),
            rows=plural(result.total, "row"),
            uid=result.uid,
        )
    )


def _describe(customers: int, rows: dict[str, int]) -> str:
    first = ("phones", "emails", "notes", "tags")  # then other kinds that have rows
    kinds = [*first, *(k for k in rows if k not in (*first, "customers", "audit_links")
                       and rows[k])]  # fmt: skip
    parts = ", ".join(_counted(k, rows.get(k, 0)) for k in (*kinds, "audit_links"))
    return _("{customers} ({rows}: {parts})").format(
        customers=plural(customers, "customer"), rows=plural(sum(rows.values()), "row"),
        parts=parts,
    )  # fmt: skip


#: How each kind of record is counted (literal nouns: the catalogue reads them).
_COUNTED = {
    "phones": lambda n: plural(n, "phone"), "emails": lambda n: plural(n, "email"),
    "notes": lambda n: plural(n, "note"), "tags": lambda n: plural(n, "tag"),
    "orders": lambda n: plural(n, "order"), "im_handles": lambda n: plural(n, "messenger id"),
    "contact_labels": lambda n: plural(n, "contact label"),
    "audit_links": lambda n: plural(n, "audit link"),
}  # fmt: skip


def _counted(kind: str, n: int) -> str:
    count = _COUNTED.get(kind)
    return count(n) if count else f"{n:,} {kind.replace('_', ' ')}"
