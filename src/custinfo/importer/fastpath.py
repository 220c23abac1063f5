"""Fast paths for bulk validation that return exactly what `custinfo.validation` returns.

Email: for the common address shape (a plain ASCII dot-atom local part, well inside every
length limit), email-validator's result is the local part unchanged plus the normalised
domain, and the domain's normalisation does not depend on the local part. So the domain is
validated once through `validation.normalize_email` (cached per domain) and reused.
Anything else, and every failure, goes through the full `validation.normalize_email`, so
error messages are the same too. `tests/test_import_fastpath.py` checks the equivalence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.models import Email
from custinfo.text import normalize_text

_ATEXT = r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# Local parts email-validator lower-cases (RFC 2142 role mailboxes): always the slow path.
_ROLE = frozenset(
    ("abuse", "hostmaster", "info", "marketing", "noc", "postmaster", "sales", "security",
     "support", "webmaster", "www", "uucp", "ftp", "news", "usenet")
)  # fmt: skip


@lru_cache(maxsize=1)
def _roles() -> frozenset[str]:
    try:
        from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
    except ImportError:  # pragma: no cover - other email-validator versions
        return _ROLE
    return _ROLE | frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """The normalised form of a valid domain, or None (then the slow path reports why)."""
    try:
        return validation.normalize_email("x@" + domain).address.partition("@")[2]
    except ValidationError:
        return None


def email(raw: str) -> Email:
    """Same result (or the same ValidationError) as `validation.normalize_email(raw)`."""
    text = normalize_text(raw, fold_symbols=True)
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(text) <= 200
        and len(local) <= 64
        and _DOT_ATOM.fullmatch(local)
        and local.lower() not in _roles()
        and domain.isascii()
    ):
        normalized_domain = _domain(domain)
        if normalized_domain is not None:
            address = f"{local}@{normalized_domain}"
            return Email(address, validation.email_key(address))
    return validation.normalize_email(raw)
