"""Fast paths for bulk validation that return exactly what `custinfo.validation` returns.

Email: for the common address shape (a plain ASCII dot-atom local part, well inside every
length limit), email-validator's result is the local part unchanged plus the normalised
domain, and the domain's normalisation does not depend on the local part. So the domain is
validated once through `validation.normalize_email` (cached per domain) and reused.
Anything else, and every failure, goes through the full `validation.normalize_email`, so
error messages are the same too.

Phone: the inputs people usually type (digits and separators, "+", an IDD or national
prefix, an extension) are parsed by re-stating what `phonenumbers.parse` does on them and
validated by `is_valid_number` precompiled per region and length (see the comment below);
anything else, and every invalid number, goes through the full `validation.normalize_phone`.

`tests/test_import_fastpath.py` checks the equivalence (hypothesis over typed phones and
random strings, every region's example numbers, phonenumbers' own helpers, synthetic data).
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
# Inputs of digits, spaces and ( ) . - with at most one leading "+" (and optionally an
# extension the validation layer splits off: "转 8", "ext. 12", "x3") go through an exact
# re-enactment of the branches `phonenumbers.parse` takes on such strings: "+" or the
# region's international prefix (0086, 001) then the calling code; else the region's own
# calling code typed without "+"; then the national prefix or carrier code ("0755…",
# "17951…"; see `_Plan`, which reuses phonenumbers' `_test_number_length`, cached per
# length). Any input the re-enactment does not cover, any step where phonenumbers would
# raise, and every number that is not valid, goes to the full `validation.normalize_phone`,
# so failures (and their messages) are always the validation layer's own.
#
# Validity is `phonenumbers.is_valid_number` re-stated over the metadata (see `_Validity`):
# the region is picked exactly as `region_code_for_number` does (leading digits, else the
# first region whose types match), and a region's test is "matches general_desc and at
# least one number type's desc", each desc honouring its possible lengths, compiled into
# one regex per national number length.
#
# parse drops what comes before the first digit or "+", and non-digits at the end.
_SIMPLE_PHONE = re.compile(r"[ (.\-]*(\+?)[ (.\-]*[0-9][0-9 ().\-]*")
_EXTENSION_WORDS = validation._EXTENSION_WORDS
_NOT_DIGIT = re.compile(r"\D")
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN
_MAX_INPUT = 250  # phonenumbers' _MAX_INPUT_STRING_LENGTH: parse raises beyond it


def phone(raw: str, region: str) -> Phone:
    """Same result (or the same ValidationError) as `validation.normalize_phone`."""
    fast = _fast_phone(raw, region)
    return fast if fast is not None else validation.normalize_phone(raw, region)


def _fast_phone(raw: str, region: str) -> Phone | None:
    text = normalize_text(raw, fold_symbols=True)
    ext = None
    simple = _SIMPLE_PHONE.fullmatch(text)
    if simple is None:
        match = _EXTENSION_WORDS.search(text)
        if match is None or len(_NOT_DIGIT.sub("", text[: match.start()])) < 5:
            return None
        ext, text = match.group(1), text[: match.start()]
        simple = _SIMPLE_PHONE.fullmatch(text)
        if simple is None:
            return None
    # Only ASCII digits and " ().-+" are left (cheaper than a regex substitution).
    digits = (
        text.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
        .replace(".", "").replace("+", "")
    )  # fmt: skip
    if not 5 <= len(digits) <= 20 or len(text) > _MAX_INPUT:
        return None
    parsed = _parse(digits, bool(simple.group(1)), region)
    if parsed is None:
        return None
    cc, nsn = parsed
    valid = _VALID.get(cc)
    if valid is None:
        valid = _VALID[cc] = _validity_for(cc)
    if valid is False or not valid(nsn):
        return None
    return Phone(f"+{cc}{nsn}", ext)


def _parse(digits: str, plus: bool, region: str) -> tuple[int, str] | None:
    """(calling code, national significant number) exactly as `phonenumbers.parse` finds them
    for this input, or None where it would raise or the case is not covered."""
    info = _REGIONS.get(region)
    if info is None:
        info = _REGIONS[region] = _region_info(region)
    if info is False:
        return None
    own, idd = info
    if plus:
        full: str | None = digits
    else:
        found = idd.match(digits) if idd is not None else None
        if found is not None and digits[found.end() : found.end() + 1] != "0":
            full = digits[found.end() :]
        else:
            full = None
    if full is not None:  # after "+" or an international prefix: the calling code follows
        if len(full) <= _MIN_NSN or full[0] == "0":
            return None
        cc, nsn = _split_calling_code(full)
        if cc is None:
            return None
        plan = _plan_for(cc, region)
    else:
        plan, cc, nsn = own, own.cc, digits
        if digits.startswith(own.cc_text):  # the region's own calling code without "+"?
            rest = own.strip(digits[len(own.cc_text) :])
            if rest is None:
                return None
            if (not own.general_match(digits) and own.general_match(rest)) or own.too_long(digits):
                plan, nsn = _plan_for(cc, region), rest
    if plan is None or len(nsn) < _MIN_NSN:
        return None
    if plan.national is not None and plan.national.match(nsn):
        stripped = plan.strip(nsn)
        if stripped is None:
            return None
        if plan.keeps_stripped(stripped):
            nsn = stripped
    if not _MIN_NSN <= len(nsn) <= _MAX_NSN or nsn[0] == "0":
        return None  # too short/long (parse raises), or leading zeros ("Italian" numbers)
    return cc, nsn


class _Plan:
    """What `parse` does with one region's metadata after the calling code: the national
    prefix / carrier code step (`_maybe_strip_national_prefix_carrier_code`) and the length
    test (`_test_number_length`) that decides whether the stripped number is kept."""

    def __init__(self, meta: Any) -> None:
        from phonenumbers import phonenumberutil

        self.meta = meta
        self.cc: int = meta.country_code
        self.cc_text = str(meta.country_code)
        self.national = _pattern(meta.national_prefix_for_parsing)
        self.transform = meta.national_prefix_transform_rule or None
        general = meta.general_desc
        self.general = _pattern(general.national_number_pattern if general else None)
        self._lengths: dict[int, Any] = {}
        self._test_length = phonenumberutil._test_number_length
        result = phonenumberutil.ValidationResult
        self._too_long = result.TOO_LONG
        self._keep = (result.TOO_SHORT, result.IS_POSSIBLE_LOCAL_ONLY, result.INVALID_LENGTH)

    def general_match(self, number: str) -> bool:
        """`_match_national_number(number, general_desc, False)`."""
        return self.general is not None and self.general.fullmatch(number) is not None

    def strip(self, number: str) -> str | None:
        """The number after `_maybe_strip_national_prefix_carrier_code` (None: not covered)."""
        if not number or self.national is None:
            return number
        found = self.national.match(number)
        if found is None:
            return number
        viable = self.general_match(number)
        groups = found.groups()
        if self.transform is not None and not groups:
            return None  # phonenumbers fails here (IndexError); let it
        if self.transform is None or groups[-1] is None:
            rest = number[found.end() :]
        else:
            rest = self.national.sub(self.transform, number, count=1)
        return number if viable and not self.general_match(rest) else rest

    def _length(self, number: str) -> Any:
        size = len(number)
        if size not in self._lengths:  # depends on the length only
            self._lengths[size] = self._test_length(number, self.meta)
        return self._lengths[size]

    def too_long(self, number: str) -> bool:
        return self._length(number) == self._too_long

    def keeps_stripped(self, stripped: str) -> bool:
        return self._length(stripped) not in self._keep


_REGIONS: dict[str, Any] = {}  # default region -> (_Plan, international prefix) or False
_PLANS: dict[tuple[int, str], _Plan | None] = {}


def _region_info(region: str) -> tuple[_Plan, Any] | bool:
    import phonenumbers
    from phonenumbers import phonenumberutil

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.country_code is None:
        return False
    if not hasattr(phonenumberutil, "_test_number_length"):  # another phonenumbers: no fast path
        return False
    return _plan(meta), _pattern(meta.international_prefix)


def _plan_for(cc: int, region: str) -> _Plan | None:
    """The plan for the metadata `parse` switches to once it has a calling code."""
    key = (cc, region)
    if key not in _PLANS:
        import phonenumbers

        number_region = phonenumbers.region_code_for_country_code(cc)
        if number_region == region:
            meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
        else:
            meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, number_region)
        _PLANS[key] = None if meta is None else _plan(meta)
    return _PLANS[key]


_BY_METADATA: dict[int, _Plan] = {}  # id(metadata) -> plan (which keeps the metadata alive)


def _plan(meta: Any) -> _Plan:
    plan = _BY_METADATA.get(id(meta))
    if plan is None:
        plan = _BY_METADATA[id(meta)] = _Plan(meta)
    return plan


def _pattern(text: str | None) -> Any:
    return re.compile(text) if text else None


_CALLING_CODES: frozenset[int] = frozenset()


def _split_calling_code(digits: str) -> tuple[int | None, str]:
    """`phonenumbers`' `_extract_country_code` (calling codes are prefix-free)."""
    global _CALLING_CODES
    if not _CALLING_CODES:
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

        _CALLING_CODES = frozenset(COUNTRY_CODE_TO_REGION_CODE)
    for size in (1, 2, 3):
        cc = int(digits[:size])
        if cc in _CALLING_CODES:
            return cc, digits[size:]
    return None, digits


