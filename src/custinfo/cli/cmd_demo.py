"""custinfo demo: a guided tour on a throwaway encrypted database."""

from __future__ import annotations

import io
from typing import Annotated

import typer

from custinfo.cli import options
from custinfo.i18n import _

app = typer.Typer()

#: The demo is a tour, not a load test: more customers only make it slow.
MAX_COUNT = 100_000
DEMO_HINT = "; the demo is a short tour (to load real data use 'custinfo import')"


@app.command()
def demo(
    count: Annotated[
        int,
        typer.Option(
            metavar="N",
            help=f"How many synthetic customers to create (0 to {MAX_COUNT}).",
            parser=options.count(0, MAX_COUNT, DEMO_HINT),
        ),
    ] = 300,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the demo database instead of deleting it.")
    ] = False,
) -> None:
    """Create a throwaway encrypted database, fill it, and walk through add, find and show.

    Needs no passphrase input: the demo database gets a random one for this run.
    """
    import contextlib
    import os
    import secrets
    import shutil
    import tempfile
    from pathlib import Path

    from custinfo.cli import context, terminal
    from custinfo.cli.main import run
    from custinfo.demo import load_synthetic
    from custinfo.errors import CustinfoError
    from custinfo.store import Store

    workdir = Path(tempfile.mkdtemp(prefix="custinfo-demo-"))
    path = workdir / "demo.db"
    os.environ["CUSTINFO_DB"] = str(path)
    os.environ["CUSTINFO_PASSPHRASE"] = secrets.token_urlsafe(18)
    for name in ("CUSTINFO_PASSPHRASE_COMMAND", "CUSTINFO_PASSPHRASE_FILE"):
        os.environ.pop(name, None)
    context.set_defaults(db=None, passphrase_file=None)

    def step(title: str, *argv: str) -> str:
        typer.echo(f"\n# {title}")
        typer.echo("$ custinfo " + " ".join(_quote(a) for a in argv))
        # On a terminal the steps show what a terminal user sees (tables), not CSV.
        captured = _TtyStringIO() if terminal.screen() else io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = run(list(argv))
        typer.echo(captured.getvalue(), nl=False)
        if code != 0:
            raise CustinfoError(_("demo step failed with exit code {code}").format(code=code))
        return captured.getvalue()

    typer.echo(
        _("custinfo demo: a throwaway encrypted database in {workdir}").format(workdir=workdir)
    )
    try:
        step("Create the encrypted database (SQLCipher, 0600)", "init", "--region", "CN")
        with Store.open(path, os.environ["CUSTINFO_PASSPHRASE"].encode()) as store:
            added = load_synthetic(store, count)
        typer.echo(
            _("# Loaded {added} synthetic customers (Chinese and international)").format(
                added=added
            )
        )
        new_id = step(
            "Add a customer: the phone is normalised to E.164, the email validated",
            "add", "--name", "王小明", "--phone", "139 1234 5678", "--email",
            "Xiaoming.Wang@Example.COM", "--city", "上海", "--company", "明辉贸易有限公司",
            "--tag", "VIP", "--note", "首次到店，对新品感兴趣",
        ).strip()  # fmt: skip
        step("Find by part of a name", "find", "小明", "--limit", "5")
        step("Find by a phone typed another way", "find", "+86 139-1234-5678")
        step("Show everything about that customer", "show", new_id)
        step("The same as JSON, for scripts", "show", new_id, "--format", "json")
    finally:
        if keep:
            typer.echo(
                _("Kept {path}; its passphrase was only in this process's environment.").format(
                    path=path
                )
            )
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            typer.echo(_("\nDone; removed {workdir}.").format(workdir=workdir))


class _TtyStringIO(io.StringIO):
    """Captured output that claims to be a terminal (so commands print tables)."""

    def isatty(self) -> bool:
        return True


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
