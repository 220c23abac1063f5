"""The synthetic record, its flat forms (CSV row, field dict) and its label vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SynthCustomer:
    """One synthetic customer record (raw, as a person would type it) plus labels."""

    name: str
    phones: list[str]
    emails: list[str]
    company: str | None
    address: str | None
    city: str | None
    birthday: str | None
    tags: list[str]
    notes: list[str]
    cluster: int
    locale: str
    corruption: list[str] = field(default_factory=list)


#: Columns of `csv_row`: a spreadsheet as owners bring it (the benchmarks and tests use it).
CSV_HEADER = ["name", "phone", "email", "company", "address", "city", "birthday", "tags", "notes"]


def csv_row(c: SynthCustomer) -> list[str]:
    """The customer as one row under CSV_HEADER: several phones or emails in one cell
    separated by "; ", tags by ", ", notes one per line."""
    return [
        c.name, "; ".join(c.phones), "; ".join(c.emails), c.company or "", c.address or "",
        c.city or "", c.birthday or "", ", ".join(c.tags), "\n".join(c.notes),
    ]  # fmt: skip


def to_fields(c: SynthCustomer) -> dict:
    """Plain dict of the customer fields (no cluster/locale/corruption labels)."""
    return {
        "name": c.name,
        "phones": list(c.phones),
        "emails": list(c.emails),
        "company": c.company,
        "address": c.address,
        "city": c.city,
        "birthday": c.birthday,
        "tags": list(c.tags),
        "notes": list(c.notes),
    }


#: Every corruption name that can appear in ``SynthCustomer.corruption``.
CORRUPTIONS: tuple[str, ...] = (
    "typo_name",
    "swap_name_order",
    "pinyin_name",
    "romanized_name",
    "case_name",
    "extra_whitespace",
    "phone_format",
    "email_case",
    "drop_phone",
    "drop_email",
    "drop_company",
    "drop_address",
    "drop_birthday",
    "moved_address",
    "address_abbrev",
    "company_suffix",
)

#: Locale mix of *people* (duplicates follow their original).
LOCALE_WEIGHTS: dict[str, int] = {
    "zh_CN": 60,
    "en_US": 25,
    "en_GB": 4,
    "de_DE": 3,
    "fr_FR": 3,
    "ja_JP": 3,
    "zh_TW": 2,
}
