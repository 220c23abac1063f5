"""custinfo dedupe: list, review or merge likely duplicate customers."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from custinfo.cli import context, filters
from custinfo.i18n import _, gap, plural

if TYPE_CHECKING:
    from custinfo.cli.output import Output
    from custinfo.dedupe import DuplicateGroup
    from custinfo.store import Store

app = typer.Typer()


class DedupeFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
@filters.selects()
def dedupe(
    query: filters.QueryArgument = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0.0,
            max=1.0,
            help="Lowest group score to show or merge (default 0.5; 0.99 with --auto).",
        ),
    ] = None,
    format: Annotated[
        DedupeFormat | None, typer.Option("--format", "-f", help="Output format of the list.")
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Go through the groups at the terminal.")
    ] = False,
    auto: Annotated[
        bool, typer.Option("--auto", help="Merge every group at or above --min-score.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (with --auto).")] = False,
    explain: Annotated[
        tuple[int, int] | None,
        typer.Option(
            "--explain", metavar="ID1 ID2", help="Show the full comparison of two customers."
        ),
    ] = None,
    model: Annotated[
        bool, typer.Option("--model", help="Show the fitted model (m/u per field and level).")
    ] = False,
    refit: Annotated[
        bool, typer.Option("--refit", help="Fit the model again before anything else.")
    ] = False,
    also_compare: Annotated[
        list[str] | None,
        typer.Option(
            "--also-compare",
            metavar="field:KEY",
            help="Also score this custom field (repeatable): the same value counts for, a "
            "different one against.",
        ),
    ] = None,
    select: filters.Selection = None,
    region: context.RegionOption = None,
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Find likely duplicates: list them (default), --review them, or --auto merge them.

    Find filters (QUERY, --tag, --city, ...) restrict the search to matching customers: a
    group is listed when all its members match.
    """
    from custinfo import dedupe as core
    from custinfo.cli import terminal
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError

    modes = [name for name, on in (("--review", review), ("--auto", auto),
             ("--explain", explain is not None), ("--model", model)) if on]  # fmt: skip
    if len(modes) > 1:
        raise UsageError(_("choose one of {value}").format(value=" and ".join(modes)))
    if review and not terminal.person_present():
        raise UsageError(_("--review needs a terminal (use --format json to list groups)"))
    if auto and not yes and not terminal.person_present():
        raise UsageError(_("--auto merges customers: confirm with --yes when not on a terminal"))
    if explain is not None:
        explain = _explain_ids(explain)
    if min_score is None:
        min_score = core.AUTO_MIN_SCORE if auto else core.DEFAULT_MIN_SCORE
    out = Output()
    store = context.open_store(db, passphrase_file)
    if explain is not None:
        _explain(out, core.explain(store, *explain, also_compare=also_compare or ()), format)
        return
    if model:
        with out.spinner(_("Fitting the model…") if refit else _("Reading the model…")):
            fitted = core.current_model(store, refit=refit)
        _model(out, fitted, format)
        return
    selection = select.query()
    only = filters.selected_ids(store, selection, region)
    stats = core.Stats()
    with out.spinner(_("Looking for duplicates…")):
        groups = core.find_groups(
            store, min_score=min_score, only=only, refit=refit, also_compare=also_compare or (),
            stats=stats,
        )  # fmt: skip
    if only is None and stats.fitted and not stats.stored:
        out.info(_("note: the fitted model was not saved (another process is writing); "
                   "the next dedupe fits it again"))  # fmt: skip
    if review:
        _review(out, store, groups)
    elif auto:
        _auto(out, store, groups, yes)
    else:
        _list(out, groups, format)


def _list(out: Output, groups: list[DuplicateGroup], fmt: DedupeFormat | None) -> None:
    chosen = DedupeFormat(out.choose(fmt).value)  # a pipe gets CSV, like every list
    if chosen is DedupeFormat.json:
        out.json([g.to_dict() for g in groups])
    elif chosen is DedupeFormat.csv:
        out.csv_rows(
            ("ids", "score", "reasons"),
            ([" ".join(map(str, g.ids)), f"{g.score:.4f}", "; ".join(g.reasons)] for g in groups),
        )
    else:
        rows = [[" ".join(map(str, g.ids)), f"{g.score:.3f}", "\n".join(g.reasons)] for g in groups]
        out.table(("ids", "score", "reasons"), rows, title=plural(len(groups), "group"))
    if not groups:
        out.info(_("no likely duplicates found"))


def _explain_ids(ids: tuple[int, int]) -> tuple[int, int]:
    """Both ids of --explain checked like every customer id (exit 2, never an overflow)."""
    from custinfo.cli.options import parse_customer_id
    from custinfo.errors import UsageError

    try:
        first, second = (parse_customer_id(value) for value in ids)
    except ValueError as exc:
        raise UsageError(f"--explain: {exc}") from None
    return first, second


