"""The suppression list: keyed HMACs of erased people's phones and emails.

After a purge (unless `--no-suppress`), each normalised phone (E.164, extension ignored) and
email key of the erased person is kept only as HMAC-SHA256 under a random key stored in the
`meta` table inside the encrypted database. A later `add` or import of the same contact is
refused unless explicitly allowed. Without the database key the HMACs cannot be tested
against guessed phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from custinfo.errors import SuppressedError
from custinfo.i18n import N_, _
from custinfo.models import Email, Phone

if TYPE_CHECKING:
    from custinfo.store import Store

ALLOW_HINT = N_("use --allow-suppressed to add it anyway")
IN_MEMORY_MAX = 2_000_000


def key(conn: Any) -> bytes:
    """This database's HMAC key (created by migration v4)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'suppression_key'").fetchone()
    if row is None:  # pragma: no cover - migration v4 always creates it
        raise RuntimeError("database has no suppression key")
    return bytes.fromhex(row[0])


def digest(hkey: bytes, kind: str, value: str) -> bytes:
    """HMAC-SHA256 of one normalised contact ('phone' → E.164, 'email' → email key)."""
    return hmac.new(hkey, f"{kind}:{value}".encode(), hashlib.sha256).digest()


def phone_digest(hkey: bytes, phone: Phone) -> bytes:
    return digest(hkey, "phone", phone.e164)


def email_digest(hkey: bytes, email: Email) -> bytes:
    return digest(hkey, "email", email.key)


class Checker:
    """Checks contacts against the suppression list; build once, call per row (imports)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.hkey = key(conn)
        count = conn.execute("SELECT count(*) FROM suppressed").fetchone()[0]
        self.empty = count == 0
        # Held in memory (32 bytes each) unless huge: a bulk import then costs one HMAC per
        # contact and a set lookup, not a query.
        self.known: set[bytes] | None = None
        if 0 < count <= IN_MEMORY_MAX:
            self.known = {r[0] for r in conn.execute("SELECT hmac FROM suppressed")}

    def _hit(self, value: bytes) -> bool:
        if self.known is not None:
            return value in self.known
        row = self.conn.execute("SELECT 1 FROM suppressed WHERE hmac = ?", (value,)).fetchone()
        return row is not None

    def refusal(self, phones: Iterable[Phone], emails: Iterable[Email]) -> SuppressedError | None:
        """The error for the first suppressed phone or email, or None."""
        if self.empty:
            return None
        for phone in phones:
            if self._hit(phone_digest(self.hkey, phone)):
                return SuppressedError(
                    _(
                        "phone {phone} belongs to an erased person and is suppressed ({ALLOW_HINT})"
                    ).format(phone=phone, ALLOW_HINT=_(ALLOW_HINT)),
                    "phone",
                )
        for email in emails:
            if self._hit(email_digest(self.hkey, email)):
                return SuppressedError(
                    _(
                        "email {email} belongs to an erased person and is suppressed ({ALLOW_HINT})"
                    ).format(email=email, ALLOW_HINT=_(ALLOW_HINT)),
                    "email",
                )
        return None

    def check(self, phones: Iterable[Phone], emails: Iterable[Email]) -> None:
        """Raise SuppressedError (exit 2) if any contact is suppressed."""
        if error := self.refusal(phones, emails):
            raise error


def check(conn: Any, phones: Iterable[Phone], emails: Iterable[Email]) -> None:
    """One-off check (for `add`); bulk paths should build one `Checker`."""
    Checker(conn).check(phones, emails)


def counts(store: Store) -> dict[str, int]:
    """How many phones and emails are suppressed (never which)."""
    found = dict(
        store.conn.execute("SELECT kind, count(*) FROM suppressed GROUP BY kind").fetchall()
    )
    return {"phones": found.get("phone", 0), "emails": found.get("email", 0)}


def matching_customers(store: Store) -> list[int]:
    """Ids of live customers holding a suppressed phone or email (e.g. added with
    --allow-suppressed, or present in a restored backup under another record)."""
    conn = store.conn
    if conn.execute("SELECT 1 FROM suppressed LIMIT 1").fetchone() is None:
        return []
    hkey = key(conn)
    found: set[int] = set()
    suppressed = {r[0] for r in conn.execute("SELECT hmac FROM suppressed")}
    for cid, e164 in conn.execute("SELECT customer_id, e164 FROM phones"):
        if digest(hkey, "phone", e164) in suppressed:
            found.add(cid)
    for cid, ekey in conn.execute("SELECT customer_id, key FROM emails"):
        if digest(hkey, "email", ekey) in suppressed:
            found.add(cid)
    return sorted(found)