# -- validity -------------------------------------------------------------------------------
_TYPES = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line", "mobile",
)  # fmt: skip
_VALID: dict[int, Any] = {}  # calling code -> test of a national number, or False (no fast path)


class _Validity:
    """`_number_type_helper(nsn, meta) != UNKNOWN` of one region's metadata, per length."""

    __slots__ = ("by_length", "meta")

    def __init__(self, meta: Any) -> None:
        self.meta = meta
        self.by_length: dict[int, Any] = {}

    def __call__(self, nsn: str) -> bool:
        size = len(nsn)
        test = self.by_length.get(size)
        if test is None:
            test = self.by_length[size] = self._compile(size)
        return test is not False and test.fullmatch(nsn) is not None

    def _compile(self, size: int) -> Any:
        meta = self.meta
        general = meta.general_desc
        if not _desc_allows(general, size):
            return False
        types = [
            getattr(meta, name)
            for name in _TYPES
            if not (name == "mobile" and meta.same_mobile_and_fixed_line_pattern)
        ]
        alternatives = [f"(?:{d.national_number_pattern})" for d in types if _desc_allows(d, size)]
        if not alternatives:
            return False
        return re.compile(
            f"(?=(?:{general.national_number_pattern})\\Z)(?:{'|'.join(alternatives)})"
        )


def _desc_allows(desc: Any, size: int) -> bool:
    """Whether `_is_number_matching_desc` can be true for this length (then: the pattern)."""
    return (
        desc is not None
        and bool(desc.national_number_pattern)
        and (not desc.possible_length or size in desc.possible_length)
    )


def _validity_for(cc: int) -> Any:
    """A test equal to `is_valid_number` for numbers with this calling code, or False."""
    import phonenumbers

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if not regions or phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY in regions:
        return False
    choices = []
    for region in regions:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        if meta is None:
            continue
        if phonenumbers.country_code_for_valid_region(region) != cc:
            return False
        leading = re.compile(meta.leading_digits) if meta.leading_digits is not None else None
        choices.append((leading, _Validity(meta)))
    if len(regions) == 1:
        return choices[0][1] if choices else False

    def valid(nsn: str) -> bool:  # region_code_for_number, then is_valid_number_for_region
        for leading, test in choices:
            if leading is not None:
                if leading.match(nsn):
                    return test(nsn)
            elif test(nsn):
                return True
        return False

    return valid
