"""custinfo report [overview|growth|value|activity|quality] [find filters]."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import context, filters
from custinfo.i18n import _

app = typer.Typer(add_completion=False)


class Name(StrEnum):
    overview = "overview"
    growth = "growth"
    value = "value"
    activity = "activity"
    quality = "quality"


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"
    ids = "ids"


_WHEN = "YYYY-MM-DD or 90d, 6m, 1y back"


@app.command()
@filters.selects()
def report(
    name: Annotated[
        Name,
        typer.Argument(
            help="overview (the default), growth, value, activity or quality.",
            show_default=False,
        ),
    ] = Name.overview,
    query: filters.QueryArgument = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help=f"Start of the period ({_WHEN}; default 12m, growth and value 2y).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Compute as of this day (default: today)."),
    ] = None,
    apply_tags: Annotated[
        str | None,
        typer.Option(
            "--apply-tags",
            metavar="PREFIX",
            help="value: tag each customer PREFIX+segment, replacing older PREFIX tags.",
        ),
    ] = None,
    stale: Annotated[
        str | None,
        typer.Option(
            "--stale",
            metavar="WHEN",
            help="quality: not updated since WHEN counts as stale (default 12m).",
        ),
    ] = None,
    listing: Annotated[
        bool, typer.Option("--list", help="quality: list the customers the checks flag.")
    ] = False,
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, csv, json, html or ids (default: a table on a terminal, else csv).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (created 0600) instead of stdout."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    select: filters.Selection = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Reports on the business: overview, growth, value (RFM), activity, quality.

    Every report takes the find filters, so it works on a segment. At a terminal: tables
    and charts; in a pipe CSV; --format html -o FILE writes one self-contained page.
    """
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError

    which = str(Name(name).value)
    fmt = str(format.value) if format else None
    _check(which, fmt, apply_tags=apply_tags, stale=stale, listing=listing)
    q = select.query()
    out = Output()
    chosen = fmt or ("table" if out.is_tty and output is None else "csv")
    if output is not None and chosen == "table":
        raise UsageError(_("-o FILE needs --format csv, json, html or ids"))
    if output is not None:
        from custinfo.files import guard

        guard(output, context.db_path(db))  # before the key is derived: fail fast
    store = context.open_store(db, passphrase_file)
    ids = filters.selected_ids(store, q, region)
    from custinfo import reports
    from custinfo.cli import report_view

    # a spinner on stderr at a terminal (seconds at 1M customers); stopped before output
    with out.spinner(_("Computing the {name} report…").format(name=report_view.word(which))):
        result = reports.build(
            store, which, ids=ids, since=since, as_of=as_of, stale=stale, listing=listing,
            filters=_used(select),
        )  # fmt: skip
    if apply_tags is not None:
        from custinfo.reports.value import apply_tags as tag_them

        with out.spinner(_("Tagging the customers with their segment…")):
            tagged = tag_them(store, result, apply_tags, ids)
        out.info(_("tagged {n} customers with their segment ({prefix}…)").format(
            n=f"{tagged:,}", prefix=apply_tags))  # fmt: skip

    if output is None:
        report_view.show(out, result, chosen)
        return
    from custinfo.cli.terminal import output_text

    with output_text(output, force=force, db_path=context.db_path(db)) as handle:
        report_view.show(out, result, chosen, stream=handle)
    out.info(
        _("wrote the {name} report to {path}").format(name=report_view.word(which), path=output)
    )


def _check(which: str, fmt: str | None, *, apply_tags: str | None, stale: str | None,
           listing: bool) -> None:  # fmt: skip
    """Options that belong to one report only, and --format ids, are usage errors elsewhere."""
    from custinfo.errors import UsageError

    if apply_tags is not None and which != "value":
        raise UsageError(_("--apply-tags works with 'report value' only"))
    if apply_tags is not None and not apply_tags.strip():
        raise UsageError(_("--apply-tags needs a PREFIX, e.g. --apply-tags rfm:"))
    if (stale is not None or listing) and which != "quality":
        option = "--stale" if stale is not None else "--list"
        raise UsageError(_("{option} works with 'report quality' only").format(option=option))
    if fmt == "ids" and not (which == "value" or listing):
        raise UsageError(_("--format ids needs 'report value' or 'report quality --list'"))


def _used(select: filters.Selection) -> dict[str, object]:
    """The filters given, as typed, by option name (shown in the report)."""
    return {
        option: ", ".join(map(str, value)) if isinstance(value, list) else value
        for option, value in select.given().items()
    }
