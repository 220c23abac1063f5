"""The backup folder's names, its `manifest.json`, listing and retention (restic `forget`)."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from custinfo import dbfiles
from custinfo.files import write_atomic

MANIFEST = dbfiles.MANIFEST
LOCK = dbfiles.BACKUP_LOCK
TMP_PREFIX = dbfiles.BACKUP_TMP_PREFIX
NAME_RE = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.db$")


def journal_copy(folder: Path, stem: str) -> Path:
    """Where `backup create` keeps a copy of the purge journal of database `stem`."""
    return folder / f"{stem}{dbfiles.JOURNAL_SUFFIX}"


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """name -> entry; a missing or unreadable manifest is empty."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("backups"), list):
        return {}
    return {e["name"]: e for e in data["backups"] if isinstance(e, dict) and "name" in e}


def write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write the manifest atomically (temporary 0600, fsync, rename, fsync folder)."""
    ordered = sorted(entries.values(), key=lambda e: (e["created_at"], e["name"]))
    body = json.dumps({"version": 1, "backups": ordered}, indent=1).encode() + b"\n"
    write_atomic(folder / MANIFEST, body)


def list_backups(folder: Path) -> list[dict[str, Any]]:
    """Manifest entries (oldest first) plus final-name files the manifest does not know."""
    entries = read_manifest(folder)
    out = [dict(e, status="ok" if (folder / e["name"]).exists() else "missing")
           for e in entries.values()]  # fmt: skip
    if folder.is_dir():
        for path in folder.glob("*.db"):
            if NAME_RE.match(path.name) and path.name not in entries:
                out.append({"name": path.name, "created_at": "", "size": path.stat().st_size,
                            "sha256": "", "counts": {}, "status": "unlisted"})  # fmt: skip
    return sorted(out, key=lambda e: (e["created_at"], e["name"]))


# -- retention -------------------------------------------------------------------------------
@dataclass(slots=True)
class KeepRules:
    """restic `forget`-style keep rules; all zero means: prune nothing."""

    last: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0

    def any(self) -> bool:
        return any((self.last, self.daily, self.weekly, self.monthly))


def to_keep(entries: list[dict[str, Any]], keep: KeepRules) -> set[str]:
    """Names kept by restic-style rules (newest first; one per day/week/month bucket)."""
    newest_first = sorted(entries, key=lambda e: (e["created_at"], e["name"]), reverse=True)
    kept: set[str] = set()
    if newest_first:
        kept.add(newest_first[0]["name"])  # never remove the newest verified backup
    rules = (
        (keep.last, lambda d: d.isoformat()),
        (keep.daily, lambda d: d.strftime("%Y-%m-%d")),
        (keep.weekly, lambda d: "{:04d}-W{:02d}".format(*d.isocalendar()[:2])),
        (keep.monthly, lambda d: d.strftime("%Y-%m")),
    )
    for limit, bucket in rules:
        if limit <= 0:
            continue
        last_bucket, used = None, 0
        for entry in newest_first:
            when = _parse_time(entry["created_at"])
            key = entry["name"] if bucket is rules[0][1] else bucket(when)
            if key != last_bucket:
                last_bucket = key
                if used < limit:
                    kept.add(entry["name"])
                    used += 1
    return kept


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def prune(folder: Path, keep: KeepRules) -> list[str]:
    """Remove manifest-listed backups not kept by the rules; returns their names."""
    entries = read_manifest(folder)
    kept = to_keep(list(entries.values()), keep)
    removed = sorted(name for name in entries if name not in kept)
    for name in removed:
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
        del entries[name]
    if removed:
        write_manifest(folder, entries)
    return removed
