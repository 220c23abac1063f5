"""Tags: add to and remove from many customers at once, list, rename (merge).

Tags match case-insensitively (`validation.tag_key`) and keep the spelling first given.
Every mutation is one unit of the write gate (`Store.write`), which records an audit entry
naming the customers and the field "tags" (tag names are labels and are not logged). Tags
are not part of the search index (find filters on `customer_tags` directly); the only
derived data is the export tags cell, which the gate updates for every customer whose tags
changed (a rename changes the cell of everyone holding the tag). `updated_at` does not move
(a tag is the owner's label).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from custinfo import validation
from custinfo.errors import NotFoundError
from custinfo.i18n import _
from custinfo.store import records

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
        more = _(" and {n} more").format(n=len(missing) - 5) if len(missing) > 5 else ""
        raise NotFoundError(
            _("no customer with id {ids}; nothing changed").format(ids=shown + more)
            if len(missing) == 1
            else _("no customers with ids {ids}; nothing changed").format(ids=shown + more)
        )


def add(store: Store, tag: str, ids: Iterable[int]) -> TagChange:
    """Give `tag` to every customer in `ids` (unknown ids: NotFoundError, nothing changed)."""
    tag = validation.normalize_tag(tag)
    wanted = list(dict.fromkeys(ids))
    with store.write("tag add") as w:
        try:
            # The foreign key rejects unknown ids (OR IGNORE does not cover foreign keys);
            # only then do we look for which ones, and the transaction rolls back.
            name, changed = w.tag(tag, wanted)
        except Exception as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            _check_ids(store, json.dumps(wanted))
            raise
        w.detail = f"{changed} tagged"
    return TagChange(name, changed, len(wanted) - changed)


def remove(store: Store, tag: str, ids: Iterable[int]) -> TagChange:
    """Take `tag` from every customer in `ids`; a tag left on nobody is deleted."""
    tag = validation.normalize_tag(tag)
    wanted = list(dict.fromkeys(ids))
    _check_ids(store, json.dumps(wanted))
    if records.tag_id(store.conn, tag, create=False) is None:
        return TagChange(tag, 0, len(wanted))
    with store.write("tag remove") as w:
        name, changed = w.untag(tag, wanted)
        w.detail = f"{changed} untagged"
    return TagChange(name or tag, changed, len(wanted) - changed)


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
    with store.write("tag rename") as w:
        renamed = w.rename_tag(old, new)
        if renamed is None:
            raise NotFoundError(_("no tag {old!r}").format(old=old))
        name, changed, holders = renamed
        w.detail = f"{len(holders)} customers"
    return TagChange(name, changed, len(holders) - changed)
