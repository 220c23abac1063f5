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
from typing import Any

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.models import Email, Phone
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


# -- phones -------------------------------------------------------------------------------
# Inputs of only digits, spaces and ( ) . - with at most a leading "+" ("+86 139 1234 5678",
# "139-1234-5678", "+1 (650) 253-0000") parse trivially: the country code is read off a
# leading "+" (calling codes are prefix-free) or is the region's, and the rest is the
# national number. Whenever phonenumbers could do something cleverer (an IDD or national
# prefix, a leading 0, the region's own country code typed without "+", odd lengths) or
# the number is invalid, the full `validation.normalize_phone` decides instead. Validity
# itself is always `phonenumbers.is_valid_number`.
_SIMPLE_PHONE = re.compile(r"\+?[0-9][0-9 ().\-]*[0-9]")
_NOT_DIGIT = re.compile(r"\D")


@lru_cache(maxsize=512)
def _region_info(region: str) -> tuple[int, Any, Any] | None:
    """(country code, international prefix pattern, national prefix pattern) of a region."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.country_code is None:
        return None
    return (
        meta.country_code,
        _pattern(meta.international_prefix),
        _pattern(meta.national_prefix_for_parsing or meta.national_prefix),
    )


@lru_cache(maxsize=512)
def _cc_info(cc: int) -> Any:
    """National prefix pattern of the main region of a calling code (None: none)."""
    import phonenumbers

    region = phonenumbers.region_code_for_country_code(cc)
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
    if meta is None:
        return False
    return _pattern(meta.national_prefix_for_parsing or meta.national_prefix)


def _pattern(text: str | None) -> Any:
    return re.compile(text) if text else None


def phone(raw: str, region: str) -> Phone:
    """Same result (or the same ValidationError) as `validation.normalize_phone`."""
    fast = _fast_phone(raw, region)
    return fast if fast is not None else validation.normalize_phone(raw, region)


def _fast_phone(raw: str, region: str) -> Phone | None:
    text = normalize_text(raw, fold_symbols=True)
    if not _SIMPLE_PHONE.fullmatch(text):
        return None
    digits = _NOT_DIGIT.sub("", text)
    if not 5 <= len(digits) <= 15:
        return None
    if text[0] == "+":
        if digits[0] == "0":
            return None
        cc, nsn = _split_calling_code(digits)
        if cc is None:
            return None
        national = _cc_info(cc)
        if national is False:
            return None
    else:
        info = _region_info(region)
        if info is None:
            return None
        cc, idd, national = info
        if (idd is not None and idd.match(digits)) or digits.startswith(str(cc)):
            return None
        nsn = digits
    if nsn[0] == "0" or len(nsn) < 4 or (national is not None and national.match(nsn)):
        return None
    import phonenumbers

    number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    if not phonenumbers.is_valid_number(number):
        return None
    return Phone(f"+{cc}{nsn}", None)


def _split_calling_code(digits: str) -> tuple[int | None, str]:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for size in (1, 2, 3):
        cc = int(digits[:size])
        if cc in COUNTRY_CODE_TO_REGION_CODE:
            return cc, digits[size:]
    return None, digits
