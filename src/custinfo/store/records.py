"""Every kind of customer record, declared once.

A record kind is a table of rows that belong to one customer (`customer_id REFERENCES
customers(id) ON DELETE CASCADE`). Its declaration says everything the generic machinery
needs, so that merge, unmerge, purge, the data-subject report, export and restore cover
it without special cases:

- `table` and `columns`: where it lives and which values a snapshot keeps (the row id and
  `customer_id` are implied);
- `merge`: how `merge` moves it to the kept customer and how `unmerge` gives it back:
  `MOVE` re-points the rows (ids, times and texts kept; unmerge moves them back by id, and
  rows added after the merge stay); `UNION` copies the values to the kept customer, where a
  UNIQUE constraint collapses repeats (unmerge restores every side from its snapshot);
- purge needs nothing: rows go with the customer through the foreign key, the page-level
  test proves no trace is left, and `purge.plan` counts them per kind;
- `subject` and `export`: the key the rows appear under in a customer's JSON (`show`,
  `export --format json`, `subject`) and what a row looks like there (`public`).

Adding a kind is one declaration here (or in the feature's module, appended to `KINDS`)
plus a migration. `tests/test_records.py` reads the schema and fails for any table that
references customers and is neither a kind, nor derived data, nor merge history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from custinfo.store.db import Connection

_CHUNK = 500
_IDS = "(SELECT value FROM json_each(?))"


class Merge(StrEnum):
    MOVE = "move"  # rows change owner and keep their ids
    UNION = "union"  # values are copied; a UNIQUE constraint collapses repeats


Row = tuple[Any, ...]  # (id, *columns)


@dataclass(frozen=True, slots=True)
class RecordKind:
    """One kind of customer record (see the module docstring)."""

    name: str  # the field name in audit entries and in JSON
    table: str
    columns: tuple[str, ...]  # value columns besides id and customer_id
    merge: Merge
    order_by: str = "id"
    public: Callable[[Row], Any] | None = None  # row -> JSON value; None: the first column
    #: Values of one valid row embedding `marker` (a string of 8 digits): the coverage tests
    #: give every kind such a row and check merge, unmerge, purge and subject on it.
    example: Callable[[str], tuple[Any, ...]] | None = None

    def rows(self, conn: Connection, customer_id: int) -> list[Row]:
        """The customer's rows, (id, *columns), in display order."""
        cols = ", ".join(("id", *self.columns))
        return [
            tuple(r)
            for r in conn.execute(
                f"SELECT {cols} FROM {self.table} WHERE customer_id = ? ORDER BY {self.order_by}",
                (customer_id,),
            )
        ]

    def rows_of(self, conn: Connection, ids: Sequence[int]) -> dict[int, list[Row]]:
        """The rows of several customers at once: {customer id: rows in display order}
        (customers without rows are left out)."""
        if type(self).rows is not RecordKind.rows:  # a kind with its own row shape
            return {cid: rows for cid in ids if (rows := self.rows(conn, cid))}
        cols = ", ".join(("customer_id", "id", *self.columns))
        sql = (
            f"SELECT {cols} FROM {self.table} WHERE customer_id IN {_IDS} "
            f"ORDER BY customer_id, {self.order_by}"
        )
        out: dict[int, list[Row]] = {}
        for row in conn.execute(sql, (json.dumps(list(ids)),)):
            out.setdefault(row[0], []).append(tuple(row[1:]))
        return out

    def count(self, conn: Connection, ids: Sequence[int]) -> int:
        """Rows held by the customers `ids`."""
        sql = f"SELECT count(*) FROM {self.table} WHERE customer_id IN {_IDS}"
        return conn.execute(sql, (json.dumps(list(ids)),)).fetchone()[0]

    def to_public(self, row: Row) -> Any:
        return self.public(row) if self.public else row[1]

    def conflicts(
        self, conn: Connection, keep: Sequence[Row], others: Sequence[tuple[int, Sequence[Row]]]
    ) -> list[str]:
        """Merge: notes ("merged from #12: ...") for values of the absorbed customers (id,
        snapshot rows) that the kept one's rows override. None for MOVE and UNION kinds,
        which keep every row."""
        return []

    # -- merge ------------------------------------------------------------------------------
    def absorb(self, conn: Connection, keep: int, others: Sequence[int]) -> None:
        """Give the rows of `others` to `keep` (inside merge's transaction)."""
        marks = ",".join("?" * len(others))
        if self.merge is Merge.MOVE:
            conn.execute(
                f"UPDATE {self.table} SET customer_id = ? WHERE customer_id IN ({marks})",
                (keep, *others),
            )
            return
        cols = ", ".join(self.columns)
        conn.execute(
            f"INSERT OR IGNORE INTO {self.table}(customer_id, {cols}) SELECT ?, {cols} "
            f"FROM {self.table} WHERE customer_id IN ({marks}) ORDER BY {self.order_by}",
            (keep, *others),
        )

    def give_back(self, conn: Connection, customer_id: int, rows: Sequence[Row]) -> None:
        """Unmerge: `customer_id` gets its snapshot rows back."""
        if self.merge is Merge.MOVE:
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                conn.execute(
                    f"UPDATE {self.table} SET customer_id = ? "
                    f"WHERE id IN ({','.join('?' * len(chunk))})",
                    (customer_id, *chunk),
                )
            return
        self.insert(conn, customer_id, [r[1:] for r in rows])

    def reset(self, conn: Connection, customer_id: int, rows: Sequence[Row]) -> None:
        """Unmerge of the kept customer: its own rows as they were before the merge (MOVE
        rows never left it; UNION rows are replaced by the snapshot)."""
        if self.merge is Merge.UNION:
            conn.execute(f"DELETE FROM {self.table} WHERE customer_id = ?", (customer_id,))
            self.insert(conn, customer_id, [r[1:] for r in rows])

    def insert(self, conn: Connection, customer_id: int, values: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(self.columns)
        marks = ", ".join("?" * len(self.columns))
        conn.executemany(
            f"INSERT OR IGNORE INTO {self.table}(customer_id, {cols}) VALUES (?, {marks})",
            ((customer_id, *v) for v in values),
        )


class TagKind(RecordKind):
    """Tags: links to the shared `tags` labels; snapshots keep the tag names."""

    def rows(self, conn: Connection, customer_id: int) -> list[Row]:
        return [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT t.id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
                "WHERE ct.customer_id = ? ORDER BY t.key",
                (customer_id,),
            )
        ]

    def insert(self, conn: Connection, customer_id: int, values: Iterable[Sequence[Any]]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)",
            ((customer_id, tag_id(conn, v[0])) for v in values),
        )

    def absorb(self, conn: Connection, keep: int, others: Sequence[int]) -> None:
        marks = ",".join("?" * len(others))
        conn.execute(
            "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) SELECT ?, tag_id "
            f"FROM customer_tags WHERE customer_id IN ({marks})",
            (keep, *others),
        )


