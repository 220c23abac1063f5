"""custinfo demo: a guided tour of the whole product on a throwaway encrypted database.

The steps are `custinfo.demo.tour.STEPS`; this module runs them. Every command of the tour
runs in this process through the public CLI (`cli.main.run`), against a database in a
private temporary folder (0700; its files 0600) that is removed at the end unless --keep.
The passphrase is random, in a 0600 file of that folder, never on argv or in the
environment. At a terminal the tour is guided (styled step headings, a short pause between
steps); with --fast or in a pipe it is plain text in a fixed layout, and commands print
what they print in a pipe (CSV).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from custinfo.cli import options
from custinfo.i18n import N_, _

app = typer.Typer()

#: The demo is a tour, not a load test: more customers only make it slow.
MAX_COUNT = 100_000
DEMO_HINT = N_("; the demo is a short tour (to load real data use 'custinfo import')")
PAUSE = 0.6  # seconds between steps of the guided tour
#: The environment the tour sets for its commands (and restores afterwards).
ENV = ("CUSTINFO_DB", "CUSTINFO_PASSPHRASE_FILE", "CUSTINFO_BACKUP_DIR", "CUSTINFO_PASSPHRASE",
       "CUSTINFO_PASSPHRASE_COMMAND", "CUSTINFO_PAGER")  # fmt: skip


@app.command()
def demo(
    count: Annotated[
        int,
        typer.Option(
            metavar="N",
            help=f"How many synthetic customers the sample file gets (0 to {MAX_COUNT}).",
            parser=options.count(0, MAX_COUNT, DEMO_HINT),
        ),
    ] = 300,
    fast: Annotated[
        bool, typer.Option("--fast", help="Plain output without pauses, even at a terminal.")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the demo folder (database, passphrase, files).")
    ] = False,
) -> None:
    """A guided tour on a throwaway encrypted database: import, find, tags, duplicates,
    export, erasure and backups, with real commands.

    Needs no input: the demo database gets a random passphrase for this run.
    """
    import shutil
    import tempfile

    from custinfo.cli import terminal
    from custinfo.demo.tour import STEPS

    guided = terminal.screen() and not fast
    workdir = Path(tempfile.mkdtemp(prefix="custinfo-demo-"))  # 0700
    runner = Runner(workdir, count, guided)
    runner.line(_("custinfo demo: a tour on a throwaway encrypted database (nothing to type)."))
    try:
        with runner.environment():
            for number, step in enumerate(STEPS, start=1):
                runner.heading(number, len(STEPS), _(step.title), _(step.why))
                step.run(runner)
                if guided and number < len(STEPS):
                    import time

                    time.sleep(PAUSE)
        runner.next_steps()
    finally:
        if keep:
            example = "custinfo --db {} --passphrase-file {} find 张".format(
                workdir / "demo.db", workdir / "passphrase.txt"
            )
            runner.line(_("Kept {dir}: try '{command}'").format(dir=workdir, command=example))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            runner.line(_("Done; the demo folder and its database are removed."))


class Runner:
    """Runs the steps' commands in this process and shows them (the tour's `Tour`)."""

    def __init__(self, workdir: Path, count: int, guided: bool) -> None:
        from custinfo.cli import terminal

        self.workdir = workdir
        self.count = count
        self.guided = guided
        self.color = guided and terminal.color(sys.stdout)
        self.ids: dict[str, str] = {}
        # Nested runs parse their own root options: pass on the ones given to `demo`.
        self.root = (["-q"] if terminal.quiet() else []) + (
            ["--no-color"] if terminal._ui["no_color"] else []
        )

    # -- what steps call --------------------------------------------------------------------
    def run(self, *argv: str, stdin: str | None = None, show: bool = True) -> str:
        """`custinfo ARGV` in this process; shows it and its output; returns its stdout."""
        if show:
            self._command(list(argv))
        return self._run(list(argv), stdin, show)

    def pipe(self, first: list[str], second: list[str]) -> str:
        """`custinfo FIRST | custinfo SECOND`: FIRST's stdout is SECOND's stdin."""
        self._command(first, second)
        return self._run(second, self._run(first, None, False), True)

    def say(self, text: str) -> None:
        self.line(self._style(text, "2") if self.guided else f"# {text}")

    def head(self, path: Path, lines: int = 4) -> None:
        """The first lines of a file the tour wrote (`$ head -N FILE`)."""
        import shlex

        self.line(self._style(f"$ head -{lines} {shlex.quote(path.name)}", "1"))
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            for _number, text in zip(range(lines), handle, strict=False):
                self.line(text.rstrip("\r\n"))

    # -- the frame --------------------------------------------------------------------------
    def environment(self) -> object:
        import contextlib
        import os
        import secrets

        from custinfo.cli import context

        @contextlib.contextmanager
        def scope():  # type: ignore[no-untyped-def]
            saved = {name: os.environ.get(name) for name in ENV}
            cwd = os.getcwd()
            key = self.workdir / "passphrase.txt"
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(24) + "\n")
            for name in ENV:
                os.environ.pop(name, None)
            os.environ.update(CUSTINFO_DB=str(self.workdir / "demo.db"),
                              CUSTINFO_PASSPHRASE_FILE=str(key),
                              CUSTINFO_BACKUP_DIR=str(self.workdir / "backups"))  # fmt: skip
            os.chdir(self.workdir)
            context.hold_store(True)
            try:
                yield
            finally:
                context.hold_store(False)
                os.chdir(cwd)
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

        return scope()

    def heading(self, number: int, total: int, title: str, why: str) -> None:
        if self.guided:
            self.line("\n" + self._style(f"[{number}/{total}] {title}", "1;36"))
            self.line(self._style(why, "2"))
        else:
            self.line(f"\n# {number}/{total} {title}")
            self.line(f"# {why}")

    def next_steps(self) -> None:
        from custinfo.demo.tour import NEXT_STEPS

        (title, _none), *lines = NEXT_STEPS
        self.line("\n" + self._style(_(title), "1;36"))
        width = max(len(command) for command, _why in lines)
        for command, why in lines:
            self.line(f"  {command.ljust(width)}   # {_(why)}")

    def line(self, text: str) -> None:
        print(text, flush=True)

    # -- running ----------------------------------------------------------------------------
    def _command(self, *commands: list[str]) -> None:
        import shlex

        shown = " | ".join("custinfo " + shlex.join(argv) for argv in commands)
        self.line(self._style("$ " + shown, "1"))

    def _run(self, argv: list[str], stdin: str | None, show: bool) -> str:
        import contextlib

        from custinfo.cli.main import run
        from custinfo.errors import CustinfoError

        captured = _Tee(sys.stdout) if show else io.StringIO()
        saved = sys.stdin
        sys.stdin = io.StringIO(stdin or "")  # no step ever waits for input
        try:
            with contextlib.redirect_stdout(captured):
                code = run(self.root + argv)
        finally:
            sys.stdin = saved
        sys.stdout.flush()
        if code == 130:  # Ctrl-C in a step ends the tour as an interruption
            raise KeyboardInterrupt
        if code != 0:
            raise CustinfoError(
                _("the demo stopped: 'custinfo {command}' failed (exit {code})").format(
                    command=" ".join(argv), code=code
                )
            )
        return captured.getvalue()

    def _style(self, text: str, sgr: str) -> str:
        return f"\x1b[{sgr}m{text}\x1b[0m" if self.color else text


class _Tee(io.StringIO):
    """A command's stdout: shown as it comes and kept; a terminal when stdout is one (so a
    command prints what it prints there), but without a file descriptor (so no pager)."""

    def __init__(self, target: io.TextIOBase) -> None:
        super().__init__()
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(text)
        return super().write(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        from custinfo.cli import terminal

        return terminal.isatty(self.target)
