"""custinfo import."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from custinfo.cli import context, terminal

app = typer.Typer()


class ImportFormat(StrEnum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ndjson = "ndjson"


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
        str | None, typer.Option(help="Input encoding, e.g. gbk (default: detected).")
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
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Import customers from CSV, TSV, JSON or NDJSON (a file or stdin).

    All-or-nothing unless --rejects: any invalid row means nothing is imported (exit 2).
    """
    import sys

    from custinfo.cli.output import Output
    from custinfo.errors import UsageError, ValidationError
    from custinfo.importer import ImportOptions, RejectsWriter, run_import

    out = Output()
    path = None if file == "-" else Path(file)
    if path is not None and not path.is_file():
        raise UsageError(f"no such file: {path}")
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
        create_fields=create_fields,
    )
    if rejects is not None and not dry_run:
        options.rejects = RejectsWriter(rejects, force=force)
    elif rejects is not None:
        options.rejects = _DryRejects()
    total = path.stat().st_size if path is not None else None
    summary = None
    try:
        with _progress(out, total) as progress:
            if path is not None:
                with path.open("rb") as stream:
                    summary = run_import(store, stream, options, warn=out.warn, progress=progress)
            else:
                stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else _encoded(sys.stdin)
                summary = run_import(store, stream, options, warn=out.warn, progress=progress)
    finally:
        if isinstance(options.rejects, RejectsWriter):
            options.rejects.close(keep=summary is not None and summary.committed)
    for col in summary.fields:  # which columns became which custom fields
        new = (", would be created" if dry_run else ", created") if col.created else ""
        out.info(f"column {col.column!r} → field {col.key} ({col.type}{new})")
    for line, column, reason in summary.problems:
        out.info(f"custinfo: line {line}, column {column!r}: {reason}")
    if summary.rejected > len({p[0] for p in summary.problems}):
        out.info(f"custinfo: … and more: {summary.rejected} invalid rows in all")
    out.info(summary.line())
    if summary.rejected and options.rejects is None:
        raise ValidationError(
            f"{summary.rejected} invalid rows; nothing imported "
            "(fix them, or use --rejects FILE to import the valid rows)"
        )
    if isinstance(options.rejects, RejectsWriter) and options.rejects.count:
        out.info(f"{options.rejects.count} rejected rows written to {rejects}")


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
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, out: Any, total: int | None) -> None:
        self.out = out
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not terminal.screen(self.out.stderr):
            return None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(file=self.out.stderr), transient=True)
        self.bar.start()
        task = self.bar.add_task("importing", total=self.total)

        def update(rows: int, consumed: int) -> None:
            self.bar.update(task, completed=consumed if self.total else rows)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
