"""A bulk tag replace inside one unit of the write gate (`report value --apply-tags`).

`replace_tags(w, prefix, groups, scope)` takes every tag whose key starts with `prefix`'s
key from the customers in `scope` (None: everyone), then gives each tag of `groups` to its
customers; tags left on nobody are deleted. The gate updates the tag cells and writes one
audit entry for every customer that lost or gained a tag.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from custinfo.errors import UsageError
from custinfo.store import records

if TYPE_CHECKING:
    from custinfo.store.gate import Write

_IDS = "(SELECT value FROM json_each(?))"


def replace_tags(
    w: Write, prefix: str, groups: Mapping[str, Sequence[int]], scope: Sequence[int] | None
) -> None:
    """See the module docstring. Every tag of `groups` must start with `prefix`."""
    from custinfo.i18n import _
    from custinfo.validation import tag_key

    key = tag_key(prefix)
    if not key.strip():
        raise UsageError(_("the tag prefix must not be empty"))
    conn = w.conn
    old = [r[0] for r in conn.execute(
        "SELECT id FROM tags WHERE substr(key, 1, ?) = ?", (len(key), key)
    )]  # fmt: skip
    old_json = json.dumps(old)
    within, params = (
        ("", []) if scope is None else (f" AND customer_id IN {_IDS}", [json.dumps(list(scope))])
    )
    holders = [r[0] for r in conn.execute(
        f"SELECT DISTINCT customer_id FROM customer_tags WHERE tag_id IN {_IDS}{within}",
        [old_json, *params],
    )]  # fmt: skip
    conn.execute(f"DELETE FROM customer_tags WHERE tag_id IN {_IDS}{within}", [old_json, *params])
    gained: list[int] = []
    for tag, ids in groups.items():
        if not tag_key(tag).startswith(key):
            raise UsageError(
                _("tag {tag!r} does not start with {prefix!r}").format(tag=tag, prefix=prefix)
            )
        tid = records.tag_id(conn, tag)
        conn.execute(
            f"INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) SELECT value, ? FROM {_IDS}",
            (tid, json.dumps(list(ids))),
        )
        gained.extend(ids)
    conn.execute(
        f"DELETE FROM tags WHERE id IN {_IDS} AND NOT EXISTS "
        "(SELECT 1 FROM customer_tags WHERE tag_id = tags.id)",
        (old_json,),
    )
    w.touch("tags", sorted(set(holders).union(gained)))
