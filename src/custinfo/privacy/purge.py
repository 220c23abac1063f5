"""Erasure (right to be forgotten, retention sweeps) that leaves no trace in the database.

One purge, one unit of the write gate: derived data is told first (`Write.erase`), then the
audit links to the people go, then the customers (phones, emails, tag links, notes and
derived rows cascade through foreign keys). The audit log keeps only a tombstone (purge uid,
time, count, reason). `secure_delete` is on (asserted at open), so freed cells and pages are
zeroed, and the WAL is checkpointed with TRUNCATE afterwards, so no old page versions stay.

The purge journal: a small append-only file beside the database (`<db>.purge-journal`, 0600)
records, for every purge, its uid, time, reason, the erased customer ids and, when suppressed,
the keyed HMACs of their contacts: no names, phones, emails, addresses or notes. It survives
`backup restore`, which re-applies every journalled purge the restored copy has not seen (its
`purge_log` table says which), so an old backup never brings an erased person back. The entry
is written and fsynced before the purge commits: a crash in between leaves an entry for a
purge that did not happen, which a restore then carries out (erring towards erasure).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from custinfo.errors import NotFoundError, UsageError
from custinfo.i18n import _
from custinfo.privacy import suppression
from custinfo.privacy.journal import append_journal, journal_path, mac_key
from custinfo.privacy.optout_journal import is_optout_entry
from custinfo.store import records
from custinfo.store.db import utc_now
from custinfo.store.gate import Write
from custinfo.store.repo import Store

PURGE_CACHE_KIB = 1 << 20  # at most 1 GiB of page cache during a purge
_DURATION = re.compile(r"^\s*(\d+)\s*([ymd])\s*$", re.IGNORECASE)


@dataclass(slots=True)
class PurgeResult:
    uid: str
    customers: int
    rows: dict[str, int] = field(default_factory=dict)  # per table (plan only)
    suppressed: int = 0
    total: int = 0  # rows deleted in all tables, cascades included


# -- selection -------------------------------------------------------------------------------
def cutoff(duration: str, now: datetime | None = None) -> str:
    """The UTC timestamp `duration` (`3y`, `18m`, `90d`) before now, in the stored format."""
    match = _DURATION.match(duration)
    if not match:
        raise UsageError(
            _("bad duration {duration!r}: use a number and y, m or d (e.g. 3y, 18m)").format(
                duration=duration
            )
        )
    amount, unit = int(match[1]), match[2].lower()
    now = now or datetime.now(UTC)
    if unit == "d":
        then = now - timedelta(days=amount)
    else:
        months = amount * 12 if unit == "y" else amount
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        if year < 1:
            raise UsageError(_("duration {duration!r} is too long").format(duration=duration))
        day = min(now.day, _days_in_month(year, month + 1))
        then = now.replace(year=year, month=month + 1, day=day)
    return then.strftime("%Y-%m-%dT%H:%M:%S.") + f"{then.microsecond:06d}Z"


def _days_in_month(year: int, month: int) -> int:
    nxt = datetime(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def select_ids(
    store: Store,
    ids: Sequence[int] = (),
    *,
    older_than: str | None = None,
    tag: str | None = None,
) -> list[int]:
    """Customer ids selected by explicit ids, or by inactivity and/or tag (intersection).

    Inactive since the cutoff means: created, updated (any edit, note or import sets
    `updated_at`) and last note all before it.
    """
    if ids and (older_than or tag):
        raise UsageError(_("give customer ids or --older-than/--tag, not both"))
    if not ids and not older_than and not tag:
        raise UsageError(_("say whom to purge: customer ids, --older-than DURATION or --tag T"))
    if ids:
        missing = store.missing_ids(ids)
        for old in missing:
            row = store.conn.execute(
                "SELECT keep_id FROM merged_ids WHERE old_id = ?", (old,)
            ).fetchone()
            if row:
                raise NotFoundError(
                    _(
                        "customer {old} was merged into {row}: purge {row} to erase "
                        "that person (the merge history goes with it)"
                    ).format(old=old, row=row[0])
                )
        if missing:
            raise NotFoundError(
                _("no customer with id {value}").format(value=", ".join(map(str, missing)))
            )
        return sorted(set(ids))
    where, params = [], []
    if older_than:
        limit = cutoff(older_than)
        where.append(
            "c.updated_at < ? AND c.created_at < ? AND NOT EXISTS "
            "(SELECT 1 FROM notes n WHERE n.customer_id = c.id AND n.at >= ?)"
        )
        params += [limit, limit, limit]
    if tag:
        tag_id = records.tag_id(store.conn, tag, create=False)
        if tag_id is None:
            return []
        where.append("c.id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ?)")
        params.append(tag_id)
    sql = f"SELECT c.id FROM customers c WHERE {' AND '.join(where)} ORDER BY c.id"
    return [r[0] for r in store.conn.execute(sql, params)]


# -- counting and erasing --------------------------------------------------------------------
def _live(store: Store, ids: Iterable[int]) -> list[int]:
    """The ids that are (still) live customers, ascending."""
    wanted = sorted(set(ids))
    missing = set(store.missing_ids(wanted))
    return [i for i in wanted if i not in missing]


def _absorbed_ids(store: Store, ids: Sequence[int]) -> list[int]:
    """Ids merged (directly or through nested merges) into the customers `ids`.

    They are no customers any more, but audit links and pre-merge snapshots name them; the
    journal lists them so that restoring a backup from before the merge erases them too.
    """
    rows = store.conn.execute(
        "WITH RECURSIVE gone(id) AS (SELECT value FROM json_each(?) UNION "
        "SELECT m.old_id FROM merged_ids m JOIN gone ON m.keep_id = gone.id) "
        "SELECT id FROM gone WHERE id NOT IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(list(ids)), json.dumps(list(ids))),
    )
    return [r[0] for r in rows]


def plan(store: Store, ids: Sequence[int]) -> PurgeResult:
    """What a purge of `ids` would erase (for --dry-run and the confirmation prompt)."""
    live = _live(store, ids)
    rows = records.rows_held(store.conn, live)
    return PurgeResult(uid="", customers=len(live), rows=rows, total=sum(rows.values()))


def _contact_hmacs(store: Store, ids: Sequence[int]) -> list[tuple[bytes, str]]:
    conn = store.conn
    hkey = suppression.key(conn)
    wanted = (json.dumps(list(ids)),)
    out = [
        (suppression.digest(hkey, "phone", r[0]), "phone")
        for r in conn.execute(
            "SELECT DISTINCT e164 FROM phones WHERE customer_id IN "
            "(SELECT value FROM json_each(?))",
            wanted,
        )
    ]
    out += [
        (suppression.digest(hkey, "email", r[0]), "email")
        for r in conn.execute(
            "SELECT DISTINCT key FROM emails WHERE customer_id IN (SELECT value FROM json_each(?))",
            wanted,
        )
    ]
    return out


def _erase(
    w: Write, ids: Sequence[int], *, uid: str, at: str, reason: str,
    hmacs: list[tuple[bytes, str]], absorbed: Sequence[int] = (),
) -> int:  # fmt: skip
    """Erase `ids` inside the write unit `w`; returns the rows deleted, cascades included."""
    total = w.erase(ids, absorbed=absorbed)
    w.suppress(hmacs, uid)
    w.log_purge(uid, at, len(ids), reason)
    w.detail = json.dumps({"purge": uid, "reason": reason}, ensure_ascii=False)
    return total


def purge(store: Store, ids: Sequence[int], *, reason: str, suppress: bool = True) -> PurgeResult:
    """Erase `ids` completely in one transaction, journal it, then checkpoint the WAL."""
    uid = secrets.token_hex(8)
    at = utc_now()
    db_uid = store.meta("db_uid") or ""
    total = 0
    with _big_cache(store), store.write("purge") as w:
        live = _live(store, ids)
        absorbed = _absorbed_ids(store, live) if live else []
        hmacs = _contact_hmacs(store, live) if suppress and live else []
        if live:
            append_journal(
                journal_path(store.path),
                {"v": 1, "uid": uid, "at": at, "db_uid": db_uid, "reason": reason,
                 "ids": sorted(live + absorbed), "hmacs": [[h.hex(), kind] for h, kind in hmacs]},
                mac_key(store.conn),
            )  # fmt: skip
            total = _erase(w, live, uid=uid, at=at, reason=reason, hmacs=hmacs, absorbed=absorbed)
    if live:
        checkpoint(store.conn)
    n = len(live)
    return PurgeResult(uid=uid if n else "", customers=n, suppressed=len(hmacs), total=total)


@contextlib.contextmanager
def _big_cache(store: Store) -> Iterator[None]:
    """A page cache that holds the whole file for the purge: a sweep touches most pages, and
    with the default 64 MiB they are spilled and decrypted again (~3x slower at 1M)."""
    conn = store.conn
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    try:
        kib = store.db.path.stat().st_size // 1024 + 16384
    except OSError:
        kib = 0
    wanted = min(kib, PURGE_CACHE_KIB)
    if before < 0 and wanted > -before:
        conn.execute(f"PRAGMA cache_size = -{wanted}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


def checkpoint(conn: Any) -> None:
    """Move everything out of the WAL and truncate it (old page versions gone)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


