"""The customer repository: the core API over an open `Database`.

Writes validate before touching the database and go through the write gate
(`Store.write`, see `custinfo.store.gate`), which keeps derived data and the audit log in
step. Reads batch their queries so that loading many customers costs a handful of
statements, not one per customer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custinfo.errors import DuplicateError, NotFoundError, ValidationError
from custinfo.i18n import _, plural
from custinfo.models import SCALAR_FIELDS, Customer, CustomerInput, Email, Note, Phone
from custinfo.store.db import Database, create_database, open_database

if TYPE_CHECKING:
    from custinfo.store.gate import Write
    from custinfo.store.merge import MergeResult

_CHUNK = 500  # ids per IN (...) query


@dataclass(slots=True)
class CustomerEdit:
    """Validated changes for `Store.edit`. A scalar set to None clears the field."""

    name: str | None = None
    add_phones: list[Phone] = field(default_factory=list)
    remove_phones: list[Phone] = field(default_factory=list)
    add_emails: list[Email] = field(default_factory=list)
    remove_emails: list[Email] = field(default_factory=list)
    scalars: dict[str, str | None] = field(default_factory=dict)
    #: Custom fields: (field, stored value), None clears (`custinfo.fields.assignments`).
    custom: list[tuple[Any, Any]] = field(default_factory=list)

    def changed_fields(self) -> list[str]:
        names = ["name"] if self.name is not None else []
        names += [f"field:{f.key}" for f, _ in self.custom]
        if self.add_phones or self.remove_phones:
            names.append("phones")
        if self.add_emails or self.remove_emails:
            names.append("emails")
        return names + sorted(self.scalars)


class Store:
    """Customers in one encrypted database file."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn
        #: Called with (old id, kept id) when an id of a merged customer is resolved.
        self.on_redirect: Callable[[int, int], None] | None = None
        #: Called with each notice of a committed write unit (`Write.notices`).
        self.on_notice: Callable[[str], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, key: bytes) -> Store:
        return cls(open_database(path, key))

    @classmethod
    def create(cls, path: Path, key: bytes, *, region: str, currency: str = "CNY") -> Store:
        from custinfo import validation
        from custinfo.money import check_currency

        region = validation.check_region(region)
        currency = check_currency(currency)
        return cls(create_database(path, key, region=region, currency=currency))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def region(self) -> str:
        return self.db.meta("region", "CN") or "CN"

    @property
    def currency(self) -> str:
        """The database currency (ISO 4217), set by `init --currency`."""
        return self.db.meta("currency", "CNY") or "CNY"

    @property
    def path(self) -> Path:
        """The database file."""
        return self.db.path

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A setting stored in the database (region, ...)."""
        return self.db.meta(key, default)

    def integrity_errors(self) -> list[str]:
        """Problems found by the HMAC, structure and foreign-key checks, and dedupe keys of
        customers that do not exist (their table has no foreign key: v18); none: healthy."""
        from custinfo.dedupe.keys import orphans

        problems = self.db.integrity_errors()
        if count := orphans(self.conn):
            missing = plural(count, "customer")
            problems.append(_("dedupe keys of customers that do not exist: {n}").format(n=missing))
        return problems

    # -- reads -----------------------------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM customers").fetchone()[0]

    def resolve_id(self, customer_id: int) -> int:
        """The live id for `customer_id` (a merged id gives the customer it was merged
        into, reported through `on_redirect`); raises NotFoundError if there is none."""
        row = self.conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            keep = self.merged_into(customer_id)
            if keep is None:
                raise NotFoundError(
                    _("no customer with id {customer_id}").format(customer_id=customer_id)
                )
            if self.on_redirect is not None:
                self.on_redirect(customer_id, keep)
            return keep
        return customer_id

    def merged_into(self, customer_id: int) -> int | None:
        """The customer that absorbed `customer_id` in a merge, if any."""
        row = self.conn.execute(
            "SELECT keep_id FROM merged_ids WHERE old_id = ?", (customer_id,)
        ).fetchone()
        return row[0] if row else None

    def merged_from(self, customer_id: int) -> list[int]:
        """Ids merged (directly or in nested merges) into the live `customer_id`."""
        rows = self.conn.execute(
            "SELECT old_id FROM merged_ids WHERE keep_id = ? ORDER BY old_id", (customer_id,)
        )
        return [r[0] for r in rows]

    def missing_ids(self, ids: Iterable[int]) -> list[int]:
        """Ids among `ids` that are not live customers (sorted)."""
        wanted = sorted(set(ids))
        found: set[int] = set()
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(f"SELECT id FROM customers WHERE id IN ({marks})", chunk)
            )
        return [i for i in wanted if i not in found]

    def get(self, customer_id: int) -> Customer:
        customers = self.get_many([self.resolve_id(customer_id)])
        return customers[0]

    def get_many(self, ids: Sequence[int]) -> list[Customer]:
        """Load customers in the order of `ids` (unknown ids are skipped)."""
        loaded: dict[int, Customer] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            loaded.update(self._load_chunk(chunk))
        return [loaded[i] for i in ids if i in loaded]

    def iter_all(self, batch: int = 2000) -> Iterator[Customer]:
        """Every customer in id order, loaded in batches (memory stays flat)."""
        last = 0
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
                )
            ]
            if not ids:
                return
            yield from self.get_many(ids)
            last = ids[-1]

    def _load_chunk(self, ids: list[int]) -> dict[int, Customer]:
        marks = ",".join("?" * len(ids))
        out: dict[int, Customer] = {}
        for row in self.conn.execute(
            "SELECT id, name, company, address, city, birthday, source, created_at, updated_at "
            f"FROM customers WHERE id IN ({marks})",
            ids,
        ):
            out[row[0]] = Customer(
                id=row[0], name=row[1], company=row[2], address=row[3], city=row[4],
                birthday=row[5], source=row[6], created_at=row[7], updated_at=row[8],
            )  # fmt: skip
        for cid, e164, ext in self.conn.execute(
            f"SELECT customer_id, e164, ext FROM phones WHERE customer_id IN ({marks}) ORDER BY id",
            ids,
        ):
            out[cid].phones.append(str(Phone(e164, ext or None)))
        for cid, address in self.conn.execute(
            f"SELECT customer_id, address FROM emails WHERE customer_id IN ({marks}) ORDER BY id",
            ids,
        ):
            out[cid].emails.append(address)
        for cid, name in self.conn.execute(
            "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
            f"WHERE ct.customer_id IN ({marks}) ORDER BY t.key",
            ids,
        ):
            out[cid].tags.append(name)
        for cid, *note in self.conn.execute(
            "SELECT customer_id, at, text, id, kind, direction, status, ref, resolved_at "
            f"FROM notes WHERE customer_id IN ({marks}) ORDER BY at, id",
            ids,
        ):
            out[cid].notes.append(Note(*note))
        for cid, kind, handle in self.conn.execute(
            f"SELECT customer_id, kind, handle FROM im_handles WHERE customer_id IN ({marks}) "
            "ORDER BY id",
            ids,
        ):
            handles = getattr(out[cid], kind, None)  # Customer.wechat, Customer.qq
            if isinstance(handles, list):
                handles.append(handle)
        self._load_activity(out, ids)
        if self.conn.execute(  # custom fields (and their modules) only when there are values
            f"SELECT 1 FROM field_values WHERE customer_id IN ({marks}) LIMIT 1", ids
        ).fetchone():
            from custinfo.store import fields

            for cid, values in fields.public_values(self.conn, ids).items():
                out[cid].fields = values
        return out

    def labels(self, ids: Sequence[int]) -> dict[int, dict[tuple[str, str], str]]:
        """{customer id: {(kind, value): label}} of these customers' phones and emails
        (see `records.CONTACT_LABELS`)."""
        out: dict[int, dict[tuple[str, str], str]] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            for cid, kind, value, label in self.conn.execute(
                "SELECT customer_id, kind, value, label FROM contact_labels "
                f"WHERE customer_id IN ({marks})",
                chunk,
            ):
                out.setdefault(cid, {})[(kind, value)] = label
        return out

    def _load_activity(self, out: dict[int, Customer], ids: list[int]) -> None:
        """Order counts, totals and last order/contact (`custinfo.activity`)."""
        from custinfo import money
        from custinfo.activity import orders

        currency = self.currency
        zero = money.to_text(0, currency)
        for customer in out.values():
            customer.order_total = zero
        for cid, (count, spent, last_order, last_contact) in orders.aggregates(
            self.conn, ids
        ).items():
            c = out[cid]
            c.order_count, c.order_total = count, money.to_text(spent, currency)
            c.last_order_at, c.last_contact_at = last_order, last_contact
        for cid, summary in orders.summaries(self.conn, ids).items():
            out[cid].orders_summary = summary

    def ids_by_phone(self, e164: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT customer_id FROM phones WHERE e164 = ? ORDER BY customer_id", (e164,)
        )
        return [r[0] for r in rows]

    def ids_by_email(self, key: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT DISTINCT customer_id FROM emails WHERE key = ? ORDER BY customer_id", (key,)
        )
        return [r[0] for r in rows]

    def find_conflict(
        self, phones: Iterable[Phone], emails: Iterable[Email], exclude_id: int | None = None
    ) -> DuplicateError | None:
        """The first phone or email of these that belongs to another customer, as an error."""
        for phone in phones:
            row = self.conn.execute(
                "SELECT customer_id FROM phones WHERE e164 = ? AND ext = ? AND customer_id IS NOT ?"
                " LIMIT 1",
                (phone.e164, phone.ext or "", exclude_id),
            ).fetchone()
            if row:
                return DuplicateError(
                    _(
                        "phone {phone} already belongs to customer {row} (use "
                        "--allow-duplicate to add it anyway)"
                    ).format(phone=phone, row=row[0]),
                    row[0],
                    "phone",
                )
        for email in emails:
            row = self.conn.execute(
                "SELECT customer_id FROM emails WHERE key = ? AND customer_id IS NOT ? LIMIT 1",
                (email.key, exclude_id),
            ).fetchone()
            if row:
                return DuplicateError(
                    _(
                        "email {email} already belongs to customer {row} (use "
                        "--allow-duplicate to add it anyway)"
                    ).format(email=email, row=row[0]),
                    row[0],
                    "email",
                )
        return None

    # -- writes ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self, command: str) -> Iterator[Write]:
        """The write gate: one unit of work (see `custinfo.store.gate`)."""
        from custinfo.store.gate import Write  # here: read-only commands never load the gate

        with self.db.transaction():
            unit = Write(self, command)
            yield unit
            unit.finish()
        for notice in unit.notices if self.on_notice else ():
            self.on_notice(notice)  # type: ignore[misc]

    def add(
        self,
        customer: CustomerInput,
        *,
        source: str = "manual",
        allow_duplicate: bool = False,
        allow_suppressed: bool = False,
        command: str = "add",
    ) -> int:
        """Insert one validated customer; returns its new id."""
        with self.write(command) as w:
            if not allow_suppressed:  # contacts of erased people (see privacy.suppression)
                from custinfo.privacy import suppression

                suppression.check(self.conn, customer.phones, customer.emails)
            if not allow_duplicate and (
                conflict := self.find_conflict(customer.phones, customer.emails)
            ):
                raise conflict
            new_id = w.add_customer(customer, source=source)
        return new_id

    def edit(
        self,
        customer_id: int,
        change: CustomerEdit,
        *,
        allow_duplicate: bool = False,
        allow_suppressed: bool = False,
    ) -> None:
        """Apply validated changes to one customer in one transaction."""
        if not change.changed_fields():
            raise ValidationError(_("nothing to change: give at least one option"))
        for name in change.scalars:
            if name not in SCALAR_FIELDS:
                raise ValidationError(_("unknown field {name!r}").format(name=name), name)
        with self.write("edit") as w:
            customer_id = self.resolve_id(customer_id)
            if not allow_duplicate and (
                conflict := self.find_conflict(change.add_phones, change.add_emails, customer_id)
            ):
                raise conflict
            if not allow_suppressed and (change.add_phones or change.add_emails):
                from custinfo.privacy import suppression

                suppression.check(self.conn, change.add_phones, change.add_emails)
            for phone in change.remove_phones:
                if not w.remove_phone(customer_id, phone):
                    raise ValidationError(
                        _("customer {customer_id} has no phone {phone}").format(
                            customer_id=customer_id, phone=phone
                        ),
                        "phone",
                    )
            for email in change.remove_emails:
                if not w.remove_email(customer_id, email):
                    raise ValidationError(
                        _("customer {customer_id} has no email {email}").format(
                            customer_id=customer_id, email=email
                        ),
                        "email",
                    )
            w.add_phones(customer_id, change.add_phones)
            w.add_emails(customer_id, change.add_emails)
            values: dict[str, str | None] = dict(change.scalars)
            if change.name is not None:
                values["name"] = change.name
            w.update_customer(customer_id, values)
            if change.custom:
                from custinfo.store import fields

                fields.set_values(w, customer_id, change.custom)

    def add_note(self, customer_id: int, text: str, *, at: str | None = None) -> int:
        """Append to the interaction log (a note counts as activity: updated_at moves);
        returns the note's id."""
        from custinfo import validation

        note = validation.normalize_note(text)
        with self.write("note") as w:
            customer_id = self.resolve_id(customer_id)
            note_id = w.add_note(customer_id, note, at=at)
            w.update_customer(customer_id, {})
        return note_id

    def merge(self, keep: int, others: Sequence[int]) -> MergeResult:
        """Merge `others` into `keep`, losing nothing (see `custinfo.store.merge`)."""
        from custinfo.store import merge

        with self.write("merge") as w:
            return merge.merge(w, keep, list(others))

    def unmerge(self, customer_id: int) -> list[int]:
        """Undo the last merge into `customer_id`; returns the restored ids."""
        from custinfo.store import merge

        with self.write("unmerge") as w:
            return merge.unmerge(w, customer_id)


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
