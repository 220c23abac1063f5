"""Export cells: each customer's four multi-valued CSV cells, stored on `customers`.

`customers.phones_cell`, `emails_cell`, `notes_cell` and `tag_cells.cell` hold exactly what
`custinfo export` writes in the CSV columns phones, emails, tags and notes (the
`custinfo.export.tabular` format): values joined with ";"; phones as E.164 plus " ext. N" in phone
id order; emails as typed, in email id order; tag names (the stored spelling) ordered by
tag key; notes "AT TEXT" ordered by (at, id), a typed interaction's text after its kind,
direction, status and ref in brackets ("AT [complaint in open ref=T1] TEXT"). Tag names
and note texts have "\\" and ";" escaped with a backslash; E.164 numbers, extensions and
normalised emails contain neither. So a CSV export is one sequential scan of `customers`
(with a rowid lookup into the narrow `tag_cells`, which has a row only for customers with
tags; see docs/architecture.md).

Kept in step with every write by the write gate (`store.derived`; `ExportCells` and
`TagCells` below):

- `changed(conn, ids)` / `refresh(conn, ids)` recompute the cells from the child tables in
  one UPDATE with correlated subqueries (tags cells: one DELETE and one INSERT … SELECT),
  inside the caller's transaction (add, edit, note, merge, unmerge, import
  --on-duplicate merge, `Store.insert`);
- `tagged(conn, ids)` recomputes only the tags cells (tag add/remove/rename);
- `store.repo.insert_bulk` (import) writes the cells in its INSERT from the row values,
  computed by `cells` below, with no read-back;
- deleting customers (purge, merge): `removed` deletes their `tag_cells` rows first (like
  the other derived rows); the other cells go with the customer row.

`stale(conn)` lists the customers whose stored cells differ from a recomputation (the
tests use it; `refresh(conn)` with no ids repairs every customer).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any


def _escaped(expr: str) -> str:
    return f"replace(replace({expr}, '\\', '\\\\'), ';', '\\;')"


#: A note's text in the notes cell: a plain note as it is; a typed interaction after its
#: kind, direction, status and ref in brackets ("[complaint in open ref=T1] 漏发").
_MARKED = """(CASE WHEN kind = 'note' AND direction IS NULL AND status IS NULL AND ref IS NULL
    THEN '' ELSE '[' || kind || coalesce(' ' || direction, '') || coalesce(' ' || status, '')
    || coalesce(' ref=' || ref, '') || '] ' END) || text"""

#: One SQL expression per cell on `customers`, correlated on `customers.id` (group_concat
#: ORDER BY needs SQLite >= 3.44; sqlcipher3 bundles a newer one).
EXPRESSIONS = {
    "phones_cell": """coalesce((SELECT group_concat(
        e164 || CASE WHEN ext != '' THEN ' ext. ' || ext ELSE '' END, ';' ORDER BY id)
        FROM phones WHERE customer_id = customers.id), '')""",
    "emails_cell": """coalesce((SELECT group_concat(address, ';' ORDER BY id)
        FROM emails WHERE customer_id = customers.id), '')""",
    "notes_cell": f"""coalesce((SELECT group_concat(at || ' ' || {_escaped(_MARKED)}, ';'
        ORDER BY at, id) FROM notes WHERE customer_id = customers.id), '')""",
}
#: The notes cell before typed interactions (schema v5): `refresh` during that migration.
_LEGACY_NOTES = f"""coalesce((SELECT group_concat(at || ' ' || {_escaped("text")}, ';'
    ORDER BY at, id) FROM notes WHERE customer_id = customers.id), '')"""
#: The tags cells of the customers selected by {where} (on ct.customer_id), one row each
#: for those with tags.
_TAG_CELLS = f"""SELECT ct.customer_id, group_concat({_escaped("t.name")}, ';' ORDER BY t.key)
    FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id {{where}} GROUP BY ct.customer_id"""
_SET_ALL = ", ".join(f"{name} = {expr}" for name, expr in EXPRESSIONS.items())
_IDS = "(SELECT value FROM json_each(?))"


def refresh(conn: Any, ids: Iterable[int] | None = None) -> None:
    """Recompute the four cells of `ids` (None: every customer) from the child tables."""
    set_all = _SET_ALL
    if "kind" not in {r[1] for r in conn.execute("PRAGMA table_info(notes)")}:
        set_all = _SET_ALL.replace(EXPRESSIONS["notes_cell"], _LEGACY_NOTES)  # an old schema
    if ids is None:
        conn.execute(f"UPDATE customers SET {set_all}")
    else:
        ids = list(ids)
        conn.execute(f"UPDATE customers SET {set_all} WHERE id IN {_IDS}", (json.dumps(ids),))
    tagged(conn, ids)


def removed(conn: Any, ids: Sequence[int]) -> None:
    """Customers are about to be deleted: their tags cells go first, like the other derived
    rows (the cascade would take them too, but purge counts only the rows it erases)."""
    conn.execute(f"DELETE FROM tag_cells WHERE customer_id IN {_IDS}", (json.dumps(list(ids)),))


def tagged(conn: Any, ids: Iterable[int] | None) -> None:
    """The tags of `ids` changed (tag add/remove/rename): only their tags cells move."""
    if ids is None:
        conn.execute("DELETE FROM tag_cells")
        conn.execute("INSERT INTO tag_cells(customer_id, cell) " + _TAG_CELLS.format(where=""))
        return
    wanted = (json.dumps(list(ids)),)
    conn.execute(f"DELETE FROM tag_cells WHERE customer_id IN {_IDS}", wanted)
    conn.execute(
        "INSERT INTO tag_cells(customer_id, cell) "
        + _TAG_CELLS.format(where=f"WHERE ct.customer_id IN {_IDS}"),
        wanted,
    )


def stale(conn: Any) -> list[int]:
    """Ids (ascending) of customers whose stored cells differ from a recomputation."""
    differs = " OR ".join(f"{name} IS NOT {expr}" for name, expr in EXPRESSIONS.items())
    found = {r[0] for r in conn.execute(f"SELECT id FROM customers WHERE {differs}")}
    stored = dict(conn.execute("SELECT customer_id, cell FROM tag_cells"))
    computed = dict(conn.execute(_TAG_CELLS.format(where="")))
    found.update(i for i in stored.keys() | computed.keys() if stored.get(i) != computed.get(i))
    return sorted(found)


# -- the same cells from row values (bulk insert: no read-back) -----------------------------
_AT = itemgetter(0)


def _escape(value: str) -> str:
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if ";" in value:
        value = value.replace(";", "\\;")
    return value


def cells(
    phones: Sequence[tuple[str, str]],
    emails: Sequence[tuple[str, str]],
    tags: Sequence[tuple[str, str]],
    notes: Sequence[tuple[str, str]],
) -> tuple[str, str, str, str]:
    """The four cells of a customer about to be inserted with these child rows, exactly as
    `refresh` would compute them after the insert.

    `phones` are (e164, ext or "") and `emails` (address, key) in insertion order (repeats
    collapse as the UNIQUE constraints do: the first one stays); `tags` are (key, stored
    spelling) of the tags it gets; `notes` are (at, text) in insertion order."""
    if len(phones) > 1:
        phones = list(dict.fromkeys(phones))
    phones_cell = ";".join([e164 + " ext. " + ext if ext else e164 for e164, ext in phones])
    if len(emails) > 1:
        first: dict[str, str] = {}
        for address, key in emails:
            first.setdefault(key, address)
        emails_cell = ";".join(first.values())
    else:
        emails_cell = emails[0][0] if emails else ""
    if len(tags) > 1:
        tags = sorted(dict(tags).items())
    tags_cell = ";".join([_escape(name) for _, name in tags])
    if len(notes) > 1:
        notes = sorted(notes, key=_AT)  # stable: equal times keep insertion (id) order
    notes_cell = ";".join([at + " " + _escape(text) for at, text in notes])
    return phones_cell, emails_cell, tags_cell, notes_cell


def bulk_cells(
    conn: Any, rows: Sequence[Any], tag_ids: Sequence[Sequence[int]]
) -> list[tuple[str, str, str, str]]:
    """`cells` for each of `rows` (records with phones/emails/notes like `BulkCustomer`),
    given the tag ids each row gets; tag spellings are read once per tag id."""
    known: dict[int, tuple[str, str]] = {}

    def tag(tag_id: int) -> tuple[str, str]:
        info = known.get(tag_id)
        if info is None:
            info = known[tag_id] = tuple(  # type: ignore[assignment]
                conn.execute("SELECT key, name FROM tags WHERE id = ?", (tag_id,)).fetchone()
            )
        return info  # type: ignore[return-value]

    return [
        cells(r.phones, r.emails, [tag(t) for t in ids] if ids else (), r.notes)
        for r, ids in zip(rows, tag_ids, strict=True)
    ]


class ExportCells:
    """The phones, emails and notes cells on `customers` (derived data, `store.derived`)."""

    name = "export cells"
    depends = frozenset({"phones", "emails", "notes"})
    writes = tuple(f"customers.{column}" for column in EXPRESSIONS)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        conn.execute(f"UPDATE customers SET {_SET_ALL} WHERE id IN {_IDS}", (json.dumps(ids),))

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        """Nothing to do: the cells go with the customer row."""

    def rebuild(self, conn: Any) -> None:
        conn.execute(f"UPDATE customers SET {_SET_ALL}")


class TagCells:
    """The tags cells in `tag_cells` (derived data, `store.derived`)."""

    name = "tag cells"
    depends = frozenset({"tags"})
    writes = ("tag_cells",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        tagged(conn, ids)

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        removed(conn, ids)

    def rebuild(self, conn: Any) -> None:
        tagged(conn, None)


EXPORT_CELLS = ExportCells()
TAG_CELLS = TagCells()
