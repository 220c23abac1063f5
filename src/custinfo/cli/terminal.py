"""Who is at the terminal, and how to talk to them.

The one place that asks `isatty`: whether a person can answer (stdin and stderr are both a
terminal), whether output goes to a screen, confirmations, single answers, secrets, and the
byte-exact UTF-8 text stream that data commands (import/export) write to.

A confirmation is only ever read from a person: `yes | custinfo purge ...` at a terminal
(stdin is a pipe) does not count as an answer; such runs need `--yes`.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO


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
    return read_key(f"{question} [y/N] ").lower() in ("y", "yes")


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Return if `yes` or confirmed by a person; raise typer.Abort if declined, and
    UsageError when no person can answer (stdin or stderr is not a terminal)."""
    if yes:
        return
    from custinfo.errors import UsageError

    if not person_present():
        raise UsageError(f"{what} needs confirmation: run it on a terminal or add --yes")
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
