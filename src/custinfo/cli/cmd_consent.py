"""custinfo consent give | withdraw | show | import: the consent ledger and opt-outs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import context, output

app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="Record consent per purpose, opt-outs by contact, and show the history.",
)  # fmt: skip

ShowFormat = output.choices("table", "csv", "json", "ndjson")
HISTORY = ("at", "purpose", "channel", "state", "method", "source", "recorded_at")

Targets = Annotated[
    list[str],
    typer.Argument(
        metavar="[ID] PURPOSE", help="Customer id and purpose; only PURPOSE with --phone/--email."
    ),
]
ChannelOption = Annotated[
    str | None,
    typer.Option(help="sms, email, phone, wechat, post or any (default: any)."),
]
MethodOption = Annotated[
    str | None,
    typer.Option(help="How it was given or withdrawn, free text, e.g. 门店纸质表 #0457."),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="DATETIME",
        help="When (default now): 2024-05-01 or 2024-05-01 14:30 (local time), or ISO with zone.",
    ),
]  # fmt: skip
PhoneOption = Annotated[
    str | None, typer.Option("--phone", help="By contact: this phone (any customer or none).")
]
EmailOption = Annotated[
    str | None, typer.Option("--email", help="By contact: this email (any customer or none).")
]


def _run(
    state: str, targets: list[str], phone: str | None, email: str | None, channel: str | None,
    method: str | None, at: str | None, region: str | None, db: Path | None,
    passphrase_file: Path | None,
) -> None:  # fmt: skip
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError
    from custinfo.i18n import _
    from custinfo.privacy import consent
    from custinfo.privacy.dates import parse_when

    by_contact = phone is not None or email is not None
    if len(targets) != (1 if by_contact else 2):
        raise UsageError(
            _("give PURPOSE with --phone or --email") if by_contact else _("give ID and PURPOSE")
        )
    when = parse_when(at, "--at") if at else None
    store = context.open_store(db, passphrase_file)
    out = Output()
    if by_contact:
        result = consent.record_contact(
            store, targets[0], state, phone=phone, email=email,
            region=context.region(store, region), channel=channel, method=method, at=when,
        )  # fmt: skip
        held = ", ".join(map(str, result.holders)) or _("none")
        line = (
            _("opt-out recorded for {purpose}; customers: {ids}")
            if state == consent.WITHDRAWN
            else _("opt-in recorded for {purpose}; customers: {ids}")
        )
        out.info(line.format(purpose=consent.check_key(targets[0]), ids=held))
        return
    if not targets[0].isdigit():
        raise UsageError(_("customer id {value!r} is not a number").format(value=targets[0]))
    cid, _entry = consent.record(
        store, int(targets[0]), targets[1], state, channel=channel, method=method, at=when
    )
    line = (
        _("consent given: customer {id}, {purpose}")
        if state == consent.GIVEN
        else _("consent withdrawn: customer {id}, {purpose}")
    )
    out.info(line.format(id=cid, purpose=consent.check_key(targets[1])))


@app.command("give")
def give(
    targets: Targets,
    phone: PhoneOption = None,
    email: EmailOption = None,
    channel: ChannelOption = None,
    method: MethodOption = None,
    at: AtOption = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Record consent: `consent give 42 sms-marketing --channel sms --method "门店纸质表
    #0457"`. With --phone/--email: lifts that contact's opt-out and records consent for
    every customer holding it."""
    _run("given", targets, phone, email, channel, method, at, region, db, passphrase_file)


@app.command("withdraw")
def withdraw(
    targets: Targets,
    phone: PhoneOption = None,
    email: EmailOption = None,
    channel: ChannelOption = None,
    method: MethodOption = None,
    at: AtOption = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Record a withdrawal: `consent withdraw 42 sms-marketing`. With --phone/--email: an
    opt-out of the contact (kept as a keyed HMAC, also for contacts not in the database)."""
    _run("withdrawn", targets, phone, email, channel, method, at, region, db, passphrase_file)


@app.command("show")
def show(
    customer_id: Annotated[int, typer.Argument(metavar="ID", help="Customer id.")],
    format: Annotated[
        ShowFormat | None, typer.Option("--format", "-f", help=output.FORMAT_HELP)
    ] = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """The customer's consent history, oldest first, and the current state per purpose."""
    from custinfo.cli.output import Format, Output
    from custinfo.privacy import consent

    store = context.open_store(db, passphrase_file)
    cid, entries = consent.history(store, customer_id)
    now = consent.current(store, cid)
    out = Output()
    fmt = out.choose(format)
    if fmt is Format.json:
        out.json({"customer_id": cid, "current": now, "history": entries})
        return
    out.rows(HISTORY, ([e[k] for k in HISTORY] for e in entries), fmt, title="Consent history")
    if fmt is Format.table:
        out.data("")
        out.rows(
            ("purpose", "basis", "every channel", "per channel", "opted out"),
            ([c["purpose"], c["basis"], c["state"] or "",
              [f"{k}: {v}" for k, v in c["channels"].items()], c["opted_out"]] for c in now),
            fmt, title="Current state",
        )  # fmt: skip


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="CSV or TSV; '-' reads stdin.")],
    purpose: Annotated[str, typer.Option("--purpose", help="The purpose of every row.")],
    channel: ChannelOption = None,
    encoding: Annotated[
        str | None, typer.Option(help="Input encoding, e.g. gbk (default: detected).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count; record nothing.")
    ] = False,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Import consent states by phone or email (columns phone/email, state, at, method,
    channel). All-or-nothing: any invalid row means nothing is recorded (exit 2)."""
    import sys

    from custinfo.cli.output import Output
    from custinfo.errors import UsageError, ValidationError
    from custinfo.i18n import _
    from custinfo.privacy.consent_import import run

    out = Output()
    path = None if file == "-" else Path(file)
    if path is not None and not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=path))
    store = context.open_store(db, passphrase_file)
    options = {
        "purpose": purpose, "channel": channel, "region": context.region(store, region),
        "encoding": encoding, "dry_run": dry_run, "warn": out.warn,
        "source_name": path.name if path is not None else "stdin",
    }  # fmt: skip
    if path is not None:
        with path.open("rb") as stream:
            summary = run(store, stream, **options)  # type: ignore[arg-type]
    else:
        import io

        stream = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode())
        summary = run(store, stream, **options)  # type: ignore[arg-type]
    for line, column, reason in summary.problems:
        out.info(
            _("custinfo: line {line}, column {column!r}: {reason}").format(
                line=line, column=column, reason=reason
            )
        )
    out.info(summary.line())
    if summary.rejected:
        raise ValidationError(_("{n} invalid rows; nothing imported").format(n=summary.rejected))
