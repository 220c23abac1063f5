"""Encrypted backups cron can trust: create, list, verify, prune, restore.

`create` snapshots the live database with SQLite's online backup API into a hidden temporary
file (0600) in the backup folder, keyed with the same passphrase; fsyncs it; verifies the copy
(opened afresh with the key: `cipher_integrity_check` and `integrity_check` clean, row counts
of every table equal to the source snapshot's); renames it atomically to its final UTC
timestamped name; fsyncs the folder; and records name, size, SHA-256 and counts in
`manifest.json` (itself written to a temporary name and renamed). A file under a final name
is therefore always a complete, verified backup. One `create` at a time per folder
(`flock` on `.custinfo-backup.lock`; a second one fails at once).

Modules: `manifest` (names, manifest, listing, retention), `verify` (opening and checking a
backup), `create`, `restore`. This package re-exports their public API.
"""

from __future__ import annotations

from custinfo.backup.create import CreateResult, create, default_dir, folder_lock
from custinfo.backup.manifest import (
    LOCK,
    MANIFEST,
    NAME_RE,
    TMP_PREFIX,
    KeepRules,
    journal_copy,
    list_backups,
    prune,
    read_manifest,
    to_keep,
    write_manifest,
)
from custinfo.backup.restore import RestoreResult, restore
from custinfo.backup.verify import check_file, sha256_file, table_counts, verify
from custinfo.files import fsync_path

__all__ = [
    "LOCK",
    "MANIFEST",
    "NAME_RE",
    "TMP_PREFIX",
    "CreateResult",
    "KeepRules",
    "RestoreResult",
    "check_file",
    "create",
    "default_dir",
    "folder_lock",
    "fsync_path",
    "journal_copy",
    "list_backups",
    "prune",
    "read_manifest",
    "restore",
    "sha256_file",
    "table_counts",
    "to_keep",
    "verify",
    "write_manifest",
]
