"""Merge customers into one without losing anything, and undo the last merge.

`merge(w, keep, others)`: the kept customer gains every record of the others, kind by kind
as each kind declares (`store.records`: notes move with their ids and times; phones, emails
and tags are copied, repeats collapse); its empty fields are filled from the others; a value
that conflicts with the kept one (another name, company, address, city, birthday, or an
email spelt differently, a custom field's value: `RecordKind.conflicts`) is kept as a note
"merged from #12: company = ACME Ltd". The others
stop existing; their ids redirect to the kept one (`merged_ids`). The pre-merge records of
everyone involved are stored as JSON in `merges`, inside the encrypted database, so that
`unmerge(w, keep)` restores them exactly.

Both run inside a write-gate unit (`Store.merge`, `Store.unmerge`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from custinfo.errors import NotFoundError, UsageError
from custinfo.i18n import _
from custinfo.models import SCALAR_FIELDS
from custinfo.store import records
from custinfo.store.db import Connection
from custinfo.store.gate import Write
from custinfo.text import fold

_COLUMNS = ("id", "name", "company", "address", "city", "birthday", "source", "created_at",
            "updated_at")  # fmt: skip
_VALUES = ("name", *SCALAR_FIELDS)


@dataclass
class MergeResult:
    keep: int
    merged: list[int]
    fields: list[str]


def snapshot(conn: Connection, customer_id: int) -> dict[str, Any]:
    """Every stored fact of one customer, row ids included (for an exact restore)."""
    row = conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(_("no customer with id {customer_id}").format(customer_id=customer_id))
    return {
        "customer": dict(zip(_COLUMNS, row, strict=True)),
        "records": {k.name: [list(r) for r in k.rows(conn, customer_id)] for k in records.KINDS},
    }


def snapshot_rows(snap: dict[str, Any], kind: records.RecordKind) -> list[tuple] | None:
    """A kind's rows in a snapshot; None if the kind did not exist when it was taken.

    Snapshots written before the record kinds (format 1) have per-kind lists without row
    ids for phones, emails and tags."""
    if "records" in snap:
        rows = snap["records"].get(kind.name)
        return None if rows is None else [tuple(r) for r in rows]
    legacy = snap.get(kind.name)
    if legacy is None:
        return None
    if kind is records.TAGS:
        return [(None, name) for name in legacy]
    if kind is records.NOTES:
        return [tuple(r) for r in legacy]
    return [(None, *r) for r in legacy]


def _live(w: Write, customer_id: int) -> None:
    if w.conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone():
        return
    keep = w.store.merged_into(customer_id)
    if keep is not None:
        raise UsageError(
            _("customer {customer_id} was merged into {keep}; use {keep}").format(
                customer_id=customer_id, keep=keep
            )
        )
    raise NotFoundError(_("no customer with id {customer_id}").format(customer_id=customer_id))


def _conflicts(
    before: dict[int, dict[str, Any]], keep: int, others: list[int]
) -> tuple[dict[str, Any], set[str], list[str]]:
    """The kept customer's values after filling its gaps, the fields that change, and the
    conflict notes."""
    current = {name: before[keep]["customer"][name] for name in _VALUES}
    changed: set[str] = set()
    notes: list[str] = []
    known_emails = {r[2]: r[1] for r in snapshot_rows(before[keep], records.EMAILS) or ()}
    for cid in others:
        snap = before[cid]
        for name in _VALUES:
            value = snap["customer"][name]
            if not value:
                continue
            if not current[name]:
                current[name] = value
                changed.add(name)
            elif fold(value) != fold(current[name]):
                notes.append(f"merged from #{cid}: {name} = {value}")
        for _row, address, key in snapshot_rows(snap, records.EMAILS) or ():
            if key in known_emails and known_emails[key] != address:
                notes.append(f"merged from #{cid}: email = {address}")
            known_emails.setdefault(key, address)
    return current, changed, notes


def merge(w: Write, keep: int, others: list[int]) -> MergeResult:
    """Merge `others` into `keep` (see the module docstring)."""
    others = list(dict.fromkeys(others))
    if not others:
        raise UsageError(_("give at least one customer to merge into the kept one"))
    if keep in others:
        raise UsageError(_("customer {keep} cannot be merged into itself").format(keep=keep))
    conn = w.conn
    for cid in (keep, *others):
        _live(w, cid)
    now = w.now()
    before = {cid: snapshot(conn, cid) for cid in (keep, *others)}
    current, changed, conflict_notes = _conflicts(before, keep, others)
    for kind in records.KINDS:  # kinds with one value per key (custom fields) note conflicts
        conflict_notes += kind.conflicts(
            conn, snapshot_rows(before[keep], kind) or [],
            [(cid, snapshot_rows(before[cid], kind) or []) for cid in others],
        )  # fmt: skip
    for kind in records.KINDS:
        if any(before[cid]["records"][kind.name] for cid in others):
            kind.absorb(conn, keep, others)
            w.touch(kind.name, [keep])
    added_notes = [w.add_note(keep, text, at=now) for text in conflict_notes]
    w.update_customer(keep, {name: current[name] for name in changed})
    marks = ",".join("?" * len(others))
    # History rows of the absorbed customers now belong to the kept one (so erasing it
    # erases them); remember which, to give them back on unmerge.
    repointed_ids = [
        list(r)
        for r in conn.execute(
            f"SELECT old_id, keep_id FROM merged_ids WHERE keep_id IN ({marks})", others
        )
    ]
    repointed_owner = {
        str(r[0]): r[1]
        for r in conn.execute(f"SELECT id, keep_id FROM merges WHERE keep_id IN ({marks})", others)
    }
    conn.execute(f"UPDATE merges SET keep_id = ? WHERE keep_id IN ({marks})", (keep, *others))
    conn.execute(f"UPDATE merged_ids SET keep_id = ? WHERE keep_id IN ({marks})", (keep, *others))
    record = {
        "format": 2,
        "keep": before[keep],
        "others": [before[cid] for cid in others],
        "added_notes": added_notes,
        "repointed_merges": repointed_owner,
        "repointed_ids": repointed_ids,
    }
    merge_id = conn.execute(
        "INSERT INTO merges(keep_id, into_id, at, snapshot) VALUES (?, ?, ?, ?)",
        (keep, keep, now, json.dumps(record, ensure_ascii=False)),
    ).lastrowid
    w.remove_customers(others)
    conn.executemany(
        "INSERT OR REPLACE INTO merged_ids(old_id, keep_id, merge_id) VALUES (?, ?, ?)",
        ((cid, keep, merge_id) for cid in others),
    )
    w.name(others)
    w.detail = f"{len(others)} merged"
    fields = sorted(w.fields - {"updated_at"})
    return MergeResult(keep, others, fields)


def unmerge(w: Write, customer_id: int) -> list[int]:
    """Undo the last merge into `customer_id`; returns the restored ids.

    The absorbed customers come back exactly as they were (same ids, fields, records,
    times), and the kept customer returns to its pre-merge state. Notes (and other moved
    records) added to it after the merge stay; other changes made to it after the merge are
    replaced by the pre-merge values.
    """
    conn = w.conn
    _live(w, customer_id)
    row = conn.execute(
        "SELECT id, snapshot FROM merges WHERE into_id = ? AND keep_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (customer_id, customer_id),
    ).fetchone()
    if row is None:
        raise UsageError(
            _("customer {customer_id} has no merge to undo").format(customer_id=customer_id)
        )
    merge_id, record = row[0], json.loads(row[1])
    restored = [snap["customer"]["id"] for snap in record["others"]]
    if record["added_notes"]:
        marks = ",".join("?" * len(record["added_notes"]))
        conn.execute(f"DELETE FROM notes WHERE id IN ({marks})", record["added_notes"])
    conn.execute("DELETE FROM merged_ids WHERE merge_id = ?", (merge_id,))
    for snap in record["others"]:
        _restore(w, snap, new=True)
    _restore(w, record["keep"], new=False)
    for mid, owner in record["repointed_merges"].items():
        conn.execute("UPDATE merges SET keep_id = ? WHERE id = ?", (owner, int(mid)))
    conn.executemany(
        "UPDATE merged_ids SET keep_id = ? WHERE old_id = ?",
        ((keep, old) for old, keep in record["repointed_ids"]),
    )
    conn.execute("DELETE FROM merges WHERE id = ?", (merge_id,))
    w.detail = f"{len(restored)} restored"
    return restored


def _restore(w: Write, snap: dict[str, Any], *, new: bool) -> None:
    conn = w.conn
    c = snap["customer"]
    cid = c["id"]
    if new:
        marks = ", ".join("?" * len(_COLUMNS))
        conn.execute(
            f"INSERT INTO customers({', '.join(_COLUMNS)}) VALUES ({marks})",
            [c[k] for k in _COLUMNS],
        )
    else:
        cols = [k for k in _COLUMNS if k != "id"]
        conn.execute(
            f"UPDATE customers SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?",
            [*(c[k] for k in cols), cid],
        )
    for kind in records.KINDS:
        rows = snapshot_rows(snap, kind)
        if rows is None:
            continue  # the kind did not exist when the snapshot was taken
        if new:
            kind.give_back(conn, cid, rows)
        else:
            kind.reset(conn, cid, rows)
        w.touch(kind.name, [cid])
    w.touch("customer", [cid], _VALUES)
