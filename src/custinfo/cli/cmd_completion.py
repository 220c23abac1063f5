"""custinfo completion: print a shell completion script."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

app = typer.Typer(add_completion=False)


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(
    shell: Annotated[Shell, typer.Argument(metavar="bash|zsh|fish", help="Your shell.")],
) -> None:
    """Print the completion script for your shell on stdout.

    It completes commands, options and their choices, and tag names when the database opens
    without a prompt (a passphrase file, command or variable). Install it once (see the
    examples); it calls custinfo on every TAB.
    """
    from custinfo.cli.complete import SCRIPTS
    from custinfo.cli.output import Output

    Output().data(SCRIPTS[shell.value].rstrip("\n"))
