"""Opt-outs in the purge journal: an entry type of its own (`type: "optout"`), so that
`backup restore` re-applies the opt-outs (and their lifts) recorded after the backup, as it
re-applies purges.

One entry per command that records contact-ledger rows (`consent give|withdraw --phone/
--email`, `consent import`), written in journal format 2 (MAC-checked, chained, split into
parts like a purge) before the write commits:

    {"type": "optout", "uid": BATCH, "at": TIME, "db_uid": DB, "reason": "optout",
     "ids": [], "hmacs": [[HMAC_HEX, KIND, PURPOSE, CHANNEL, STATE, AT], ...]}

HMACs only (the suppression key's `digest(kind, value)`), never a contact. `BATCH` is the
`optouts.batch` of the rows, so the databases' batches are cross-checked against the journal
like their purges (`recorded`). The restore (`backup.restore`) calls, on the restored copy,
after `purge.reapply`: `reapply_optouts(store, entries)`. Purge re-application skips these
entries (`is_optout_entry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TYPE = "optout"
_WIDTH = 6  # hmac, kind, purpose, channel, state, at


def journal_optouts(store: Any, batch: str, items: Iterable[tuple]) -> None:
    """Append one `optout` entry (fsynced before the write unit commits): the rows of the
    contact ledger, HMACs only."""
    from custinfo.privacy.journal import append_journal, journal_path, mac_key
    from custinfo.store.db import utc_now

    append_journal(
        journal_path(store.path),
        {"type": TYPE, "uid": batch, "at": utc_now(), "db_uid": store.meta("db_uid") or "",
         "reason": "optout", "ids": [],
         "hmacs": [[h.hex(), k, p, c, s, at] for h, k, p, c, s, at in items]},
        mac_key(store.conn),
    )  # fmt: skip


def is_optout_entry(entry: dict[str, Any]) -> bool:
    """True for a journal entry written by `journal_optouts`."""
    return entry.get("type") == TYPE


def recorded(conn: Any) -> set[str]:
    """The opt-out batches a database records (each must have its journal entry); empty for
    a database older than the consent migration."""
    try:
        return {r[0] for r in conn.execute("SELECT DISTINCT batch FROM optouts")}
    except Exception:  # no such table: an older schema
        return set()


def _rows(entry: dict[str, Any]) -> list[tuple]:
    out = []
    for row in entry.get("hmacs", []):
        if len(row) != _WIDTH or not all(isinstance(v, str) for v in row):
            continue
        try:
            out.append((bytes.fromhex(row[0]), *row[1:]))
        except ValueError:
            continue
    return out


def reapply_optouts(store: Any, entries: Iterable[dict[str, Any]]) -> int:
    """Re-apply the journalled opt-outs of this database that it has not seen (a restored
    copy), and give every customer now holding such a contact its `withdrawn` entries.
    Only entries whose MAC was checked are applied. Returns the contact rows applied."""
    from custinfo.store import consent as rows

    db_uid = store.meta("db_uid") or ""
    todo = [
        e
        for e in entries
        if is_optout_entry(e) and e.get("checked") == "mac" and e.get("db_uid") == db_uid
    ]
    if not todo:
        return 0
    applied = 0
    with store.write("consent-reapply") as w:
        seen = rows.batches(w.conn)
        digests: set[bytes] = set()
        for entry in todo:
            if entry["uid"] in seen:
                continue
            items = _rows(entry)
            rows.append_contacts(w, entry["uid"], items)
            digests.update(i[0] for i in items)
            applied += len(items)
        if applied:
            holders = rows.holders(w.conn, digests)
            rows.enforce(w, sorted({cid for ids in holders.values() for cid in ids}))
    return applied
