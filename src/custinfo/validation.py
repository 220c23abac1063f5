"""The validation layer: every value passes through here before it is saved.

Phones become E.164 (extension kept apart), emails their normalised form plus a case-folded
matching key, text is normalised (see `custinfo.text`). Failures raise `ValidationError`
naming the field, the value and the reason. Heavy libraries are imported on first use.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable

from custinfo.errors import ValidationError
from custinfo.i18n import _
from custinfo.models import CustomerInput, Email, Phone
from custinfo.text import fold, has_visible, normalize_multiline, normalize_text

_EXTENSION_WORDS = re.compile(r"\s*(?:转|分机|ext\.?|extension|x|#)\s*(\d{1,7})\s*$", re.I)
_TAG_FORBIDDEN = re.compile(r"[,\x00-\x1f\x7f-\x9f]")
MAX_TEXT = 10_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_region(region: str) -> str:
    """Return the upper-cased ISO 3166 region code, or raise if phonenumbers does not know it."""
    import phonenumbers

    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("unknown region {region!r}: use a two-letter country code like CN").format(
                region=region
            )
        )
    return code


def normalize_phone(raw: str, region: str) -> Phone:
    """Parse a phone as typed (any spacing, full-width digits, 0086, extensions) into E.164."""
    import phonenumbers
    from phonenumbers import NumberParseException, ValidationResult

    text = normalize_text(raw, fold_symbols=True)
    if not text:
        raise ValidationError(_("phone is empty"), "phone")
    ext = None
    match = _EXTENSION_WORDS.search(text)
    if match and len(re.sub(r"\D", "", text[: match.start()])) >= 5:
        ext, text = match.group(1), text[: match.start()]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise ValidationError(
            _("phone {value}: {reason}").format(value=shown(raw), reason=_parse_reason(exc)),
            "phone",
        ) from None
    if not phonenumbers.is_valid_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        why = {
            ValidationResult.TOO_SHORT: _("too short"),
            ValidationResult.TOO_LONG: _("too long"),
            ValidationResult.INVALID_COUNTRY_CODE: _("unknown country code"),
            ValidationResult.INVALID_LENGTH: _("wrong length"),
        }.get(reason, _("not a valid number"))
        where = phonenumbers.region_code_for_number(number)
        if not where:  # invalid numbers have no region: name the one their country code implies
            where = phonenumbers.region_code_for_country_code(number.country_code)
        if not where or where == phonenumbers.UNKNOWN_REGION:
            where = region
        raise ValidationError(
            _("phone {value}: {why} for region {where}").format(
                value=shown(raw), why=why, where=where
            ),
            "phone",
        )
    ext = ext or number.extension or None
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ext)


def _parse_reason(exc: Exception) -> str:
    from phonenumbers import NumberParseException

    assert isinstance(exc, NumberParseException)
    return {
        NumberParseException.INVALID_COUNTRY_CODE: _("unknown country code"),
        NumberParseException.NOT_A_NUMBER: _("not a phone number"),
        NumberParseException.TOO_SHORT_AFTER_IDD: _("too short"),
        NumberParseException.TOO_SHORT_NSN: _("too short"),
        NumberParseException.TOO_LONG: _("too long"),
    }.get(exc.error_type, _("not a phone number"))


def parse_stored_phone(value: str) -> Phone:
    """Split a stored display form ("+861012345678 ext. 23") back into a Phone."""
    number, _sep, ext = value.partition(" ext. ")
    return Phone(number, ext or None)


def normalize_email(raw: str) -> Email:
    """Validate syntax (no network) and return the normalised address and its matching key."""
    from email_validator import EmailNotValidError, validate_email

    text = normalize_text(raw, fold_symbols=True)
    if not text:
        raise ValidationError(_("email is empty"), "email")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("email {value}: {exc}").format(value=shown(raw), exc=exc), "email"
        ) from None
    return Email(result.normalized, email_key(result.normalized))


def email_key(normalized: str) -> str:
    """Case-folded form used for matching and duplicate detection."""
    return normalized.casefold()


def normalize_name(raw: str) -> str:
    name = normalize_text(raw)
    if not name:
        raise ValidationError(_("name must not be empty"), "name")
    _check_visible(name, "name")
    _check_length(name, "name")
    return name


def normalize_optional(raw: str | None, field: str, multiline: bool = False) -> str | None:
    """Normalise an optional text field; empty means 'no value' (None)."""
    if raw is None:
        return None
    value = normalize_multiline(raw) if multiline else normalize_text(raw)
    if value:
        _check_visible(value, field)
    _check_length(value, field)
    return value or None


def _check_visible(value: str, field: str) -> None:
    """Text must show at least one character (not only zero-width or blank ones)."""
    first = value[0]  # a Latin letter or digit, or a CJK ideograph: seen (the usual case)
    if "0" <= first <= "z" or "\u4e00" <= first <= "\u9fff":
        return
    if not has_visible(value):
        raise ValidationError(
            _("{field} {value}: has no visible character").format(field=field, value=shown(value)),
            field,
        )


def shown(value: str, limit: int = 80) -> str:
    """`value` quoted for a message, cut at `limit` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def normalize_birthday(raw: str | None, order: str | None = None) -> str | None:
    """A birthday as stored: YYYY-MM-DD (a real date, not in the future), or --MM-DD
    without a year; empty means none. `order` (an import's day/month order, see
    `custinfo.dates`) also admits the forms contact files write."""
    if raw is None or not raw.strip():
        return None
    from custinfo import dates

    text = normalize_text(raw, fold_symbols=True)  # full-width digits and dashes too
    if _ISO_DATE.fullmatch(text):  # the common case, quickly
        try:
            day = _dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                _("birthday {value}: {reason}").format(value=shown(raw), reason=_(dates.EXPECTED)),
                "birthday",
            ) from None
        if day > _dt.date.today():
            raise ValidationError(
                _("birthday {value}: is in the future").format(value=shown(raw)), "birthday"
            )
        return text
    if order is None and not re.fullmatch(r"--\d\d-?\d\d", text):
        raise ValidationError(
            _("birthday {value}: {reason}").format(value=shown(raw), reason=_(dates.EXPECTED)),
            "birthday",
        )
    try:
        value = dates.birthday(text, order)
    except ValueError as exc:
        raise ValidationError(
            _("birthday {value}: {exc}").format(value=shown(raw), exc=exc), "birthday"
        ) from None
    if value and not dates.is_yearless(value) and value > _dt.date.today().isoformat():
        raise ValidationError(
            _("birthday {value}: is in the future").format(value=shown(raw)), "birthday"
        )
    return value


