"""custinfo dedupe: list, review or merge likely duplicate customers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from custinfo.cli import context

app = typer.Typer()


class DedupeFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def dedupe(
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
    db: context.DbOption = None,
    passphrase_file: context.PassphraseFileOption = None,
) -> None:
    """Find likely duplicates: list them (default), --review them, or --auto merge them."""
    from custinfo import dedupe as core
    from custinfo.cli import prompt
    from custinfo.cli.output import Output
    from custinfo.errors import UsageError

    if review and auto:
        raise UsageError("choose one of --review and --auto")
    if review and not prompt.interactive():
        raise UsageError("--review needs a terminal (use --format json to list groups)")
    if auto and not yes and not prompt.interactive():
        raise UsageError("--auto merges customers: confirm with --yes when not on a terminal")
    if min_score is None:
        min_score = core.AUTO_MIN_SCORE if auto else core.DEFAULT_MIN_SCORE
    out = Output()
    store = context.open_store(db, passphrase_file)
    groups = core.find_groups(store.conn, min_score=min_score, only=_only())
    if review:
        _review(out, store, groups)
    elif auto:
        _auto(out, store, groups, yes)
    else:
        _list(out, groups, format)


def _only() -> set[int] | None:
    """Ids to restrict to (find filters are wired here; None means everyone)."""
    return None


def _list(out: object, groups: list, fmt: DedupeFormat | None) -> None:  # type: ignore[type-arg]
    from custinfo.cli.output import Output

    assert isinstance(out, Output)
    chosen = fmt or (DedupeFormat.table if out.is_tty else DedupeFormat.json)
    if chosen is DedupeFormat.json:
        out.json([g.to_dict() for g in groups])
    elif chosen is DedupeFormat.csv:
        out.csv_rows(
            ("ids", "score", "reasons"),
            ([" ".join(map(str, g.ids)), f"{g.score:.4f}", "; ".join(g.reasons)] for g in groups),
        )
    else:
        rows = [[" ".join(map(str, g.ids)), f"{g.score:.3f}", "\n".join(g.reasons)] for g in groups]
        out.table(("ids", "score", "reasons"), rows, title=f"{len(groups)} groups")
    if not groups:
        out.info("no likely duplicates found")


def _review(out: object, store: object, groups: list) -> None:  # type: ignore[type-arg]
    from custinfo.cli import prompt
    from custinfo.cli.cmd_merge import show_side_by_side
    from custinfo.dedupe.merge import merge

    merged = 0
    total = len(groups)
    for number, group in enumerate(groups, start=1):
        out.info(f"\ngroup {number}/{total}  score {group.score:.3f}")  # type: ignore[attr-defined]
        for reason in group.reasons:
            out.info(f"  - {reason}")  # type: ignore[attr-defined]
        show_side_by_side(out, store, group.ids)
        while True:
            answer = prompt.read_key(
                f"keep which (1-{len(group.ids)}) and merge the others; s skip; q quit: "
            ).lower()
            if answer in ("q", "s") or (answer.isdigit() and 1 <= int(answer) <= len(group.ids)):
                break
            out.info("please answer with a number, s or q")  # type: ignore[attr-defined]
        if answer == "q":
            break
        if answer == "s":
            continue
        keep = group.ids[int(answer) - 1]
        others = [cid for cid in group.ids if cid != keep]
        merge(store, keep, others)
        merged += 1
        out.info(f"merged {', '.join(map(str, others))} into {keep}")  # type: ignore[attr-defined]
    out.info(f"{merged} group(s) merged")  # type: ignore[attr-defined]


def _auto(out: object, store: object, groups: list, yes: bool) -> None:  # type: ignore[type-arg]
    from custinfo.cli import prompt
    from custinfo.dedupe.merge import merge
    from custinfo.errors import CustinfoError

    people = sum(len(g.ids) for g in groups)
    if not groups:
        out.info("no groups to merge")  # type: ignore[attr-defined]
        return
    if not yes and not prompt.confirm(f"merge {len(groups)} groups ({people} customers)?"):
        raise CustinfoError("nothing merged")
    for group in groups:
        keep, *others = sorted(group.ids)
        merge(store, keep, others)
        out.data(f"{keep}\t{' '.join(map(str, others))}")  # type: ignore[attr-defined]
    out.info(
        f"merged {len(groups)} groups ({people} customers); undo one with 'custinfo unmerge ID'"
    )  # type: ignore[attr-defined]
