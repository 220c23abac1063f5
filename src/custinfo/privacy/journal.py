"""The purge journal: an append-only file beside the database (`<db>.purge-journal`, 0600)
that records, for every purge, its uid, time, reason, the erased customer ids and, when
suppressed, the keyed HMACs of their contacts (no names, phones, emails, addresses or notes).

It survives `backup restore`, which re-applies every journalled purge the restored copy has
not seen, so an old backup never brings an erased person back (see `custinfo.privacy.purge`).

**Format 2** (written since issue 11): JSON lines. A purge is one or more lines ("parts", at
most `PART_IDS` ids and HMACs each), each carrying:
- `prev`: the SHA-256 of every byte of the file before the line, so removing, changing or
  reordering anything before it is detected;
- `mac`: HMAC-SHA256 of the rest of the line (canonical JSON) under a key derived from the
  database's suppression key, which exists only inside the encrypted database (and its
  backups). Someone with access to the files but not the passphrase can delete or truncate
  the journal but cannot forge or alter an entry; deletions are caught by `prev` and, for
  the tail, by the restore's cross-check against the purges the databases record.
- `torn`: on the first line after a crash mid-append, the length of the cut-off fragment it
  follows, which is then known to be a crash remnant, not damage.

A torn last line (a crash during the append, before the purge committed) is not damage: the
parts written before it are authenticated and are applied; the torn line itself is not.
**Format 1** (no checksum) is still read; a format-1 line after a format-2 line is damage.

**Entry types.** A purge has no `type`. `type: "optout"` entries (format 2 only) record
opt-outs by contact, HMACs only, and are re-applied by a restore too
(`custinfo.privacy.optout_journal`).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custinfo.dbfiles import JOURNAL_SUFFIX, journal_path
from custinfo.i18n import _, plural

__all__ = [
    "JOURNAL_SUFFIX",
    "Journal",
    "append_journal",
    "journal_path",
    "mac_key",
    "read_journal",
    "snapshot",
]

FORMAT = 2
PART_IDS = 1000  # ids (and HMACs) per line: a torn append loses at most one line's worth
_KEY_LABEL = b"custinfo purge journal v2"
#: The keys every line of an entry repeats. `type` is absent for a purge; other entry types
#: (`"optout"`: `custinfo.privacy.optout_journal`) carry their own rows in `hmacs`.
_HEAD = ("uid", "at", "db_uid", "reason", "type")


def mac_key(conn: Any) -> bytes:
    """The journal's MAC key: derived from the database's suppression key (in `meta`)."""
    from custinfo.privacy import suppression

    return hmac.new(suppression.key(conn), _KEY_LABEL, hashlib.sha256).digest()


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _mac(key: bytes, obj: dict[str, Any]) -> str:
    return hmac.new(key, _canonical(obj), hashlib.sha256).hexdigest()


def _lines(entry: dict[str, Any], key: bytes, prefix: bytes, torn: int) -> bytes:
    ids, hmacs = list(entry.get("ids", [])), list(entry.get("hmacs", []))
    parts = max(1, -(-len(ids) // PART_IDS), -(-len(hmacs) // PART_IDS))
    head = {k: entry[k] for k in _HEAD if k in entry}
    digest = hashlib.sha256(prefix)
    out = []
    for part in range(parts):
        obj = {"v": FORMAT, **head, "part": part, "parts": parts,
               "ids": ids[part * PART_IDS:(part + 1) * PART_IDS],
               "hmacs": hmacs[part * PART_IDS:(part + 1) * PART_IDS],
               "prev": digest.hexdigest()}  # fmt: skip
        if part == 0 and torn:
            obj["torn"] = torn
        line = _canonical({**obj, "mac": _mac(key, obj)}) + b"\n"
        digest.update(line)
        out.append(line)
    return b"".join(out)


def append_journal(path: Path, entry: dict[str, Any], key: bytes) -> None:
    """Append one purge (format 2, 0600), fsynced before returning."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _read_fd(fd)
        torn = len(data) - (data.rfind(b"\n") + 1)  # bytes after the last newline: a crash
        prefix = data + b"\n" if torn else data
        block = (b"\n" if torn else b"") + _lines(entry, key, prefix, torn)
        view = memoryview(block)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_fd(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def snapshot(path: Path) -> bytes | None:
    """The journal's bytes, read while no purge appends (None: there is no journal)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        return _read_fd(fd)
    finally:
        os.close(fd)


@dataclass(slots=True)
class Journal:
    """What `read_journal` found: entries (one per purge, parts merged) and any damage."""

    path: Path
    exists: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)  # why it cannot be read in full
    torn: str = ""  # a torn last line (a crash during an append): not damage
    legacy: int = 0  # format-1 entries (no checksum)
    unverified: int = 0  # format-2 lines not checked (no key, or another database's)
    incomplete: list[str] = field(default_factory=list)  # uids with missing parts

    def uids(self) -> set[str]:
        return {e["uid"] for e in self.entries}

    def problems(self, recorded: set[str], *, have_key: bool) -> list[str]:
        """Every reason the journal cannot be trusted in full, given the purge uids that
        the databases record (`purge_log`): each must have an entry that was checked (or an
        old-format one), else the journal lost it: deleted, cut, replaced, or an entry
        altered to look like another database's."""
        out = list(self.damage)
        if self.unverified and not have_key:
            out.append(_("its entries cannot be checked: no intact database holds the key"))
        present = {e["uid"] for e in self.entries if e["checked"] != "none"}
        missing = recorded - present
        if missing:
            purges = plural(len(missing), "purge")
            out.append(
                _("the databases record {purges} and the journal is missing").format(purges=purges)
                if not self.exists
                else _(
                    "the databases record {purges} and the journal lacks them (deleted, cut or "
                    "changed?)"
                ).format(purges=purges)
            )
        return out


def read_journal(path: Path, keys: Mapping[str, bytes] | None = None) -> Journal:
    """Read and check every line. `keys` maps a db_uid to its `mac_key`: the lines of those
    databases must pass their check; lines of other databases are read but not checked
    (restore never applies them)."""
    data = snapshot(path)
    journal = Journal(path)
    if data is None:
        return journal
    journal.exists = True
    return _Reader(journal, dict(keys or {})).run(data)


class _Reader:
    def __init__(self, journal: Journal, keys: dict[str, bytes]) -> None:
        self.j = journal
        self.keys = keys
        self.by_uid: dict[str, dict[str, Any]] = {}
        self.seen_v2 = False
        self.last_uid = ""  # the purge of the latest entry line
        # An unparseable line waiting for the next entry to excuse it as a crash remnant:
        # (line number, length, looks like a torn format-1 line, the purge it cut short).
        self.pending: tuple[int, int, bool, str] | None = None

    def run(self, data: bytes) -> Journal:
        *complete, last = data.split(b"\n")
        digest = hashlib.sha256()
        for number, raw in enumerate(complete, 1):
            self.line(number, raw, digest.hexdigest())
            digest.update(raw + b"\n")
        if last and _parse(last) is not None:  # complete but for its newline
            self.line(len(complete) + 1, last, digest.hexdigest())
        elif last:
            self.j.torn = _("line {n} is incomplete (cut off by a crash)").format(
                n=len(complete) + 1
            )
            self.cut(self.last_uid)
        self.excuse(None, None)
        for entry in self.by_uid.values():
            cut = entry.pop("_cut")
            if len(entry.pop("_parts")) < entry["parts"]:
                entry["complete"] = False
                self.j.incomplete.append(entry["uid"])
                if not cut:  # parts missing with no crash to explain it: removed lines
                    self.j.damage.append(
                        _("purge {uid} lacks some of its lines").format(uid=entry["uid"])
                    )
            self.j.entries.append(entry)
        return self.j

    def cut(self, uid: str) -> None:
        """A crash cut the append after the purge `uid`'s latest line."""
        if uid in self.by_uid:
            self.by_uid[uid]["_cut"] = True

    def damaged(self, number: int, why: str) -> None:
        self.j.damage.append(_("line {n} {why}").format(n=number, why=why))

    def excuse(self, v: int | None, torn: Any) -> None:
        """Judge the pending unparseable line, now that the entry after it (format `v`,
        its `torn` field) is known: a crash remnant it declares, or damage."""
        if self.pending is None:
            return
        number, length, legacy, before = self.pending
        self.pending = None
        if legacy or (v == FORMAT and torn == length):
            self.cut(before)
            return
        self.damaged(number, _("is not a journal entry"))

    def line(self, number: int, raw: bytes, prev: str) -> None:
        if not raw.strip():
            return
        obj = _parse(raw)
        if obj is None or not isinstance(obj.get("uid"), str) or not obj["uid"]:
            self.excuse(None, None)
            legacy = not self.seen_v2 and raw.startswith((b'{"v":1,', b'{"v": 1,'))
            self.pending = (number, len(raw), legacy, self.last_uid)
            return
        v = obj.get("v", 1)
        self.excuse(v, obj.get("torn"))
        if v == 1:
            if self.seen_v2:
                self.damaged(number, _("is in the old format after new-format entries"))
                return
            self.j.legacy += 1
            self.add(obj, 0, 1)
            return
        if v != FORMAT:
            self.damaged(number, _("has an unknown format {v!r}").format(v=v))
            return
        self.seen_v2 = True
        mac = obj.pop("mac", None)
        checked = "mac"
        key = self.keys.get(obj.get("db_uid"))  # type: ignore[arg-type]
        if key is None:
            self.j.unverified += 1
            checked = "none"
        elif not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(key, obj)):
            self.damaged(number, _("fails its check (changed or forged)"))
            return  # its content cannot be trusted: never applied
        if obj.get("prev") != prev:  # the line itself is genuine: kept, but damage is reported
            self.damaged(number, _("follows lines that were changed, removed or reordered"))
        part, parts = obj.get("part"), obj.get("parts")
        if not (isinstance(part, int) and isinstance(parts, int) and 0 <= part < parts):
            self.damaged(number, _("has bad part numbers"))
            return
        self.add(obj, part, parts, checked)

    def add(self, obj: dict[str, Any], part: int, parts: int, checked: str = "legacy") -> None:
        ids = [i for i in obj.get("ids", []) if isinstance(i, int) and not isinstance(i, bool)]
        width = 2 if "type" not in obj else None  # a purge's [hmac, kind]; others: their own
        hmacs = [h for h in obj.get("hmacs", [])
                 if isinstance(h, list) and (width is None or len(h) == width)]  # fmt: skip
        entry = self.by_uid.get(obj["uid"])
        if entry is None:
            entry = {k: obj[k] for k in _HEAD if k in obj}
            entry.update(v=obj.get("v", 1), ids=[], hmacs=[], parts=parts, complete=True)
            entry.update(checked=checked, _parts=set(), _cut=False)
            self.by_uid[obj["uid"]] = entry
        elif checked == "none":
            entry["checked"] = "none"
        self.last_uid = obj["uid"]
        if part in entry["_parts"]:
            return
        entry["_parts"].add(part)
        entry["ids"] += ids
        entry["hmacs"] += hmacs


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None