class FieldKind(RecordKind):
    """Custom field values (`custinfo.store.fields`): one per customer and field, so merge
    keeps the kept customer's value (a gap is filled from the absorbed customers in order)
    and a conflicting value becomes a note; unmerge restores every side from its snapshot.
    Rows are (field id, field id, value): the field id is the row's id within a customer."""

    def rows(self, conn: Connection, customer_id: int) -> list[Row]:
        sql = "SELECT field_id, field_id, value FROM field_values WHERE customer_id = ? "
        return [tuple(r) for r in conn.execute(sql + "ORDER BY field_id", (customer_id,))]

    def insert(self, conn: Connection, customer_id: int, values: Iterable[Sequence[Any]]) -> None:
        from custinfo.store import fields

        fields.insert(conn, customer_id, values)

    def absorb(self, conn: Connection, keep: int, others: Sequence[int]) -> None:
        for other in others:  # in order: the first absorbed customer fills a gap
            conn.execute(
                "INSERT OR IGNORE INTO field_values(customer_id, field_id, value, indexed) "
                "SELECT ?, field_id, value, indexed FROM field_values WHERE customer_id = ?",
                (keep, other),
            )

    def conflicts(
        self, conn: Connection, keep: Sequence[Row], others: Sequence[tuple[int, Sequence[Row]]]
    ) -> list[str]:
        from custinfo.store import fields

        return fields.conflict_notes(conn, keep, others)


