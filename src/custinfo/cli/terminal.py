"""Who is at the terminal, and how to talk to them.

The one place that asks `isatty`: whether a person can answer (stdin and stderr are both a
terminal), whether output goes to a screen, confirmations, single answers, secrets, and the
byte-exact UTF-8 text stream that data commands (import/export) write to.

A confirmation is only ever read from a person: `yes | custinfo purge ...` at a terminal
(stdin is a pipe) does not count as an answer; such runs need `--yes`.

Also the process-wide look: `--quiet` (only errors on stderr), colour (`--no-color`,
`NO_COLOR`, `TERM=dumb` turn it off), the pager for long output on a terminal and a spinner
for long silent work.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from custinfo.i18n import N_, _

_ui: dict[str, Any] = {"quiet": False, "no_color": False, "pager": None}


def set_ui(*, quiet: bool | None = None, no_color: bool | None = None) -> None:
    """The root options `-q/--quiet` and `--no-color` (None: leave as is)."""
    if quiet is not None:
        _ui["quiet"] = quiet
    if no_color is not None:
        _ui["no_color"] = no_color


def set_pager(command: str | None) -> None:
    """The pager from the config file (`CUSTINFO_PAGER` still wins)."""
    _ui["pager"] = command


def quiet() -> bool:
    """True under `-q/--quiet`: only errors go to stderr."""
    return bool(_ui["quiet"])


def color(stream: Any) -> bool:
    """Colour and bold on `stream`: a terminal, no `--no-color`, no NO_COLOR, TERM not dumb."""
    return (
        isatty(stream)
        and not _ui["no_color"]
        and not os.environ.get("NO_COLOR")  # set and non-empty, as no-color.org says
        and os.environ.get("TERM") != "dumb"
    )


def isatty(stream: Any) -> bool:
    """True when `stream` is a terminal (False for closed or file-less streams)."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def person_present() -> bool:
    """True when a person can answer a question: stdin and stderr are both a terminal."""
    return isatty(sys.stdin) and isatty(sys.stderr)


def screen(stream: Any = None) -> bool:
    """True when `stream` (default stdout) is a terminal: output is read by a person."""
    return isatty(sys.stdout if stream is None else stream)


def stdin_piped() -> bool:
    """True when stdin carries data (a pipe or a file), not a terminal."""
    return sys.stdin is not None and not isatty(sys.stdin)


def read_key(prompt: str) -> str:
    """Show `prompt` on stderr and read one answer line from stdin ("q" at end of input)."""
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        return "q"
    return line.strip()


