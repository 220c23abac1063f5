"""custinfo import."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from custinfo.cli import context, terminal
from custinfo.i18n import _, plural

app = typer.Typer()


class ImportFormat(StrEnum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"
    xlsx = "xlsx"


class DateOrder(StrEnum):
    mdy = "mdy"
    dmy = "dmy"


class DuplicatePolicy(StrEnum):
    skip = "skip"
    merge = "merge"
    add = "add"


@app.command(name="import")
def import_(
    file: Annotated[
        str, typer.Argument(metavar="[FILE|-]", help="Input file; '-' or none reads stdin.")
    ] = "-",
    format: Annotated[
        ImportFormat | None,
        typer.Option("--format", "-f", help="Input format (default: detected)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            metavar="ENC[:ERRORS]",
            help="Input encoding, e.g. gbk (default: detected); gbk:replace also replaces "
            "bytes that do not decode (ERRORS: strict, replace, ignore, backslashreplace).",
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", metavar="COLUMN=FIELD", help="Map a column to a field (repeatable)."),
    ] = None,
    on_duplicate: Annotated[
        DuplicatePolicy,
        typer.Option(help="Rows sharing a phone or email with an existing customer."),
    ] = DuplicatePolicy.skip,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Import the valid rows; write the invalid ones to FILE (0600)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing rejects file.")] = False,
    allow_suppressed: Annotated[
        bool,
        typer.Option(
            "--allow-suppressed", help="Import contacts of erased people (suppressed) anyway."
        ),
    ] = False,
    create_fields: Annotated[
        bool,
        typer.Option(
            "--create-fields",
            help="Declare a custom field for each unknown column (type inferred from its values).",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the mapping, validate, report; write nothing.")
    ] = False,
    sheet: Annotated[
        str | None, typer.Option(help="The worksheet of an .xlsx workbook (default: the first).")
    ] = None,
    date_order: Annotated[
        DateOrder | None,
        typer.Option(help="Dates like 4/5/1990: mdy (month first) or dmy (default: detected)."),
    ] = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Import customers from CSV, TSV, JSON, NDJSON, vCard or .xlsx (a file or stdin).

    Google and Outlook contact exports, a phone's .vcf and Chinese 客户 sheets are read
    with no flags. All-or-nothing unless --rejects: any invalid row means nothing is
    imported (exit 2).
    """
    import os
    import sys

    from custinfo import dates
    from custinfo.cli.output import Output
    from custinfo.errors import ValidationError
    from custinfo.importer import ImportOptions, RejectsWriter, run_import
    from custinfo.importer.source import open_input

    out = Output()
    path = None if file == "-" else Path(file)
    opened = open_input(path) if path is not None else None  # a regular file, or exit 2
    if rejects is not None:
        from custinfo.files import guard

        guard(rejects, context.db_path(db))  # before the key is derived: fail fast
    store = context.open_store(db, passphrase_file)
    options = ImportOptions(
        fmt=format.value if format else None,
        encoding=encoding,
        maps=list(map_ or []),
        on_duplicate=on_duplicate.value,
        dry_run=dry_run,
        region=context.region(store, region),
        source_name=path.name if path is not None else "stdin",
        allow_suppressed=allow_suppressed,
        sheet=sheet,
        date_order={"mdy": dates.MDY, "dmy": dates.DMY}[date_order.value] if date_order else None,
        create_fields=create_fields,
    )
    if rejects is not None and not dry_run:
        options.rejects = RejectsWriter(rejects, force=force, db_path=context.db_path(db))
    elif rejects is not None:
        options.rejects = _DryRejects()
    total = os.fstat(opened.fileno()).st_size if opened is not None else None
    summary = None

    def announce(lines: list[str]) -> None:  # the mapping, before anything is saved
        if dry_run or terminal.screen(out.stderr):
            for line in lines:
                out.info(line)

    try:
        with _progress(out, total) as progress:
            if opened is not None:
                with opened as stream:
                    summary = run_import(
                        store, stream, options, warn=out.warn, progress=progress,
                        announce=announce,
                    )  # fmt: skip
            else:
                stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else _encoded(sys.stdin)
                summary = run_import(
                    store, stream, options, warn=out.warn, progress=progress, announce=announce
                )
    finally:
        if isinstance(options.rejects, RejectsWriter):
            _close_rejects(options.rejects, summary is not None and summary.committed)
    from custinfo.i18n import _

    for col in summary.fields:  # which columns became which custom fields
        if not col.created:
            shown = _("column {column} → field {key} ({type})")
        elif dry_run:
            shown = _("column {column} → field {key} ({type}, would be created)")
        else:
            shown = _("column {column} → field {key} ({type}, created)")
        out.info(shown.format(column=repr(col.column), key=col.key, type=col.type))
    for line, column, reason in summary.problems:
        out.info(
            _("custinfo: line {line}, column {column!r}: {reason}").format(
                line=line, column=column, reason=reason
            )
        )
    if summary.rejected > len({p[0] for p in summary.problems}):
        out.info(
            _("custinfo: … and more: {rows} in all").format(
                rows=plural(summary.rejected, "invalid row")
            )
        )
    out.info(summary.line())
    for line in summary.notes():
        out.info(line)
    if summary.rejected and options.rejects is None:
        raise ValidationError(
            _(
                "{rows}; nothing imported (fix them, or use "
                "--rejects FILE to import the valid rows)"
            ).format(rows=plural(summary.rejected, "invalid row"))
        )
    if isinstance(options.rejects, RejectsWriter) and options.rejects.count:
        out.info(
            _("{rows} written to {rejects}").format(
                rows=plural(options.rejects.count, "rejected row"), rejects=rejects
            )
        )


