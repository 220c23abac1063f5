"""Byte-exact UTF-8 text streams for data commands (import/export), stdout or a file."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def output_text(path: Path | None, *, force: bool = False) -> Iterator[TextIO]:
    """UTF-8 text to FILE (created 0600; refuses to overwrite unless `force`) or stdout.

    Line endings are written exactly as given. A file left half-written by an error is
    removed.
    """
    from custinfo.errors import UsageError

    if path is None or str(path) == "-":
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
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} already exists; use --force to overwrite it") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory") from None
    if stat.S_ISREG(os.fstat(fd).st_mode):  # never chmod /dev/null or a terminal
        os.fchmod(fd, 0o600)
    handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        yield handle
        handle.close()
    except BaseException:
        handle.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
