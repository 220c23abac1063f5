"""Confirmation for destructive commands: ask on a terminal, demand --yes in a pipe."""

from __future__ import annotations

import typer

from custinfo.errors import UsageError


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Return if confirmed; raise typer.Abort if declined, UsageError without a terminal."""
    if yes:
        return
    from custinfo.cli.output import Output

    if not Output().is_tty:
        raise UsageError(f"{what} needs confirmation: run it on a terminal or add --yes")
    if not typer.confirm(question, default=False, err=True):
        raise typer.Abort()
