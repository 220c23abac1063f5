"""Order import, part three: each order's buyer found (or created) by normalised phone,
email or customer id, with every lookup cached per value (see `importer.order_load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custinfo.errors import ValidationError
from custinfo.importer.orders import Candidate

if TYPE_CHECKING:
    from custinfo.importer.order_load import OrderImportOptions, OrderSummary
    from custinfo.store.gate import Write

NONE = 0  # cached: no customer has this key
_BY_PHONE = "SELECT e164, min(customer_id) FROM phones WHERE e164 IN ({}) GROUP BY e164"


class Buyers:
    """Finds (or creates) each order's customer, with every lookup cached per value."""

    def __init__(self, store: Any, options: OrderImportOptions, summary: OrderSummary) -> None:
        self.store = store
        self.options = options
        self.summary = summary
        self.region = options.region
        self.phones: dict[str, Any] = {}  # raw cell -> e164 | ValidationError
        self.emails: dict[str, Any] = {}  # raw cell -> Email | ValidationError
        self.by_phone: dict[str, int] = {}  # e164 -> customer id (or NONE)
        self.by_email: dict[str, int] = {}  # key -> customer id (or NONE)
        self.by_id: dict[int, int] = {}  # id -> live id (or NONE)
        self.checker: Any = None
        #: A row without a customer id is matched by its phone first (`find`).
        self.phone_first = options.match in ("auto", "phone")

    def phone_ids(self, w: Write, keys: list[str]) -> list[int | None]:
        """The customer id of each E.164 key (NONE: nobody; None: the key is "")."""
        wanted = set(keys).difference(self.by_phone)
        wanted.discard("")
        if wanted:
            _lookup(w.conn, _BY_PHONE, wanted, self.by_phone)
        return list(map(self.by_phone.get, keys))

    def _phone(self, raw: str) -> Any:
        found = self.phones.get(raw)
        if found is None:
            from custinfo.importer import fastpath

            try:
                found = fastpath.phone(raw, self.region)
            except ValidationError as exc:
                found = exc
            self.phones[raw] = found
        return found

    def _email(self, raw: str) -> Any:
        found = self.emails.get(raw)
        if found is None:
            from custinfo.importer import fastpath

            try:
                found = fastpath.email(raw)
            except ValidationError as exc:
                found = exc
            self.emails[raw] = found
        return found

    def prefetch(self, w: Write, rows: list[Candidate]) -> None:
        """Look up, in a few queries, every key of `rows` not cached yet."""
        mode = self.options.match
        phones, emails, ids = set(), set(), set()
        for c in rows:
            if c.customer_id and mode in ("auto", "id"):
                if c.customer_id.strip().isdigit():
                    ids.add(int(c.customer_id))
                if mode == "id":
                    continue
            if c.e164 and self.phone_first:  # normalised by a worker
                if c.e164 not in self.by_phone:
                    phones.add(c.e164)
            elif c.phone and self.phone_first:
                phone = self._phone(c.phone)
                if not isinstance(phone, Exception) and phone.e164 not in self.by_phone:
                    phones.add(phone.e164)
            if c.email and mode in ("auto", "email"):
                email = self._email(c.email)
                if not isinstance(email, Exception) and email.key not in self.by_email:
                    emails.add(email.key)
        conn = w.conn  # reads only
        _lookup(conn, _BY_PHONE, phones, self.by_phone)
        _lookup(conn, "SELECT key, min(customer_id) FROM emails WHERE key IN ({}) GROUP BY key",
                emails, self.by_email)  # fmt: skip
        ids -= self.by_id.keys()
        _lookup(conn, "SELECT id, id FROM customers WHERE id IN ({})", ids, self.by_id)
        for old in [i for i in ids if self.by_id[i] == NONE]:
            keep = self.store.merged_into(old)
            self.by_id[old] = keep or NONE

    def find(self, w: Write, c: Candidate, *, create: bool) -> int:
        """The buyer's customer id; ValidationError (with the column) if there is none."""
        mode = self.options.match
        if c.customer_id and mode in ("auto", "id"):
            text = c.customer_id.strip()
            if not text.isdigit():
                raise ValidationError(f"customer id {c.customer_id!r}: not a number", "customer_id")
            found = self.by_id.get(int(text), NONE)
            if found == NONE:
                raise ValidationError(f"no customer with id {text}", "customer_id")
            return found
        if mode == "id":
            raise ValidationError("no customer id", "customer_id")
        phone = self._phone(c.phone) if c.phone and mode in ("auto", "phone") else None
        email = self._email(c.email) if c.email and mode in ("auto", "email") else None
        valid_phone = phone if phone is not None and not isinstance(phone, Exception) else None
        valid_email = email if email is not None and not isinstance(email, Exception) else None
        if valid_phone is not None and self.by_phone.get(valid_phone.e164, NONE) != NONE:
            return self.by_phone[valid_phone.e164]
        if valid_email is not None and self.by_email.get(valid_email.key, NONE) != NONE:
            return self.by_email[valid_email.key]
        for bad, column in ((phone, "phone"), (email, "email")):
            if isinstance(bad, ValidationError) and not (valid_phone or valid_email):
                raise ValidationError(str(bad), column)
        if valid_phone is None and valid_email is None:
            wanted = {"auto": "phone or email", "phone": "phone", "email": "email"}[mode]
            raise ValidationError(
                f"no buyer {wanted} to match", mode if mode != "auto" else "phone"
            )
        if not self.options.create_missing:
            what = f"phone {valid_phone}" if valid_phone else f"email {valid_email}"
            raise ValidationError(
                f"no customer with {what} (use --create-missing to add buyers)",
                "phone" if valid_phone else "email",
            )
        if not create:
            return NONE  # all-or-nothing already lost: nothing more is written
        return self._create(w, c, valid_phone, valid_email)

    def _create(self, w: Write, c: Candidate, phone: Any, email: Any) -> int:
        from custinfo import validation
        from custinfo.models import CustomerInput

        if self.checker is None:
            from custinfo.privacy.suppression import Checker

            self.checker = Checker(w.conn)
        phones, emails = [phone] if phone else [], [email] if email else []
        refusal = None if self.checker.empty else self.checker.refusal(phones, emails)
        if refusal is not None:
            raise ValidationError(str(refusal), refusal.field or "phone")
        name = validation.normalize_name(c.name or str(phone or email))
        customer = CustomerInput(
            name=name, phones=phones, emails=emails,
            address=validation.normalize_optional(c.address or None, "address"),
            city=validation.normalize_optional(c.city or None, "city"),
        )  # fmt: skip
        new_id = w.add_customer(customer, source=f"import:{self.options.source_name}")
        if phone:
            self.by_phone[phone.e164] = new_id
        if email:
            self.by_email[email.key] = new_id
        self.summary.created += 1
        return new_id


def _lookup(conn: Any, sql: str, keys: set[Any], into: dict[Any, int]) -> None:
    """Fill `into` with key -> value for `keys` (missing keys: NONE), 500 at a time."""
    wanted = sorted(keys)
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        for key in part:
            into[key] = NONE
        for key, value in conn.execute(sql.format(",".join("?" * len(part))), part):
            into[key] = value
