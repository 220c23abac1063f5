"""Opt-outs in the purge journal: a new entry type, so `backup restore` re-applies the
opt-outs (and their lifts) recorded after the backup, as it re-applies purges.

An entry (one per command that records contact-ledger rows) is

    {"v": 1, "type": "optout", "uid": BATCH, "at": TIME, "db_uid": DB, "reason": "optout",
     "ids": [], "hmacs": [[HMAC_HEX, KIND, PURPOSE, CHANNEL, STATE, AT], ...]}

HMACs only, never a contact. It uses the purge entry's own keys (uid, at, db_uid, reason,
ids, hmacs), so a journal format that keeps only those still carries it, and
`is_optout_entry` recognises it by its shape. The restore side calls, on the restored copy,
after re-applying purges: `reapply_optouts(store, entries)`; purge re-application skips
these entries (`is_optout_entry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def journal_optouts(store: Any, batch: str, items: Iterable[tuple]) -> None:
    """Append one `optout` entry to the purge journal (fsynced before the write commits):
    the rows of the contact ledger, HMACs only. Purge re-application skips such entries."""
    from custinfo.privacy.journal import append_journal, journal_path
    from custinfo.store.db import utc_now

    append_journal(
        journal_path(store.path),
        {"v": 1, "type": "optout", "uid": batch, "at": utc_now(),
         "db_uid": store.meta("db_uid") or "", "reason": "optout", "ids": [],
         "hmacs": [[h.hex(), k, p, c, s, at] for h, k, p, c, s, at in items]},
    )  # fmt: skip


def is_optout_entry(entry: dict[str, Any]) -> bool:
    """True for a journal entry written by `journal_optouts`: marked `type: optout`, or (a
    journal format that keeps only uid, at, db_uid, reason, ids and hmacs) reason `optout`,
    no ids and six-part rows; a purge always has ids."""
    if entry.get("type") == "optout":
        return True
    rows = entry.get("hmacs") or []
    return (entry.get("reason") == "optout" and not entry.get("ids") and bool(rows)
            and all(isinstance(r, list) and len(r) == 6 for r in rows))  # fmt: skip


def reapply_optouts(store: Any, entries: Iterable[dict[str, Any]]) -> int:
    """Re-apply journalled opt-outs this (restored) database has not seen, and give every
    customer now holding such a contact its `withdrawn` entries; returns the rows applied."""
    from custinfo.store import consent as rows

    db_uid = store.meta("db_uid") or ""
    todo = [e for e in entries if is_optout_entry(e) and e.get("db_uid", db_uid) == db_uid]
    if not todo:
        return 0
    applied = 0
    with store.write("consent-reapply") as w:
        seen = rows.batches(w.conn)
        digests: set[bytes] = set()
        for entry in todo:
            if entry["uid"] in seen:
                continue
            items = [(bytes.fromhex(h), k, p, c, s, at) for h, k, p, c, s, at in entry["hmacs"]]
            rows.append_contacts(w, entry["uid"], items)
            digests.update(i[0] for i in items)
            applied += len(items)
        holders = rows.holders(w.conn, digests)
        rows.enforce(w, sorted({cid for ids in holders.values() for cid in ids}))
    return applied
