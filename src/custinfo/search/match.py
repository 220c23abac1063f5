"""What a query's parts mean: phone- and email-shaped text, phone and email matches, and
the FTS5 terms a word needs (dates and durations: `custinfo.times`)."""

from __future__ import annotations

import re

from custinfo.errors import ValidationError
from custinfo.i18n import _
from custinfo.search.index import runs
from custinfo.text import normalize_text

_PHONE_SHAPED = re.compile(r"\+?[\d\s\-().]+")
_TRAILING_DIGITS = re.compile(r"(\d[\d\s\-().]*)$")
_MIN_SUFFIX = 4


def is_email_shaped(text: str) -> bool:
    return "@" in text and not any(ch.isspace() for ch in text.strip())


def is_phone_shaped(text: str) -> bool:
    folded = normalize_text(text, fold_symbols=True)
    return bool(_PHONE_SHAPED.fullmatch(folded)) and sum(ch.isdigit() for ch in folded) >= 4


def phone_match(raw: str, region: str) -> tuple[str, str]:
    """('exact', e164) for a valid phone, else ('suffix', digits) for >= 4 trailing digits."""
    from custinfo.validation import normalize_phone

    try:
        return "exact", normalize_phone(raw, region).e164
    except ValidationError:
        pass
    folded = normalize_text(raw, fold_symbols=True)
    match = _TRAILING_DIGITS.search(folded)
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    if len(digits) < _MIN_SUFFIX:
        raise ValidationError(
            _(
                "phone {raw!r}: not a valid phone number, and fewer than "
                "{MIN_SUFFIX} trailing digits to match the end of one"
            ).format(raw=raw, MIN_SUFFIX=_MIN_SUFFIX),
            "phone",
        )
    return "suffix", digits


def email_match(raw: str) -> tuple[str, str]:
    """('exact'|'prefix'|'suffix', key) for an email filter (see docs/search.md)."""
    key = normalize_text(raw, fold_symbols=True).casefold()
    if not key or key == "@":
        raise ValidationError(_("email filter is empty"), "email")
    local, at, domain = key.partition("@")
    if at and local and domain:
        return "exact", key
    if at and not local:
        return "suffix", key  # "@example.com": everyone at that domain
    if at:
        return "prefix", key  # "wang@": that local part at any domain
    if "." in key:
        return "suffix", key  # "example.com": the end of the address
    return "prefix", key


def fts_terms(word: str) -> list[str]:
    """FTS5 terms that every document containing `word` (folded) must contain."""
    terms = []
    parts = runs(word)
    if any(len(run) > 1 for run in parts):
        parts = [run for run in parts if len(run) > 1]  # "x"* alone would match too much
    for run in parts:
        if len(run) >= 3:
            terms += [quote(run[i : i + 3]) for i in range(len(run) - 2)]
        else:
            terms.append(quote(run) + "*")
    return terms


def quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'