def _explain(out: Output, result: dict, fmt: DedupeFormat | None) -> None:
    chosen = fmt or (DedupeFormat.table if out.is_tty else DedupeFormat.json)
    if chosen is DedupeFormat.json:
        out.json(result)
        return
    header = ("field", "value 1", "value 2", "level", "m", "u", "weight")
    rows = [
        [r["field"], _cell(r["a"]), _cell(r["b"]), r["level"], _num(r["m"]), _num(r["u"]),
         f"{r['weight']:+.2f}"]
        for r in result["fields"]
    ]  # fmt: skip
    if chosen is DedupeFormat.csv:
        out.csv_rows(header, rows)
        return
    a, b = result["ids"]
    rows = [[*row[:3], _(row[3]), *row[4:]] for row in rows]  # level names, on screen
    out.table(header, rows, title=_("customers {a} and {b}").format(a=a, b=b))
    out.info(
        _("prior {prior:+.2f} + weights = {total:+.2f}, score {score:.4f}").format(
            prior=result["prior"], total=result["total"], score=result["score"]
        )
        + (gap() + _("(never grouped: see docs/dedupe.md)") if result["vetoed"] else "")
    )
    for reason in result["reasons"]:
        out.info(f"  - {reason}")


def _model(out: Output, m: Any, fmt: DedupeFormat | None) -> None:
    from dataclasses import asdict

    from custinfo.dedupe.compare import FIELDS, LEVELS

    chosen = fmt or (DedupeFormat.table if out.is_tty else DedupeFormat.json)
    weights = m.weights()
    if chosen is DedupeFormat.json:
        out.json(
            {**asdict(m), "weights": {f: [round(float(w), 4) for w in weights[f]] for f in FIELDS}}
        )
        return
    header = ("field", "level", "m", "u", "weight")
    rows = [
        [
            f,
            LEVELS[f][i],
            _num(m.m[f][i]),
            _num(m.u[f][i] if m.fitted else None),
            f"{float(weights[f][i]):+.2f}",
        ]
        if m.has_data(f)
        else [f, LEVELS[f][i], "", "", _("no data")]
        for f in FIELDS
        for i in range(1, len(LEVELS[f]))
    ]
    if chosen is DedupeFormat.csv:
        out.csv_rows(header, rows)
        return
    if m.fitted:
        title = _("fitted {at} on {customers}, {pairs}").format(
            at=m.fitted_at, customers=plural(m.customers, "customer"),
            pairs=plural(m.pairs, "candidate pair"),
        )  # fmt: skip
    else:
        title = _("hand-set weights (fewer customers than needed for a fit)")
    rows = [[row[0], _(row[1]), *row[2:]] for row in rows]  # level names, on screen
    out.table(header, rows, title=title)
    out.info(_("prior log-odds {prior:+.2f}").format(prior=m.prior))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _review(out: Output, store: Store, groups: list[DuplicateGroup]) -> None:
    from custinfo.cli import terminal
    from custinfo.cli.cmd_merge import show_side_by_side

    merged = 0
    total = len(groups)
    for number, group in enumerate(groups, start=1):
        out.info(
            _("\ngroup {number}/{total}  score {score:.3f}").format(
                number=number, total=total, score=group.score
            )
        )
        for reason in group.reasons:
            out.info(f"  - {reason}")
        show_side_by_side(out, store, group.ids)
        while True:
            answer = terminal.read_key(
                _("keep which (1-{n}) and merge the others; s skip; q quit: ").format(
                    n=len(group.ids)
                )
            ).lower()
            if answer in ("q", "s") or (answer.isdigit() and 1 <= int(answer) <= len(group.ids)):
                break
            out.info(_("please answer with a number, s or q"))
        if answer == "q":
            break
        if answer == "s":
            continue
        keep = group.ids[int(answer) - 1]
        others = [cid for cid in group.ids if cid != keep]
        store.merge(keep, others)
        merged += 1
        out.info(
            _("merged {value} into {keep}").format(value=", ".join(map(str, others)), keep=keep)
        )
    out.info(_("{groups} merged").format(groups=plural(merged, "group")))


def _auto(out: Output, store: Store, groups: list[DuplicateGroup], yes: bool) -> None:
    from custinfo.cli import terminal
    from custinfo.errors import CustinfoError

    people = sum(len(g.ids) for g in groups)
    if not groups:
        out.info(_("no groups to merge"))
        return
    if not yes and not terminal.ask(
        _("merge {groups} ({people})?").format(
            groups=plural(len(groups), "group"), people=plural(people, "customer")
        )
    ):
        raise CustinfoError(_("nothing merged"))
    for group in groups:
        keep, *others = sorted(group.ids)
        store.merge(keep, others)
        out.data(f"{keep}\t{' '.join(map(str, others))}")
    out.info(
        _("merged {groups} ({people}); undo one with 'custinfo unmerge ID'").format(
            groups=plural(len(groups), "group"), people=plural(people, "customer")
        )
    )