def tag_id(conn: Connection, tag: str, *, create: bool = True) -> int | None:
    """The id of a tag (matched case-insensitively), created with this spelling if new."""
    from custinfo.validation import tag_key

    key = tag_key(tag)
    row = conn.execute("SELECT id FROM tags WHERE key = ?", (key,)).fetchone()
    if row:
        return row[0]
    if not create:
        return None
    return conn.execute("INSERT INTO tags(name, key) VALUES (?, ?)", (tag, key)).lastrowid


def _phone(row: Row) -> str:
    return f"{row[1]} ext. {row[2]}" if row[2] else row[1]


def _note(row: Row) -> dict[str, Any]:
    """A note or typed interaction as in `show --format json` (`models.Note.to_dict`)."""
    return {"at": row[1], "text": row[2], "id": row[0], "kind": row[3], "direction": row[4],
            "status": row[5], "ref": row[6], "resolved_at": row[7]}  # fmt: skip


def _order(row: Row) -> dict[str, Any]:
    """An order as `order list --format json` shows it (amount as a decimal string)."""
    from custinfo.money import to_text

    return {"id": row[0], "at": row[1], "amount": to_text(row[2], row[3]), "currency": row[3],
            "items": row[4], "channel": row[5], "ref": row[6], "note": row[7]}  # fmt: skip


def _followup(row: Row) -> dict[str, Any]:
    """A follow-up as `followup list --format json` shows it."""
    keys = ("id", "kind", "text", "due_date", "due_at", "repeat", "status", "created_at",
            "closed_at", "note_id")  # fmt: skip
    return dict(zip(keys, row, strict=True))


PHONES = RecordKind(
    "phones", "phones", ("e164", "ext"), Merge.UNION, public=_phone,
    example=lambda m: (f"+86139{m}", ""),
)  # fmt: skip
EMAILS = RecordKind(
    "emails", "emails", ("address", "key"), Merge.UNION,
    example=lambda m: (f"m{m}@Example.com", f"m{m}@example.com"),
)  # fmt: skip
TAGS = TagKind("tags", "customer_tags", ("name",), Merge.UNION, order_by="",
               example=lambda m: (f"tag-{m}",))  # fmt: skip
#: Notes and typed interactions (calls, visits, complaints, ...): `kind` is `note` for a
#: plain note; complaints and service cases carry a `status` (open/resolved).
NOTES = RecordKind(
    "notes", "notes", ("at", "text", "kind", "direction", "status", "ref", "resolved_at"),
    Merge.MOVE, "at, id", public=_note,
    example=lambda m: ("2024-05-06T07:08:09.000000Z", f"note {m} 备注", "complaint", "in",
                       "open", f"case-{m}", None),
)  # fmt: skip
#: What customers bought: amounts in integer minor units of `currency` (`custinfo.money`),
#: negative for a refund; `(channel, ref)` is unique when `ref` is given.
ORDERS = RecordKind(
    "orders", "orders", ("at", "amount", "currency", "items", "channel", "ref", "note"),
    Merge.MOVE, "at, id", public=_order,
    example=lambda m: ("2024-05-06T07:08:09.000000Z", 29900, "CNY", f"item {m} 龙井茶",
                       "淘宝", f"T{m}", f"order note {m}"),
)  # fmt: skip

# Contacts from phones and contact exports (issue 18, migration "contacts").
#: Messenger handles: kind "wechat" or "qq" (`IM_KINDS`), the handle as written.
IM_HANDLES = RecordKind(
    "im_handles", "im_handles", ("kind", "handle"), Merge.UNION, "kind, id",
    public=lambda row: {"kind": row[1], "handle": row[2]},
    example=lambda m: ("wechat", f"wx_{m}"),
)  # fmt: skip
#: A phone's or an email's label from the file ("cell", "work", "home"; value: the phone as
#: shown or the email key).
CONTACT_LABELS = RecordKind(
    "contact_labels", "contact_labels", ("kind", "value", "label"), Merge.UNION,
    public=lambda row: {"kind": row[1], "value": row[2], "label": row[3]},
    example=lambda m: ("phone", f"+86139{m}", "work"),
)  # fmt: skip
IM_KINDS = ("wechat", "qq")