def ask(question: str) -> bool:
    """A yes/no question to the person at the terminal (default no)."""
    return read_key(f"{question} {_('[y/N]')} ").lower() in ("y", "yes", "是", "好")


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Return if `yes` or confirmed by a person; raise typer.Abort if declined, and
    UsageError when no person can answer (stdin or stderr is not a terminal)."""
    if yes:
        return
    from custinfo.errors import UsageError

    if not person_present():
        raise UsageError(
            _("{what} needs confirmation: run it on a terminal or add --yes").format(what=what)
        )
    if not ask(question):
        import typer

        raise typer.Abort()


def require_person(message: str) -> None:
    """Raise UsageError(message) unless a person is at the terminal."""
    if not person_present():
        from custinfo.errors import UsageError

        raise UsageError(message)


def read_secret(prompt: str) -> str:
    """A no-echo line from the terminal (the caller checks `person_present` first)."""
    import getpass

    return getpass.getpass(prompt)


def size(stream: Any = None) -> tuple[int, int]:
    """(columns, lines) of the terminal behind `stream` (COLUMNS/LINES win; 80x24 if unknown)."""
    import shutil

    columns, lines = shutil.get_terminal_size((80, 24))
    return max(columns, 20), max(lines, 5)


def pager_command() -> list[str] | None:
    """The pager: CUSTINFO_PAGER, else the config's `pager`, else PAGER, else `less -FRX`;
    an empty value (or `cat`) means none."""
    import shlex

    for value in (os.environ.get("CUSTINFO_PAGER"), _ui["pager"], os.environ.get("PAGER")):
        if value is not None:
            command = value.strip()
            break
    else:
        command = "less -FRX"
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    return argv if argv and argv[0] != "cat" else None


def page(text: str, stream: Any = None) -> None:
    """Write `text` to `stream` (default stdout), through the pager when the stream is a
    terminal and `text` is taller than the screen; never in a pipe, never when it fits."""
    stream = sys.stdout if stream is None else stream
    lines = text.count("\n")
    if not _real_terminal(stream) or lines < size(stream)[1]:
        stream.write(text)
        return
    argv = pager_command()
    if argv is None or not _spawn_pager(argv, text, stream):
        stream.write(text)


def _real_terminal(stream: Any) -> bool:
    try:
        return isatty(stream) and os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def _spawn_pager(argv: list[str], text: str, stream: Any) -> bool:
    """Run the pager on `text`; False if it cannot start (then the caller prints)."""
    import signal
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does: quit if one screen, raw colours, no clear
    env.setdefault("LESSCHARSET", "utf-8")
    stream.flush()
    try:
        pager = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=stream.fileno(), env=env)
    except OSError:
        return False
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the pager's
    try:
        assert pager.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):  # the reader quit early: fine
            pager.stdin.write(text.encode("utf-8", "replace"))
        with contextlib.suppress(BrokenPipeError, OSError):
            pager.stdin.close()
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True


@contextlib.contextmanager
def spinner(message: str) -> Iterator[Any]:
    """A spinner on stderr for long silent work (`with terminal.spinner("…") as say:`, then
    `say("new text")`); nothing in a pipe or under --quiet."""
    if quiet() or not isatty(sys.stderr) or os.environ.get("TERM") == "dumb":
        yield lambda text: None
        return
    from rich.console import Console

    console = Console(file=sys.stderr, no_color=not color(sys.stderr), highlight=False,
                      color_system="auto" if color(sys.stderr) else None)  # fmt: skip
    with console.status(message, spinner="dots") as status:
        yield lambda text: status.update(text)


NEW_PASSPHRASE_WARNING = N_(
    "A lost passphrase cannot be recovered: without it the database and every backup made "
    "with it are lost. Keep it in a password manager."
)
MIN_LENGTH = 8


def read_new_passphrase(*, force_weak: bool, tries: int = 3) -> str:
    """Ask twice, without echo, for a new passphrase (the caller checks `person_present`):
    warns first, asks again when the two differ, or when it is shorter than 8 characters
    unless `force_weak`. PassphraseError after `tries` failed attempts."""
    from custinfo.errors import PassphraseError

    print(_(NEW_PASSPHRASE_WARNING), file=sys.stderr)
    for _attempt in range(tries):
        first = read_secret(_("New passphrase: "))
        if not first:
            print(_("The passphrase is empty; try again."), file=sys.stderr)
            continue
        if len(first) < MIN_LENGTH and not force_weak:
            print(weak_message(len(first)), file=sys.stderr)
            continue
        if read_secret(_("Repeat new passphrase: ")) != first:
            print(_("The two passphrases differ; try again."), file=sys.stderr)
            continue
        return first
    raise PassphraseError(_("no new passphrase given; nothing changed"))


def weak_message(length: int) -> str:
    return _(
        "That passphrase has only {n} characters; use at least {min} (or add --force-weak)."
    ).format(n=length, min=MIN_LENGTH)


@contextlib.contextmanager
def output_text(
    path: Path | None, *, force: bool = False, db_path: Path | None = None
) -> Iterator[TextIO]:
    """UTF-8 text to FILE (0600; refuses to overwrite unless `force`) or stdout.

    Line endings are written exactly as given. FILE is refused (exit 2) if it is one of
    custinfo's own files for the database `db_path`, and appears only when complete
    (`custinfo.files.AtomicOutput`): an error or Ctrl-C leaves no partial file.
    """
    from custinfo import files

    if path is None or str(path) == "-":
        files.guard_stream(sys.stdout, db_path)
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # an in-memory stream (tests)
            yield sys.stdout
            return
        sys.stdout.flush()
        wrapper = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
        try:
            yield wrapper
            wrapper.flush()
        finally:
            with contextlib.suppress(ValueError, OSError):
                wrapper.detach()
        return
    files.guard(path, db_path)
    with files.atomic_output(
        path, force=force, encoding="utf-8", newline="", track=db_path
    ) as handle:
        yield handle
