"""Merge customers into one without losing anything, and undo the last merge.

`merge(store, keep, others)`: the kept customer gains every phone, email, tag and note of the
others (notes keep their timestamps); its empty fields are filled from the others; a value
that conflicts with the kept one (another name, company, address, city, birthday, or an
email spelt differently) is kept as a note "merged from #12: company = ACME Ltd". The others
stop existing; their ids redirect to the kept one (`merged_ids`). The pre-merge records of
everyone involved are stored as JSON in `merges`, inside the encrypted database, so that
`unmerge(store, keep)` restores them exactly. Both run in one transaction with an audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from custinfo.errors import NotFoundError, UsageError
from custinfo.models import SCALAR_FIELDS
from custinfo.store import audit, hooks
from custinfo.store.db import utc_now
from custinfo.text import fold

_COLUMNS = ("id", "name", "company", "address", "city", "birthday", "source", "created_at",
            "updated_at")  # fmt: skip


@dataclass
class MergeResult:
    keep: int
    merged: list[int]
    fields: list[str]


def snapshot(conn: Any, customer_id: int) -> dict[str, Any]:
    """Every stored fact of one customer, row ids included (for an exact restore)."""
    row = conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no customer with id {customer_id}")
    return {
        "customer": dict(zip(_COLUMNS, row, strict=True)),
        "phones": [
            list(r)
            for r in conn.execute(
                "SELECT e164, ext FROM phones WHERE customer_id = ? ORDER BY id", (customer_id,)
            )
        ],
        "emails": [
            list(r)
            for r in conn.execute(
                "SELECT address, key FROM emails WHERE customer_id = ? ORDER BY id",
                (customer_id,),
            )
        ],
        "tags": [
            r[0]
            for r in conn.execute(
                "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE ct.customer_id = ? ORDER BY t.key",
                (customer_id,),
            )
        ],
        "notes": [
            list(r)
            for r in conn.execute(
                "SELECT id, at, text FROM notes WHERE customer_id = ? ORDER BY at, id",
                (customer_id,),
            )
        ],
    }


def merged_into(conn: Any, customer_id: int) -> int | None:
    row = conn.execute("SELECT keep_id FROM merged_ids WHERE old_id = ?", (customer_id,)).fetchone()
    return row[0] if row else None


def _live(conn: Any, customer_id: int) -> None:
    if conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone():
        return
    keep = merged_into(conn, customer_id)
    if keep is not None:
        raise UsageError(f"customer {customer_id} was merged into {keep}; use {keep}")
    raise NotFoundError(f"no customer with id {customer_id}")


def merge(store: Any, keep: int, others: list[int]) -> MergeResult:
    """Merge `others` into `keep` in one transaction (see module doc)."""
    others = list(dict.fromkeys(others))
    if not others:
        raise UsageError("give at least one customer to merge into the kept one")
    if keep in others:
        raise UsageError(f"customer {keep} cannot be merged into itself")
    with store.db.transaction() as conn:
        for cid in (keep, *others):
            _live(conn, cid)
        now = utc_now()
        before = {cid: snapshot(conn, cid) for cid in (keep, *others)}
        kept = before[keep]["customer"]
        current = {name: kept[name] for name in ("name", *SCALAR_FIELDS)}
        changed: set[str] = set()
        conflict_notes: list[str] = []
        known_emails = {key: addr for addr, key in before[keep]["emails"]}
        for cid in others:
            snap = before[cid]
            for name in ("name", *SCALAR_FIELDS):
                value = snap["customer"][name]
                if not value:
                    continue
                if not current[name]:
                    current[name] = value
                    changed.add(name)
                elif fold(value) != fold(current[name]):
                    conflict_notes.append(f"merged from #{cid}: {name} = {value}")
                    changed.add("notes")
            for address, key in snap["emails"]:
                if key in known_emails and known_emails[key] != address:
                    conflict_notes.append(f"merged from #{cid}: email = {address}")
                    changed.add("notes")
                known_emails.setdefault(key, address)
                changed.add("emails")
            if snap["phones"]:
                changed.add("phones")
            if snap["tags"]:
                changed.add("tags")
            if snap["notes"]:
                changed.add("notes")
        marks = ",".join("?" * len(others))
        # Phones, emails and tags join the kept customer (duplicates collapse); notes move
        # with their ids and timestamps.
        conn.execute(
            "INSERT OR IGNORE INTO phones(customer_id, e164, ext) SELECT ?, e164, ext FROM phones "
            f"WHERE customer_id IN ({marks}) ORDER BY id",
            (keep, *others),
        )
        conn.execute(
            "INSERT OR IGNORE INTO emails(customer_id, address, key) SELECT ?, address, key "
            f"FROM emails WHERE customer_id IN ({marks}) ORDER BY id",
            (keep, *others),
        )
        conn.execute(
            "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) SELECT ?, tag_id "
            f"FROM customer_tags WHERE customer_id IN ({marks})",
            (keep, *others),
        )
        conn.execute(
            f"UPDATE notes SET customer_id = ? WHERE customer_id IN ({marks})", (keep, *others)
        )
        added_notes = [
            conn.execute(
                "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, ?)", (keep, now, text)
            ).lastrowid
            for text in conflict_notes
        ]
        assignments = {name: current[name] for name in changed if name in current}
        assignments["updated_at"] = now
        conn.execute(
            f"UPDATE customers SET {', '.join(f'{k} = ?' for k in assignments)} WHERE id = ?",
            (*assignments.values(), keep),
        )
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
            for r in conn.execute(
                f"SELECT id, keep_id FROM merges WHERE keep_id IN ({marks})", others
            )
        }
        conn.execute(f"UPDATE merges SET keep_id = ? WHERE keep_id IN ({marks})", (keep, *others))
        conn.execute(
            f"UPDATE merged_ids SET keep_id = ? WHERE keep_id IN ({marks})", (keep, *others)
        )
        record = {
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
        hooks.removed(conn, others)
        conn.execute(f"DELETE FROM customers WHERE id IN ({marks})", others)
        conn.executemany(
            "INSERT OR REPLACE INTO merged_ids(old_id, keep_id, merge_id) VALUES (?, ?, ?)",
            ((cid, keep, merge_id) for cid in others),
        )
        hooks.changed(conn, [keep])
        fields = sorted(changed)
        audit.record(conn, "merge", [keep, *others], fields, detail=f"{len(others)} merged")
    return MergeResult(keep, others, fields)


def unmerge(store: Any, customer_id: int) -> list[int]:
    """Undo the last merge into `customer_id`; returns the restored ids.

    The absorbed customers come back exactly as they were (same ids, fields, phones, emails,
    tags, notes, times), and the kept customer returns to its pre-merge state. Notes added to
    it after the merge stay (the interaction log is never thrown away); other changes made
    to it after the merge are replaced by the pre-merge values.
    """
    with store.db.transaction() as conn:
        _live(conn, customer_id)
        row = conn.execute(
            "SELECT id, snapshot FROM merges WHERE into_id = ? AND keep_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (customer_id, customer_id),
        ).fetchone()
        if row is None:
            raise UsageError(f"customer {customer_id} has no merge to undo")
        merge_id, record = row[0], json.loads(row[1])
        restored = [snap["customer"]["id"] for snap in record["others"]]
        if record["added_notes"]:
            marks = ",".join("?" * len(record["added_notes"]))
            conn.execute(f"DELETE FROM notes WHERE id IN ({marks})", record["added_notes"])
        conn.execute("DELETE FROM merged_ids WHERE merge_id = ?", (merge_id,))
        for snap in record["others"]:
            _restore(store, conn, snap, new=True)
        _restore(store, conn, record["keep"], new=False)
        for mid, owner in record["repointed_merges"].items():
            conn.execute("UPDATE merges SET keep_id = ? WHERE id = ?", (owner, int(mid)))
        conn.executemany(
            "UPDATE merged_ids SET keep_id = ? WHERE old_id = ?",
            ((keep, old) for old, keep in record["repointed_ids"]),
        )
        conn.execute("DELETE FROM merges WHERE id = ?", (merge_id,))
        hooks.changed(conn, [customer_id, *restored])
        audit.record(
            conn, "unmerge", [customer_id, *restored], ["name", *SCALAR_FIELDS, "phones",
            "emails", "tags", "notes"], detail=f"{len(restored)} restored",
        )  # fmt: skip
    return restored


def _restore(store: Any, conn: Any, snap: dict[str, Any], *, new: bool) -> None:
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
        for table in ("phones", "emails", "customer_tags"):
            conn.execute(f"DELETE FROM {table} WHERE customer_id = ?", (cid,))
    conn.executemany(
        "INSERT INTO phones(customer_id, e164, ext) VALUES (?, ?, ?)",
        ((cid, e164, ext) for e164, ext in snap["phones"]),
    )
    conn.executemany(
        "INSERT INTO emails(customer_id, address, key) VALUES (?, ?, ?)",
        ((cid, address, key) for address, key in snap["emails"]),
    )
    store.add_tags(conn, cid, snap["tags"])
    note_ids = [n[0] for n in snap["notes"]]
    for start in range(0, len(note_ids), 500):
        chunk = note_ids[start : start + 500]
        conn.execute(
            f"UPDATE notes SET customer_id = ? WHERE id IN ({','.join('?' * len(chunk))})",
            (cid, *chunk),
        )
