"""custinfo order import (registered on the `order` group by cmd_order)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from custinfo.cli import context


class Match(StrEnum):
    auto = "auto"
    phone = "phone"
    email = "email"
    id = "id"


def order_import(
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="Input file; '-' reads stdin.")
    ] = "-",
    match: Annotated[
        Match,
        typer.Option(
            "--match",
            help="How buyers are found: the id if the row has "
            "one, else phone, else email (auto); or only one of them.",
        ),
    ] = Match.auto,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing", help="Add unknown buyers as customers (source import:<file>)."
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Import the valid rows; write the invalid ones to FILE (0600)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing rejects file.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", metavar="COLUMN=FIELD", help="Map a column to a field (repeatable)."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Input encoding, e.g. gbk (default: detected).")
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="Channel of rows without a channel column (淘宝 ...)."),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="Currency of rows without one (default: the db's)."),
    ] = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Import orders from a shop export (CSV, TSV, JSON or NDJSON; a file or stdin).

    All-or-nothing unless --rejects: any invalid row means nothing is imported (exit 2).
    Re-importing is idempotent on (channel, order number).
    """
    import sys

    from custinfo.cli.cmd_import import _encoded, _progress
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError, ValidationError
    from custinfo.i18n import _
    from custinfo.importer.order_load import OrderImportOptions, run_order_import
    from custinfo.importer.rejects import RejectsWriter

    out = Output()
    path = None if file == "-" else Path(file)
    if path is not None and not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=path))
    store = context.open_store(db, passphrase_file)
    options = OrderImportOptions(
        match=match.value, create_missing=create_missing, maps=list(map_ or []),
        encoding=encoding, dry_run=dry_run, region=context.region(store, region),
        currency=currency or context.setting("currency"), channel=channel or "",
        source_name=path.name if path is not None else "stdin",
    )  # fmt: skip
    if rejects is not None:
        options.rejects = _NoRejects() if dry_run else RejectsWriter(rejects, force=force)
    total = path.stat().st_size if path is not None else None
    summary = None
    try:
        with _progress(out, total) as progress:
            if path is not None:
                with path.open("rb") as stream:
                    summary = run_order_import(store, stream, options, warn=out.warn,
                                               progress=progress)  # fmt: skip
            else:
                stream: Any = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else _encoded(
                    sys.stdin
                )  # fmt: skip
                summary = run_order_import(store, stream, options, warn=out.warn,
                                           progress=progress)  # fmt: skip
    finally:
        if isinstance(options.rejects, RejectsWriter):
            options.rejects.close(keep=summary is not None and summary.committed)
    for line, column, reason in summary.problems:
        out.info(
            _("custinfo: line {line}, column {column}: {reason}").format(
                line=line, column=repr(column), reason=reason
            )
        )
    if summary.rejected > len(summary.problems):
        out.info(
            _("custinfo: … and more: {count} invalid rows in all").format(count=summary.rejected)
        )
    out.info(summary.line())
    if summary.rejected and options.rejects is None:
        raise ValidationError(
            _(
                "{count} invalid rows; nothing imported "
                "(fix them, or use --rejects FILE to import the valid rows)"
            ).format(count=summary.rejected)
        )
    if isinstance(options.rejects, RejectsWriter) and options.rejects.count:
        out.info(
            _("{count} rejected rows written to {path}").format(
                count=options.rejects.count, path=rejects
            )
        )


class _NoRejects:
    """Stands in for the rejects file in a dry run: writes nothing."""

    count = 0

    def start_csv(self, header: list[str], delimiter: str) -> None: ...

    def start_json(self) -> None: ...

    def write(self, record: Any, error: str) -> None: ...