def _close_rejects(rejects: Any, committed: bool) -> None:
    """Publish the rejects file; if that fails after the import committed, say so."""
    from custinfo.errors import CustinfoError

    try:
        rejects.close(keep=committed)
    except OSError as exc:
        if not committed:
            raise
        raise CustinfoError(
            _(
                "the valid rows were imported, but writing the rejects file "
                "{path} failed ({strerror}); no partial file was left"
            ).format(path=rejects.path, strerror=exc.strerror)
        ) from None


class _DryRejects:
    """Stands in for the rejects file in a dry run: counts, writes nothing."""

    count = 0

    def start_csv(self, header: list[str], delimiter: str) -> None: ...

    def start_json(self) -> None: ...

    def write(self, record: Any, error: str) -> None: ...


def _encoded(stream: Any) -> Any:
    """A text stdin without a byte buffer (tests): re-encode it as UTF-8 bytes."""
    import io

    return io.BytesIO(stream.read().encode("utf-8"))


class _progress:
    """Progress on stderr when it is a terminal (not under --quiet): a bar and
    `23,104/~100,000 · 2,150 rows/s · ETA 0:37` (the total is estimated from the bytes read;
    stdin has no total, so no ETA)."""

    def __init__(self, out: Any, total: int | None) -> None:
        self.out = out
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not terminal.screen(self.out.stderr) or terminal.quiet():
            return None
        import time

        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        color = terminal.color(self.out.stderr)
        console = Console(file=self.out.stderr, no_color=not color,
                          color_system="auto" if color else None)  # fmt: skip
        self.bar = Progress(
            BarColumn(), TextColumn("{task.fields[line]}"), console=console, transient=True
        )
        task = self.bar.add_task("importing", total=self.total, line="")
        started_at = time.monotonic()
        shown = False

        def update(rows: int, consumed: int) -> None:
            nonlocal shown
            if not shown:  # after the mapping is shown
                self.bar.start()
                shown = True
            elapsed = max(time.monotonic() - started_at, 1e-6)
            line = progress_line(rows, consumed, self.total, elapsed)
            self.bar.update(task, completed=consumed if self.total else rows, line=line)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def progress_line(rows: int, consumed: int, total_bytes: int | None, elapsed: float) -> str:
    """`23,104/~100,000 · 2,150 rows/s · ETA 0:37`; without a total `23,104 · 2,150 rows/s`."""
    rate = rows / elapsed if elapsed > 0 else 0.0
    parts = [f"{rows:,}"]
    if total_bytes and consumed:
        estimate = max(rows, round(rows * total_bytes / consumed))
        parts[0] += f"/~{estimate:,}" if consumed < total_bytes else f"/{rows:,}"
    parts.append(_("{rate} rows/s").format(rate=f"{rate:,.0f}"))
    if total_bytes and consumed and rate:
        left = max(total_bytes - consumed, 0) / (consumed / elapsed)
        minutes, seconds = divmod(round(left), 60)
        hours, minutes = divmod(minutes, 60)
        left_text = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        parts.append(_("ETA {time}").format(time=left_text))
    return " · ".join(parts)
