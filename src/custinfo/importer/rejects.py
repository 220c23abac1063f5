"""The rejects file: invalid rows in the input's own columns plus an `error` column.

CSV/TSV input gives a UTF-8 CSV with the input's header and delimiter and a last column
`error`; JSON and NDJSON input give NDJSON, each object with an added "error" key (a line
that was not JSON at all becomes {"input": LINE, "error": ...}). The file is created 0600
and never overwrites an existing file unless forced; it is removed again when no row was
rejected. Importing the fixed file ignores the `error` column.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import stat
from pathlib import Path
from typing import Any, TextIO

from custinfo.errors import UsageError


class RejectsWriter:
    def __init__(self, path: Path, *, force: bool = False) -> None:
        self.path = path
        self.count = 0
        self._kind = ""
        self._writer: Any = None
        self._width = 0
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            raise UsageError(
                f"rejects file {path} already exists; use --force to overwrite it"
            ) from None
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
        self._file: TextIO = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def start_csv(self, header: list[str], delimiter: str) -> None:
        self._kind = "csv"
        self._width = len(header)
        self._writer = csv.writer(self._file, delimiter=delimiter, lineterminator="\n")
        self._writer.writerow([*header, "error"])

    def start_json(self) -> None:
        self._kind = "json"

    def write(self, record: Any, error: str) -> None:
        self.count += 1
        if self._kind == "csv":
            cells = list(record) + [""] * (self._width - len(record))
            self._writer.writerow([*cells, error])
            return
        if isinstance(record, dict):
            obj = {**record, "error": error}
        elif isinstance(record, str):
            obj = {"input": getattr(record, "raw", record), "error": error}
        else:
            obj = {"input": record, "error": error}
        self._file.write(json.dumps(obj, ensure_ascii=False) + "\n")

    def close(self, *, keep: bool) -> None:
        """Close; the file is removed unless `keep` and at least one row was written."""
        self._file.close()
        if not keep or self.count == 0:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
