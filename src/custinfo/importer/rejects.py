"""The rejects file: invalid rows in the input's own columns plus an `error` column.

CSV/TSV input gives a UTF-8 CSV with the input's header and delimiter and a last column
`error`; JSON and NDJSON input give NDJSON, each object with an added "error" key (a line
that was not JSON at all becomes {"input": LINE, "error": ...}). The file is created 0600
and never overwrites an existing file unless forced; it is removed again when no row was
rejected. Importing the fixed file ignores the `error` column.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TextIO

from custinfo import files


class RejectsWriter:
    """The rejects file, written to a temporary file and published only by `close(keep=True)`
    with at least one row (`custinfo.files.AtomicOutput`): a failed import, a full disk or
    Ctrl-C leaves no partial file. Refuses custinfo's own files for `db_path` (exit 2)."""

    def __init__(self, path: Path, *, force: bool = False, db_path: Path | None = None) -> None:
        self.path = path
        self.count = 0
        self._kind = ""
        self._writer: Any = None
        self._width = 0
        files.guard(path, db_path)
        self._out = files.AtomicOutput(path, force=force, track=db_path)
        self._file: TextIO = self._out.open(encoding="utf-8", newline="")

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
        """Publish the file if `keep` and at least one row was written; else remove it."""
        if keep and self.count:
            self._out.commit()
        else:
            self._out.discard()