def foreign_entries(store: Store, entries: list[dict[str, Any]]) -> int:
    """How many journal entries belong to another database (they are never applied)."""
    db_uid = store.db.meta("db_uid") or ""
    return sum(1 for e in entries if e.get("db_uid", db_uid) != db_uid)


def reapply(store: Store, entries: list[dict[str, Any]]) -> list[PurgeResult]:
    """Re-apply journalled purges of this database that it has not seen (after a restore),
    in one transaction, each with its own audit entry."""
    db_uid = store.meta("db_uid") or ""
    seen = {r[0] for r in store.conn.execute("SELECT uid FROM purge_log")}
    done = []
    with _big_cache(store), store.write("purge-reapply"):
        for entry in entries:
            if entry["uid"] in seen or entry.get("db_uid", db_uid) != db_uid:
                continue
            if is_optout_entry(entry):  # re-applied by `optout_journal.reapply_optouts`
                continue
            with store.write("purge-reapply") as w:
                live = _live(store, entry.get("ids", []))
                hmacs = [(bytes.fromhex(h), kind) for h, kind in entry.get("hmacs", [])]
                total = _erase(
                    w, live, uid=entry["uid"], at=entry["at"], reason=entry.get("reason", ""),
                    hmacs=hmacs, absorbed=_absorbed_ids(store, live),
                )  # fmt: skip
            seen.add(entry["uid"])
            done.append(PurgeResult(entry["uid"], len(live), suppressed=len(hmacs), total=total))
    checkpoint(store.conn)
    return done
