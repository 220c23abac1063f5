"""The purge journal: a small append-only file beside the database (`<db>.purge-journal`,
0600) that records, for every purge, its uid, time, reason, the erased customer ids and, when
suppressed, the keyed HMACs of their contacts (no names, phones, emails, addresses or notes).

It survives `backup restore`, which re-applies every journalled purge the restored copy has
not seen, so an old backup never brings an erased person back (see `custinfo.privacy.purge`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

JOURNAL_SUFFIX = ".purge-journal"


def journal_path(db_path: Path) -> Path:
    return Path(f"{db_path}{JOURNAL_SUFFIX}")


def append_journal(path: Path, entry: dict[str, Any]) -> None:
    """Append one JSON line (0600), fsynced; a torn last line from a crash is skipped."""
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)
        size = os.fstat(fd).st_size
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                line = b"\n" + line
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every complete entry of the journal (missing file: none)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    entries = []
    for raw in data.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("uid"):
            entries.append(entry)
    return entries
