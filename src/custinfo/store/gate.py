"""The write gate: the one road for every change to customer data.

    with store.write("edit") as w:
        w.update_customer(42, {"city": "上海"})
        w.add_phones(42, [phone])

A `Write` is one unit of work. Entering it opens the transaction (`BEGIN IMMEDIATE`); its
operations are the only code that writes SQL to customer tables, and each one notes which
customers changed, in which record kinds, and which field names. Leaving it normally:

1. updates derived data once (`store.derived`: search index, dedupe keys, export cells),
   for exactly the customers whose records of each implementation's kinds changed;
2. writes one audit entry: command, time, count, field names, the ids (never a value);
3. commits.

Any exception rolls everything back, derived data and audit included. Writes nest: an inner
`store.write` joins the outer transaction and records its own audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from custinfo.models import SCALAR_FIELDS, CustomerInput, Email, Phone
from custinfo.store import audit, derived, records
from custinfo.store.bulk import IdRanges, KeyOrdered
from custinfo.store.db import Connection, utc_now

if TYPE_CHECKING:
    from custinfo.store.repo import Store

_IDS = "(SELECT value FROM json_each(?))"
#: Kinds whose change may bring an opted-out contact to a customer (`store.consent.enforce`).
_CONTACT_KINDS = ("phones", "emails", "consents")


class Write:
    """One unit of work on customer data (see the module docstring)."""

    def __init__(self, store: Store, command: str) -> None:
        self.store = store
        self.command = command
        #: Non-personal detail for the audit entry (e.g. "3 merged").
        self.detail: str | None = None
        #: The connection, for the store's own modules (merge, bulk insert); nothing
        #: outside `custinfo.store` may write through it.
        self.conn: Connection = store.db.conn
        self.fields: set[str] = set()
        self.audit_id: int | None = None
        self._dirty: dict[str, set[int]] = {}
        self._named: set[int] = set()
        self._runs = IdRanges()  # bulk-inserted ids, named without a set of 1M ints
        #: Derived rows of bulk-inserted customers not written yet (`insert_bulk`).
        self.held = KeyOrdered()
        self._gone: set[int] = set()  # deleted: merged away or erased
        self._erased = 0  # erased customers are counted, never linked
        self._forced = False
        #: Messages for the owner once the unit commits (`Store.on_notice`), no values.
        self.notices: list[str] = []

    # -- bookkeeping ------------------------------------------------------------------------
    def touch(self, kind: str, ids: Iterable[int], fields: Iterable[str] = ()) -> None:
        """Note that records of `kind` changed for `ids` (derived data and audit follow)."""
        ids = list(ids)
        self._dirty.setdefault(kind, set()).update(ids)
        self._named.update(ids)
        self.fields.update(fields)
        if kind != "customer" and ids:
            self.fields.add(kind)

    def name(self, ids: Iterable[int]) -> None:
        """Name customers in the audit entry without changing them."""
        self._named.update(ids)
        self._forced = True

    def audit(self, *, detail: str | None = None, fields: Iterable[str] = ()) -> None:
        """Make sure this unit records an audit entry, even if it changed nothing."""
        if detail is not None:
            self.detail = detail
        self.fields.update(fields)
        self._forced = True

    def now(self) -> str:
        return utc_now()

    # -- customers --------------------------------------------------------------------------
    def add_customer(self, customer: CustomerInput, *, source: str, at: str | None = None) -> int:
        """Insert one validated customer with its phones, emails, tags and notes."""
        now = at or utc_now()
        new_id = self.conn.execute(
            "INSERT INTO customers(name, company, address, city, birthday, source, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (customer.name, customer.company, customer.address, customer.city,
             customer.birthday, source, now, now),
        ).lastrowid  # fmt: skip
        records.PHONES.insert(self.conn, new_id, ((p.e164, p.ext or "") for p in customer.phones))
        records.EMAILS.insert(self.conn, new_id, ((e.address, e.key) for e in customer.emails))
        records.TAGS.insert(self.conn, new_id, ((t,) for t in customer.tags))
        records.NOTES.insert(
            self.conn,
            new_id,
            ((now, text, "note", None, None, None, None) for text in customer.notes),
        )
        self.add_handles(new_id, customer.handles)
        self.add_labels(new_id, customer.labels)
        records.FIELDS.insert(self.conn, new_id, customer.fields)
        filled = ["name", *(n for n in SCALAR_FIELDS if getattr(customer, n))]
        self.touch("customer", [new_id], filled)
        for kind in records.KINDS:
            if getattr(customer, kind.name, None):
                self.touch(kind.name, [new_id])
        return new_id

    def update_customer(self, customer_id: int, values: dict[str, Any]) -> None:
        """Set columns of the customer row (validated values; None clears); moves
        `updated_at`."""
        assignments = {**values, "updated_at": utc_now()}
        columns = ", ".join(f"{name} = ?" for name in assignments)
        self.conn.execute(
            f"UPDATE customers SET {columns} WHERE id = ?", [*assignments.values(), customer_id]
        )
        self.touch("customer", [customer_id], values)

    def add_phones(self, customer_id: int, phones: Sequence[Phone]) -> None:
        records.PHONES.insert(self.conn, customer_id, ((p.e164, p.ext or "") for p in phones))
        if phones:
            self.touch("phones", [customer_id])

    def remove_phone(self, customer_id: int, phone: Phone) -> bool:
        cur = self.conn.execute(
            "DELETE FROM phones WHERE customer_id = ? AND e164 = ? AND ext = ?",
            (customer_id, phone.e164, phone.ext or ""),
        )
        self._drop_label(customer_id, "phone", str(phone))
        self.touch("phones", [customer_id])
        return cur.rowcount > 0

    def add_emails(self, customer_id: int, emails: Sequence[Email]) -> None:
        records.EMAILS.insert(self.conn, customer_id, ((e.address, e.key) for e in emails))
        if emails:
            self.touch("emails", [customer_id])

    def remove_email(self, customer_id: int, email: Email) -> bool:
        cur = self.conn.execute(
            "DELETE FROM emails WHERE customer_id = ? AND key = ?", (customer_id, email.key)
        )
        self._drop_label(customer_id, "email", email.key)
        self.touch("emails", [customer_id])
        return cur.rowcount > 0

    # -- messenger handles and contact labels (store.records IM_HANDLES, CONTACT_LABELS) ----
    def add_handles(self, customer_id: int, handles: Sequence[tuple[str, str]]) -> None:
        """(kind, handle) pairs: WeChat ids and QQ numbers (validated); repeats collapse."""
        if handles:
            records.IM_HANDLES.insert(self.conn, customer_id, handles)
            self.touch("im_handles", [customer_id])

    def add_labels(self, customer_id: int, labels: Sequence[tuple[str, str, str]]) -> None:
        """(kind, value, label): the label a file gave a phone (value: as shown) or an email
        (value: its key); a value's first label stays."""
        if labels:
            records.CONTACT_LABELS.insert(self.conn, customer_id, labels)
            self.touch("contact_labels", [customer_id])

    def _drop_label(self, customer_id: int, kind: str, value: str) -> None:
        self.conn.execute(
            "DELETE FROM contact_labels WHERE customer_id = ? AND kind = ? AND value = ?",
            (customer_id, kind, value),
        )

    def add_note(
        self, customer_id: int, text: str, *, at: str | None = None, kind: str = "note",
        direction: str | None = None, status: str | None = None, ref: str | None = None,
    ) -> int:  # fmt: skip
        """Append a note or a typed interaction (validated values) to the interaction log."""
        note_id = self.conn.execute(
            "INSERT INTO notes(customer_id, at, text, kind, direction, status, ref) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (customer_id, at or utc_now(), text, kind, direction, status, ref),
        ).lastrowid
        self.touch("notes", [customer_id])
        return note_id

    def fill_in(self, customer_id: int, row: Any, now: str) -> None:
        """The import's `--on-duplicate merge` of one validated row into a customer: new
        phones, emails, tags and notes; empty fields filled; the name kept."""
        conn = self.conn
        records.PHONES.insert(conn, customer_id, row.phones)
        records.EMAILS.insert(conn, customer_id, row.emails)
        records.TAGS.insert(conn, customer_id, ((t,) for t in row.tags))
        records.IM_HANDLES.insert(conn, customer_id, getattr(row, "handles", ()))
        records.CONTACT_LABELS.insert(conn, customer_id, getattr(row, "labels", ()))
        conn.execute(
            "UPDATE customers SET company = coalesce(company, ?), address = coalesce(address, ?),"
            " city = coalesce(city, ?), birthday = coalesce(birthday, ?), updated_at = ? "
            "WHERE id = ?",
            (row.company, row.address, row.city, row.birthday, now, customer_id),
        )
        conn.executemany(
            "INSERT INTO notes(customer_id, at, text) SELECT ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM notes WHERE customer_id = ? AND at = ? AND text = ?)",
            ((customer_id, at, text, customer_id, at, text) for at, text in row.notes),
        )
        from custinfo.store import fields

        fields.fill_in(conn, customer_id, getattr(row, "fields", ()))
        for kind in ("customer", *(k.name for k in records.KINDS)):
            self._dirty.setdefault(kind, set()).add(customer_id)
        self._named.add(customer_id)

    def insert_bulk(
        self, rows: Sequence[Any], *, source: str, tag_ids: dict[str, int],
        derived_data: Sequence[tuple[Any, ...]] | None = None,
    ) -> range:  # fmt: skip
        """The import's insert of many validated rows (see `store.bulk`); their derived
        data is written with them (`derived_data` from the workers' `derived.derive`), in a
        large database the rows of random-key trees held in `held` and written in key
        order in batches (the unit writes the rest before derived data is updated or
        customers are deleted)."""
        from custinfo.store.bulk import insert_rows

        ids = insert_rows(self.conn, rows, source=source, tag_ids=tag_ids)
        if derived_data is not None:
            later = self.held if ids.stop > self.held.FROM_CUSTOMERS else None
            for index, impl in enumerate(derived.row_derivers()):
                items = [(i, d[index]) for i, d in zip(ids, derived_data, strict=True)]
                impl.store_derived(self.conn, items, later)
        else:  # no precomputed data: the derived data follows on exit
            for kind in ("customer", *(k.name for k in records.KINDS)):
                self._dirty.setdefault(kind, set()).update(ids)
        self._runs.add(ids)
        return ids

    # -- tags -------------------------------------------------------------------------------
    def tag(self, tag: str, ids: Sequence[int]) -> tuple[str, int]:
        """Give `tag` (normalised) to `ids`; returns (stored spelling, customers changed).
        Unknown ids raise the foreign-key error (the caller names them)."""
        conn = self.conn
        tid = records.tag_id(conn, tag)
        before = conn.total_changes
        conn.execute(
            f"INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) SELECT value, ? FROM {_IDS}",
            (tid, json.dumps(list(ids))),
        )
        self.touch("tags", ids)
        return self._tag_name(tid), conn.total_changes - before

    def untag(self, tag: str, ids: Sequence[int]) -> tuple[str | None, int]:
        """Take `tag` from `ids`; a tag left on nobody is deleted. (None, 0) if no such tag."""
        conn = self.conn
        tid = records.tag_id(conn, tag, create=False)
        if tid is None:
            return None, 0
        name = self._tag_name(tid)
        before = conn.total_changes
        conn.execute(
            f"DELETE FROM customer_tags WHERE tag_id = ? AND customer_id IN {_IDS}",
            (tid, json.dumps(list(ids))),
        )
        changed = conn.total_changes - before
        self.touch("tags", ids)
        self._drop_unused_tags([tid])
        return name, changed

    def rename_tag(self, old: str, new: str) -> tuple[str, int, list[int]] | None:
        """Rename a tag, merging into `new` if it exists; (spelling, changed, holders), or
        None if there is no tag `old`."""
        conn = self.conn
        old_id = records.tag_id(conn, old, create=False)
        if old_id is None:
            return None
        holders = [
            r[0] for r in conn.execute("SELECT customer_id FROM customer_tags WHERE tag_id = ?",
                                       (old_id,))
        ]  # fmt: skip
        new_id = records.tag_id(conn, new, create=False)
        if new_id is None or new_id == old_id:  # a plain rename (or a change of case)
            from custinfo.validation import tag_key

            conn.execute(
                "UPDATE tags SET name = ?, key = ? WHERE id = ?", (new, tag_key(new), old_id)
            )
            name, changed = new, len(holders)
        else:
            before = conn.total_changes
            conn.execute(
                "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) "
                "SELECT customer_id, ? FROM customer_tags WHERE tag_id = ?",
                (new_id, old_id),
            )
            changed = conn.total_changes - before
            conn.execute("DELETE FROM tags WHERE id = ?", (old_id,))  # cascades its links
            name = self._tag_name(new_id)
        self.touch("tags", holders)  # every holder: spelling or order may have changed
        return name, changed, holders

    def _tag_name(self, tid: int) -> str:
        return self.conn.execute("SELECT name FROM tags WHERE id = ?", (tid,)).fetchone()[0]

    def _drop_unused_tags(self, tag_ids: Iterable[int]) -> None:
        self.conn.executemany(
            "DELETE FROM tags WHERE id = ? AND NOT EXISTS "
            "(SELECT 1 FROM customer_tags WHERE tag_id = ?)",
            ((t, t) for t in tag_ids),
        )

    # -- removing customers -----------------------------------------------------------------
    def remove_customers(self, ids: Sequence[int]) -> None:
        """Delete customers whose records now live elsewhere (merge): derived data first,
        their records go through the foreign keys; audit links stay."""
        self._delete(ids)

    def erase(self, ids: Sequence[int], *, absorbed: Sequence[int] = ()) -> int:
        """Erase customers without a trace (purge): derived data, audit links (theirs and
        those of ids merged into them), records, merge history and tags nobody else holds.
        Returns the rows erased: the customers, their records of every kind and their
        audit links (derived data and history are not counted, as `purge.plan` counts)."""
        conn = self.conn
        wanted = json.dumps(list(ids))
        counted = sum(records.rows_held(conn, ids).values())
        tags = [r[0] for r in conn.execute(
            f"SELECT DISTINCT tag_id FROM customer_tags WHERE customer_id IN {_IDS}", (wanted,)
        )]  # fmt: skip
        self.held.flush(conn)
        derived.removed(conn, ids)  # before the rows go: an index may read what it erases
        conn.execute(
            f"DELETE FROM audit_customers WHERE customer_id IN {_IDS}",
            (json.dumps([*ids, *absorbed]),),
        )
        conn.execute(f"DELETE FROM customers WHERE id IN {_IDS}", (wanted,))
        self._drop_unused_tags(tags)
        self._gone.update(ids)
        self._named.difference_update(ids)  # an erased person is never linked again
        self._erased += len(ids)
        self._forced = True
        return counted

    def _delete(self, ids: Sequence[int]) -> None:
        self.held.flush(self.conn)
        derived.removed(self.conn, ids)
        self.conn.execute(f"DELETE FROM customers WHERE id IN {_IDS}", (json.dumps(list(ids)),))
        self._gone.update(ids)

    # -- privacy ----------------------------------------------------------------------------
    def suppress(self, hmacs: Sequence[tuple[bytes, str]], purge_uid: str) -> None:
        """Keep keyed HMACs of erased contacts (`privacy.suppression`), never the values."""
        self.conn.executemany(  # sorted: appends in key order instead of random b-tree inserts
            "INSERT OR IGNORE INTO suppressed(hmac, kind, purge_uid) VALUES (?, ?, ?)",
            ((h, kind, purge_uid) for h, kind in sorted(hmacs)),
        )

    def log_purge(self, uid: str, at: str, count: int, reason: str) -> None:
        """The anonymous purge log a restored backup is compared with."""
        self.conn.execute(
            "INSERT OR IGNORE INTO purge_log(uid, at, count, reason) VALUES (?, ?, ?, ?)",
            (uid, at, count, reason),
        )
        self._forced = True

    # -- settings ---------------------------------------------------------------------------
    def set_meta(self, key: str, value: str, *, audited: bool = True) -> None:
        """Change a database setting; `audited=False` for bookkeeping that the caller's own
        audit entry already covers."""
        before = self.store.db.meta(key, None)
        self.store.db.set_meta(key, value)
        self._forced = self._forced or audited
        if key == "currency" and value != (before or "CNY"):  # totals count in it
            from custinfo.activity.aggregates import ACTIVITY

            ACTIVITY.rebuild(self.conn)

    # -- exit -------------------------------------------------------------------------------
    def finish(self) -> None:
        """Opt-outs enforced, derived data once, then one audit entry (called by
        `Store.write` on success)."""
        self.held.flush(self.conn)
        contacts = set().union(*(self._dirty.get(k, set()) for k in _CONTACT_KINDS))
        if contacts or self._runs:  # see `store.consent.enforce`
            from custinfo.store import consent

            ids = sorted(i for i in contacts - self._gone if i not in self._runs)
            consent.enforce(self, chain(ids, self._runs))
        derived.changed(self.conn, self._dirty, self._gone)
        if not (self._named or self._runs or self._erased or self._forced):
            return
        singles = sorted(i for i in self._named if i not in self._runs)
        count = len(singles) + len(self._runs) + self._erased
        self.audit_id = audit.record(
            self.conn, self.command, chain(singles, self._runs), self.fields, self.detail,
            count=count,
        )  # fmt: skip
