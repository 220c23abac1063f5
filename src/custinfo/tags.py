"""Tags: add to and remove from many customers at once, list, rename (merge).

Tags match case-insensitively (`validation.tag_key`) and keep the spelling first given.
Every mutation runs in one transaction and records an audit entry naming the customers and
the field "tags" (tag names are labels, not personal data, and are not logged either).
Tags are not part of the search index (find filters on `customer_tags` directly); the only
derived data is the export tags cell, updated through `hooks.tagged` for every customer whose
tags changed (a rename changes the cell of everyone holding the tag). `updated_at` does not
move (a tag is the owner's label).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from custinfo import validation
from custinfo.errors import NotFoundError
from custinfo.store import audit, hooks

if TYPE_CHECKING:
    from custinfo.store import Store

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class TagChange:
    tag: str  # the stored spelling
    changed: int  # customers whose tags changed
    unchanged: int  # customers that already had (add) or lacked (remove) it


def _check_ids(store: Store, ids_json: str) -> None:
    # One statement for any number of ids (json_each), instead of one query per chunk.
    missing = [
        r[0]
        for r in store.conn.execute(
            "SELECT j.value FROM json_each(?) j LEFT JOIN customers c ON c.id = j.value "
            "WHERE c.id IS NULL ORDER BY j.value",
            (ids_json,),
        )
    ]
    if missing:
        shown = ", ".join(str(i) for i in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise NotFoundError(
            f"no customer with id {shown}{more}; nothing changed"
            if len(missing) == 1
            else f"no customers with ids {shown}{more}; nothing changed"
        )


def add(store: Store, tag: str, ids: Iterable[int]) -> TagChange:
    """Give `tag` to every customer in `ids` (unknown ids: NotFoundError, nothing changed)."""
    tag = validation.normalize_tag(tag)
    wanted = list(dict.fromkeys(ids))
    ids_json = json.dumps(wanted)
    with store.db.transaction() as conn:
        tag_id = store.tag_id(conn, tag)
        before = conn.total_changes
        try:
            # The foreign key rejects unknown ids (OR IGNORE does not cover foreign keys);
            # only then do we look for which ones, and the transaction rolls back.
            conn.execute(
                "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) "
                "SELECT value, ? FROM json_each(?)",
                (tag_id, ids_json),
            )
        except Exception as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            _check_ids(store, ids_json)
            raise
        changed = conn.total_changes - before
        hooks.tagged(conn, wanted)
        name = conn.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]
        audit.record(conn, "tag add", wanted, ["tags"], detail=f"{changed} tagged")
    return TagChange(name, changed, len(wanted) - changed)


def remove(store: Store, tag: str, ids: Iterable[int]) -> TagChange:
    """Take `tag` from every customer in `ids`; a tag left on nobody is deleted."""
    tag = validation.normalize_tag(tag)
    wanted = list(dict.fromkeys(ids))
    ids_json = json.dumps(wanted)
    with store.db.transaction() as conn:
        _check_ids(store, ids_json)
        tag_id = store.tag_id(conn, tag, create=False)
        if tag_id is None:
            return TagChange(tag, 0, len(wanted))
        name = conn.execute("SELECT name FROM tags WHERE id = ?", (tag_id,)).fetchone()[0]
        before = conn.total_changes
        conn.execute(
            "DELETE FROM customer_tags WHERE tag_id = ? "
            "AND customer_id IN (SELECT value FROM json_each(?))",
            (tag_id, ids_json),
        )
        changed = conn.total_changes - before
        hooks.tagged(conn, wanted)
        _drop_if_unused(conn, tag_id)
        audit.record(conn, "tag remove", wanted, ["tags"], detail=f"{changed} untagged")
    return TagChange(name, changed, len(wanted) - changed)


def counts(store: Store) -> list[tuple[str, int]]:
    """(tag, number of customers) for every tag, sorted case-insensitively by tag."""
    rows = store.conn.execute(
        "SELECT t.name, t.key, count(ct.customer_id) FROM tags t "
        "LEFT JOIN customer_tags ct ON ct.tag_id = t.id GROUP BY t.id"
    ).fetchall()
    return [(name, n) for name, _, n in sorted(rows, key=lambda r: (r[1], r[0]))]


def rename(store: Store, old: str, new: str) -> TagChange:
    """Rename a tag; if `new` already exists (case-insensitively) merge `old` into it."""
    old = validation.normalize_tag(old)
    new = validation.normalize_tag(new)
    with store.db.transaction() as conn:
        old_id = store.tag_id(conn, old, create=False)
        if old_id is None:
            raise NotFoundError(f"no tag {old!r}")
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT customer_id FROM customer_tags WHERE tag_id = ?", (old_id,)
            )
        ]
        new_id = store.tag_id(conn, new, create=False)
        if new_id is None or new_id == old_id:
            # A plain rename (also a change of case: the new spelling is kept).
            conn.execute(
                "UPDATE tags SET name = ?, key = ? WHERE id = ?",
                (new, validation.tag_key(new), old_id),
            )
            name, changed = new, len(ids)
        else:
            before = conn.total_changes
            conn.execute(
                "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) "
                "SELECT customer_id, ? FROM customer_tags WHERE tag_id = ?",
                (new_id, old_id),
            )
            changed = conn.total_changes - before
            conn.execute("DELETE FROM tags WHERE id = ?", (old_id,))  # cascades its links
            name = conn.execute("SELECT name FROM tags WHERE id = ?", (new_id,)).fetchone()[0]
        hooks.tagged(conn, ids)  # every holder: the spelling or the order may have changed
        audit.record(conn, "tag rename", ids, ["tags"], detail=f"{len(ids)} customers")
    return TagChange(name, changed, len(ids) - changed)


def _drop_if_unused(conn: object, tag_id: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        "DELETE FROM tags WHERE id = ? AND NOT EXISTS "
        "(SELECT 1 FROM customer_tags WHERE tag_id = ?)",
        (tag_id, tag_id),
    )
