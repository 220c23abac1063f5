"""custinfo audit [exports]: the audit log (what happened, never personal values)."""

from __future__ import annotations

from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer(add_completion=False, help="List audit entries; `audit exports` the exports.")

AuditFormat = output.choices("table", "csv", "json", "ndjson")
COLUMNS = ("id", "at", "command", "count", "ids", "fields", "purpose", "sha256", "detail")
EXPORTS = ("id", "at", "purpose", "channel", "basis", "format", "count", "without_consent",
           "withdrawn", "opted_out", "sha256", "filter", "filter_hmac", "complete")  # fmt: skip
SHOWN_IDS = 20  # ids per entry in a table or CSV (JSON has them all)

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="WHEN",
        help="Entries at or after WHEN: 2024-05-01, 2024-05-01 14:30, or a duration (30d).",
    ),
]  # fmt: skip
CustomerOption = Annotated[
    int | None,
    typer.Option("--customer", metavar="ID", help="Entries naming this customer (and ids "
                 "merged into it)."),
]  # fmt: skip
FormatOption = Annotated[
    AuditFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
]


def _people(store, customer: int | None) -> list[int] | None:  # type: ignore[no-untyped-def]
    if customer is None:
        return None
    if store.missing_ids([customer]) and store.merged_into(customer) is None:
        return [customer]  # an erased or unknown id: its links are gone, nothing matches
    cid = store.resolve_id(customer)
    return [cid, *store.merged_from(cid)]


@app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    since: SinceOption = None,
    command: Annotated[
        str | None, typer.Option("--command", metavar="NAME", help="Entries of this command.")
    ] = None,
    customer: CustomerOption = None,
    format: FormatOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Audit entries, oldest first: time, command, ids, fields, counts, and for exports
    their purpose and output hash."""
    if ctx.invoked_subcommand is not None:
        if db is not None or passphrase_file is not None:  # `audit --db X exports`
            context.set_defaults(db=db, passphrase_file=passphrase_file)
        return
    from custinfo.cli.output import Format, Output
    from custinfo.privacy.dates import parse_when
    from custinfo.store import audit as log

    when = parse_when(since, "--since", future=True) if since else None
    store = context.open_store(db, passphrase_file)
    out = Output()
    fmt = out.choose(format)
    full = fmt in (Format.json, Format.ndjson)
    entries = log.listing(
        store, since=when, command=command, customer_ids=_people(store, customer),
        ids_limit=None if full else SHOWN_IDS + 1,
    )  # fmt: skip
    rows = []
    for e in entries:
        ids: list[object] = list(e["ids"])
        if not full and len(ids) > SHOWN_IDS:
            ids = [*ids[:SHOWN_IDS], "…"]
        digest, detail = e["sha256"], e["detail"]
        if fmt is Format.table:  # a person reads it: short hash, no repeated JSON
            digest = _short(digest)
            detail = "" if e["purpose"] else detail
        rows.append([e["id"], e["at"], e["command"], e["count"], ids, e["fields"],
                     e["purpose"], digest, detail])  # fmt: skip
    out.rows(COLUMNS, rows, fmt, title="Audit log")


def _short(digest: str | None) -> str | None:
    return f"{digest[:12]}…" if digest else digest


@app.command("exports")
def exports(
    customer: CustomerOption = None,
    since: SinceOption = None,
    format: FormatOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Gated exports (`export --for`): which purpose, how many, the output's SHA-256; with
    --customer, only the exports that contained that customer."""
    from custinfo.cli.output import Format, Output
    from custinfo.privacy.dates import parse_when
    from custinfo.store import audit as log

    when = parse_when(since, "--since", future=True) if since else None
    store = context.open_store(db, passphrase_file)
    out = Output()
    found = log.export_list(store, customer_ids=_people(store, customer), since=when)
    fmt = out.choose(format)
    if fmt is Format.table:  # the columns a person needs; CSV and JSON have them all
        out.rows(
            ("id", "at", "purpose", "channel", "count", "left out", "sha256"),
            ([e["id"], e["at"], e["purpose"], e["channel"], e["count"],
              f"{e['without_consent']} / {e['withdrawn']} / {e['opted_out']}",
              _short(e["sha256"])] for e in found),
            fmt, title="Exports (left out: without consent / withdrawn / opted out)",
        )  # fmt: skip
        return
    out.rows(EXPORTS, ([e[k] for k in EXPORTS] for e in found), fmt, title="Exports")