def normalize_tag(raw: str) -> str:
    """Tags: any Unicode text without commas or control characters; case kept as given."""
    if _TAG_FORBIDDEN.search(raw):
        raise ValidationError(
            _("tag {value}: must not contain commas or control characters").format(
                value=shown(raw)
            ),
            "tag",
        )
    tag = normalize_text(raw)
    if not tag:
        raise ValidationError(_("tag must not be empty"), "tag")
    _check_visible(tag, "tag")
    if len(tag) > 100:
        raise ValidationError(
            _("tag {tag!r}…: longer than 100 characters").format(tag=tag[:20]), "tag"
        )
    return tag


def tag_key(tag: str) -> str:
    """Case-insensitive matching key of a tag."""
    return fold(tag)


def normalize_note(raw: str) -> str:
    note = normalize_multiline(raw)
    if not note:
        raise ValidationError(_("note must not be empty"), "note")
    _check_visible(note, "note")
    _check_length(note, "note")
    return note


def _check_length(value: str, field: str) -> None:
    if len(value) > MAX_TEXT:
        raise ValidationError(
            _("{field} is longer than {MAX_TEXT} characters").format(
                field=field, MAX_TEXT=MAX_TEXT
            ),
            field,
        )


def unique_phones(raws: Iterable[str], region: str) -> list[Phone]:
    """Normalise phones, dropping repeats of the same number and extension."""
    seen: dict[tuple[str, str | None], Phone] = {}
    for raw in raws:
        phone = normalize_phone(raw, region)
        seen.setdefault((phone.e164, phone.ext), phone)
    return list(seen.values())


def unique_emails(raws: Iterable[str]) -> list[Email]:
    """Normalise emails, dropping repeats that differ only in case."""
    seen: dict[str, Email] = {}
    for raw in raws:
        email = normalize_email(raw)
        seen.setdefault(email.key, email)
    return list(seen.values())


def unique_tags(raws: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in raws:
        tag = normalize_tag(raw)
        seen.setdefault(tag_key(tag), tag)
    return list(seen.values())


def customer_input(
    *,
    name: str,
    region: str,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    company: str | None = None,
    address: str | None = None,
    city: str | None = None,
    birthday: str | None = None,
    tags: Iterable[str] = (),
    notes: Iterable[str] = (),
) -> CustomerInput:
    """Validate and normalise every field of a new customer (raises on the first bad value)."""
    return CustomerInput(
        name=normalize_name(name),
        phones=unique_phones(phones, region),
        emails=unique_emails(emails),
        company=normalize_optional(company, "company"),
        address=normalize_optional(address, "address"),
        city=normalize_optional(city, "city"),
        birthday=normalize_birthday(birthday),
        tags=unique_tags(tags),
        notes=[normalize_note(n) for n in notes if n and n.strip()],
    )