#: Custom field values; "fields" is also their key in a customer's JSON.
FIELDS = FieldKind(
    "fields", "field_values", ("field_id", "value"), Merge.UNION, order_by="field_id",
    example=lambda m: ("example", f"value {m} 字段"),
)  # fmt: skip
#: Follow-ups (`custinfo.followups`): a local due date, an instant for a timed one, an
#: optional repeat; open, done or cancelled. MOVE: rows keep their ids across a merge.
FOLLOWUPS = RecordKind(
    "followups", "followups", ("kind", "text", "due_date", "due_at", "repeat", "status",
                               "created_at", "closed_at", "note_id"),
    Merge.MOVE, "due_date, id", public=_followup,
    example=lambda m: ("call", f"followup {m} 报价回访", "2024-05-06", None, "1m", "open",
                       "2024-05-01T07:08:09.000000Z", None, None),
)  # fmt: skip
#: Keep-in-touch cadences, one per customer (UNIQUE): on merge the kept customer's cadence
#: wins (UNION with INSERT OR IGNORE) and unmerge restores every side's own.
KEEP_IN_TOUCH = RecordKind(
    "keep_in_touch", "keep_in_touch", ("every", "since"), Merge.UNION,
    public=lambda r: {"every": r[1], "since": r[2]},
    example=lambda m: (f"{m}d", "2024-05-06T07:08:09.000000Z"),
)  # fmt: skip


# The consent ledger (issue 15, migration "consent").
def _consent(row: Row) -> dict[str, Any]:
    keys = ("purpose", "channel", "state", "at", "method", "source", "recorded_at")
    return dict(zip(keys, row[1:], strict=True))


#: The consent ledger (`custinfo.privacy.consent`): append-only; merge moves the rows (both
#: ledgers kept, unmerge gives them back by id).
CONSENTS = RecordKind(
    "consents", "consents", ("purpose", "channel", "state", "at", "method", "source",
    "recorded_at"), Merge.MOVE, "at, id", public=_consent,
    example=lambda m: ("sms-marketing", "sms", "given", "2024-05-06T07:08:09.000000Z",
                       f"门店纸质表 #{m}", "manual", "2024-05-06T07:08:09.000000Z"),
)  # fmt: skip

#: Every kind of customer record, in the order reports list them.
KINDS: tuple[RecordKind, ...] = (
    PHONES, EMAILS, TAGS, NOTES, IM_HANDLES, CONTACT_LABELS, ORDERS, FIELDS, FOLLOWUPS,
    KEEP_IN_TOUCH, CONSENTS,
)  # fmt: skip

#: Tables that reference customers but hold no records of their own: merge history
#: (pre-merge snapshots and id redirects; erased with the kept customer by the cascade).
HISTORY_TABLES = ("merges", "merged_ids")


def public_records(
    conn: Connection, ids: Sequence[int], shown: Container[str]
) -> dict[int, dict[str, list[Any]]]:
    """{customer id: {kind name: public rows}} for every kind whose name is not a key of the
    customer's own JSON (`shown`): what `subject` and `export --format json` list under
    `records`. Every kind appears for every customer, with [] when it has no rows."""
    out: dict[int, dict[str, list[Any]]] = {cid: {} for cid in ids}
    for kind in KINDS:
        if kind.name in shown:
            continue
        found = kind.rows_of(conn, ids)
        for cid in ids:
            out[cid][kind.name] = [kind.to_public(r) for r in found.get(cid, ())]
    return out


def rows_held(conn: Connection, ids: Sequence[int]) -> dict[str, int]:
    """What erasing the customers `ids` erases, by name: the customers, their rows of every
    kind, and their audit links (what `purge` counts, in its plan and when it runs)."""
    rows = {"customers": len(ids)}
    rows.update({kind.name: kind.count(conn, ids) for kind in KINDS})
    sql = f"SELECT count(*) FROM audit_customers WHERE customer_id IN {_IDS}"
    rows["audit_links"] = conn.execute(sql, (json.dumps(list(ids)),)).fetchone()[0]
    return rows


def by_name(name: str) -> RecordKind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)


def snapshot_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
