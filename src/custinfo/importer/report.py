"""What an import tells the owner: the mapping before it starts, and what it assumed.

- `mapping_lines`: each field with the columns it comes from (and the label or group a
  column implies), then the columns kept as notes and those ignored; grouped, one line a
  field, so a Google or Outlook export's 60 columns read at a glance.
- `date_order`: the file's day/month order for `N/N/YYYY` dates, resolved from the first
  rows (`custinfo.dates.resolve_order`) unless `--date-order` names it.
- `summary_notes`: numbers read without a country code (never silent: "12 numbers
  without a country code were read as CN numbers"), how dates were read, vCard photos
  skipped, rows already present.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from custinfo import dates
from custinfo.errors import UsageError
from custinfo.i18n import _, plural
from custinfo.importer.contacts import ADDRESS_PARTS, Column
from custinfo.text import width_of

#: How fields are shown in the mapping, in this order.
_SHOWN = {
    "name": "name", "first_name": "name", "middle_name": "name", "last_name": "name",
    "phone": "phones", "phone_label": "phones", "email": "emails", "email_label": "emails",
    "company": "company", "address": "address", "address_extra": "address",
    "address_formatted": "address", "district": "address", "region": "address",
    "postal_code": "address", "country": "address", "city": "city",
    "birthday": "birthday", "wechat": "wechat", "qq": "qq", "im": "wechat/qq",
    "im_service": "wechat/qq", "tags": "tags", "attribute": "tags", "custom_label": "tags",
    "custom_value": "tags", "notes": "notes", "created_at": "created_at",
    "updated_at": "updated_at",
}  # fmt: skip
_ORDER = ("name", "phones", "emails", "company", "address", "city", "birthday", "wechat",
          "qq", "wechat/qq", "tags", "notes", "created_at", "updated_at")  # fmt: skip


def take(records: Iterator[Any], count: int) -> list[Any]:
    return list(islice(records, count))


def mapping_lines(header: list[str], cols: list[Column]) -> list[str]:
    """The mapping, grouped by field (see the module docstring)."""
    by_field: dict[str, list[str]] = {}
    noted: list[str] = []
    ignored: list[str] = []
    for name, col in zip(header, cols, strict=True):
        shown = repr(name)
        if col.field is None:
            noted.append(shown)
            continue
        if col.field in ("ignore", "id", "source"):
            ignored.append(shown)
            continue
        extra = []
        if col.label:
            extra.append(col.label)
        if (
            col.field in ADDRESS_PARTS
            and col.group not in ("", None)
            and not col.group[1:].isdigit()
        ):
            extra.append(col.group)
        if col.field in ("phone_label", "email_label"):
            extra.append(_("label"))
        if col.field in ("attribute", "custom_value"):
            extra.append(_("as COLUMN:VALUE"))
        if col.field == "country":
            extra.append(_("country: numbers without +country are read in it"))
        if extra:
            shown += f" ({', '.join(extra)})"
        by_field.setdefault(_SHOWN.get(col.field, col.field), []).append(shown)
    kept, dropped = _("kept as notes"), _("ignored")
    width = max([width_of(f) for f in by_field] + [width_of(kept), width_of(dropped)])

    def pad(label: str) -> str:
        return label + " " * (width - width_of(label))

    lines = [_("mapping of {columns}:").format(columns=plural(len(header), "column"))]
    for name in sorted(by_field, key=lambda f: _ORDER.index(f) if f in _ORDER else 99):
        lines.append(f"  {pad(name)}  <- {', '.join(by_field[name])}")
    if noted:
        lines.append(f"  {pad(kept)}  <- {', '.join(noted)}")
    if ignored:
        lines.append(f"  {pad(dropped)}  <- {', '.join(ignored)}")
    return lines


_DATE_FIELDS = ("birthday", "created_at", "updated_at")


def date_order(
    header: list[str], cols: list[Column], sample: list[tuple[int, Any]], given: str | None
) -> tuple[str, str]:
    """(order, what to report) for the file's `N/N/YYYY` dates."""
    where = [i for i, c in enumerate(cols) if c.field in _DATE_FIELDS]
    values = [
        str(record[i]).split(" ")[0]
        for _, record in sample
        if isinstance(record, list)
        for i in where
        if i < len(record) and record[i]
    ]
    if given is not None:
        seen = any(dates.year_last_parts(v) for v in values)
        read = _("dates like 4/5/1990 read as {order} (--date-order)").format(order=given)
        return given, read if seen else ""
    order, why = dates.resolve_order(values)
    if order == "":
        raise UsageError(
            _(
                "the file's dates are in two day/month orders ({why}): fix "
                "them, or name the order with --date-order mdy|dmy (the rows "
                "in the other order are then rejected)"
            ).format(why=why)
        )
    if order is None:
        if why:  # only ambiguous dates like 4/5/1990
            return dates.MDY, _(
                "dates like 4/5/1990 read as {order} (month first; nothing in the first "
                "{rows} tells: give --date-order dmy if they are day first)"
            ).format(order=dates.MDY, rows=plural(len(sample), "row"))
        return dates.MDY, ""
    return order, _("dates like 4/5/1990 read as {order} ({why})").format(order=order, why=why)


def summary_notes(summary: Any) -> list[str]:
    lines: list[str] = []
    for (region, default), count in sorted(summary.no_country_code.items()):
        numbers = plural(count, "number")
        if default and count == 1:
            message = _(
                "{numbers} without a country code was read as {region} numbers (the "
                "default region: give the file a country column, or use --region)"
            )
        elif default:
            message = _(
                "{numbers} without a country code were read as {region} numbers (the "
                "default region: give the file a country column, or use --region)"
            )
        elif count == 1:
            message = _(
                "{numbers} without a country code was read as {region} numbers (the "
                "row's own country)"
            )
        else:
            message = _(
                "{numbers} without a country code were read as {region} numbers (the "
                "row's own country)"
            )
        lines.append(message.format(numbers=numbers, region=region))
    if summary.date_order:
        lines.append(summary.date_order)
    if summary.photos:
        lines.append(
            _("{photos} skipped (custinfo keeps no pictures)").format(
                photos=plural(summary.photos, "photo")
            )
        )
    if summary.skipped:
        lines.append(
            _(
                "skipped {n} already present (same phone or email, or same name "
                "and details): use --on-duplicate merge to update them from the file"
            ).format(n=f"{summary.skipped:,}")
        )
    return lines
