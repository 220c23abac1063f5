"""Tables for a person at a terminal: values shown for reading, columns fitted to the width.

On screen only (machine formats keep E.164 and UTC):
- phones in international format (`+86 138 0013 8000`; phonenumbers is imported only when a
  table with phones is drawn);
- UTC timestamps (`2026-11-03T06:12:09.123456Z`) in local time to the minute
  (`2026-11-03 14:12`), honouring TZ.

Fitting never wraps inside an id, a phone or an email: when the natural table is wider than
the terminal, low-priority columns are dropped (the rightmost first, never the first text
column), the remaining text columns are truncated with `…`, and when even the protected
columns do not fit, each row becomes a card (label: value lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from custinfo.cli.help import width_of
from custinfo.i18n import N_, _

#: Columns whose values must never wrap or be truncated.
PROTECTED = {"id", "ids", "keep", "phone", "phones", "email", "emails", "other", "uid"}
PHONES = {"phone", "phones", "tel"}
MIN_TEXT = 8  # narrowest a truncated text column gets
BOLD, RESET = "\x1b[1m", "\x1b[0m"
#: Column names shown as headers on screen, translated (machine formats keep the names).
LABELS = {
    N_("id"), N_("ids"), N_("name"), N_("phones"), N_("emails"), N_("company"), N_("address"),
    N_("city"), N_("birthday"), N_("tags"), N_("notes"), N_("source"), N_("created_at"),
    N_("updated_at"), N_("wechat"), N_("qq"), N_("score"), N_("reasons"), N_("field"),
    N_("value 1"), N_("value 2"), N_("level"), N_("weight"), N_("tag"), N_("count"),
    N_("size"), N_("customers"), N_("status"), N_("key"), N_("kind"),
    N_("audit id"), N_("at"), N_("command"), N_("fields"), N_("detail"), N_("text"),
    N_("phone"), N_("email"), N_("label"), N_("keep"), N_("other"),
    # orders, interactions, the timeline, follow-ups, the agenda, consent, reports
    N_("customer_id"), N_("amount"), N_("currency"), N_("items"), N_("channel"), N_("ref"),
    N_("note"), N_("type"), N_("direction"), N_("due"), N_("reason"), N_("followup_id"),
    N_("repeat"), N_("purpose"), N_("rule"), N_("since"), N_("until"), N_("basis"),
    N_("retention"), N_("from"), N_("month"), N_("new"), N_("given"), N_("orders"),
    N_("refunds"), N_("revenue"), N_("new_customers"), N_("active_customers"),
    N_("recency_days"), N_("frequency"), N_("monetary"), N_("rfm"), N_("segment"),
    N_("missing"), N_("share"), N_("age_days"), N_("note_id"), N_("opened"),
    N_("avg_recency_days"), N_("avg_frequency"), N_("complaint"), N_("service"), N_("call"),
    N_("visit"), N_("message"), N_("meeting"), N_("campaign"), N_("closed_at"),
}  # fmt: skip
#: Columns whose values are words of custinfo's own (a reason, a kind, a status), shown
#: translated on screen when they are one of VALUES (machine formats keep them).
VALUE_COLUMNS = {"reason", "kind", "status", "type", "direction"}
VALUES = {
    N_("overdue"), N_("due"), N_("keep-in-touch"), N_("birthday"), N_("open"), N_("done"),
    N_("cancelled"), N_("resolved"), N_("call"), N_("visit"), N_("message"), N_("email"),
    N_("meeting"), N_("task"), N_("complaint"), N_("service"), N_("campaign"), N_("note"),
    N_("order"), N_("interaction"), N_("merge"), N_("followup"), N_("in"), N_("out"),
}  # fmt: skip
_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|\+00:00)$")
_UTC_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z)(\s.*)?$", re.S)


# -- values on screen -----------------------------------------------------------------------
def local_time(value: str) -> str:
    """`2026-11-03T06:12:09.123Z` → `2026-11-03 14:12` in the local zone; other text as is."""
    if not _UTC.match(value):
        return value
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def local_prefix(value: str) -> str:
    """A note line `AT TEXT` with AT in local time."""
    match = _UTC_PREFIX.match(value)
    if not match:
        return value
    return local_time(match.group(1)) + (match.group(2) or "")


def international(phone: str) -> str:
    """`+8613800138000` → `+86 138 0013 8000` (`… ext. 23` kept); other text as is."""
    if not phone.startswith("+"):
        return phone
    import phonenumbers

    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def for_screen(column: str, cell: str) -> str:
    """One table cell as a person reads it (each line of a multi-value cell on its own)."""
    if not cell:
        return cell
    if column in VALUE_COLUMNS and cell in VALUES:
        return _(cell)
    if column.lower() in PHONES:
        return "\n".join(international(line) for line in cell.split("\n"))
    if "T" in cell and ":" in cell:
        return "\n".join(local_prefix(line) for line in cell.split("\n"))
    return cell


# -- fitting ------------------------------------------------------------------------------------
@dataclass
class Layout:
    """What fits: the columns kept (indexes), their widths, or cards."""

    keep: list[int]
    widths: dict[int, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    cards: bool = False


def label(column: str) -> str:
    """A column's header on screen: translated when it is one of LABELS."""
    return _(column) if column in LABELS else column


def natural(columns: list[str], rows: list[list[str]]) -> list[int]:
    widths = [width_of(c) for c in columns]
    for row in rows:
        for index, cell in enumerate(row):
            for line in cell.split("\n"):
                widths[index] = max(widths[index], width_of(line))
    return widths


def table_width(widths: Iterable[int]) -> int:
    """Width of a boxed Rich table: each column padded by 1 on each side, plus borders."""
    widths = list(widths)
    return sum(widths) + 3 * len(widths) + 1


def fit(
    columns: list[str], rows: list[list[str]], width: int, drop: tuple[str, ...] = ()
) -> Layout:
    """Which columns to show, how wide, or cards (see the module docstring). `drop` names
    the columns to drop first, in order; the others go from the right."""
    sizes = natural([label(c) for c in columns], rows)
    keep = list(range(len(columns)))
    if table_width(sizes) <= width:
        return Layout(keep, {i: sizes[i] for i in keep})
    protected = [i for i in keep if columns[i].lower() in PROTECTED]
    text = [i for i in keep if i not in protected]
    first_text = text[0] if text else None
    droppable = [i for i in reversed(text) if i != first_text]
    ranked = [columns.index(name) for name in drop if name in columns]
    droppable = [i for i in ranked if i in droppable] + [i for i in droppable if i not in ranked]
    dropped: list[str] = []

    def needed(kept: list[int]) -> int:
        return table_width(sizes[i] if i in protected else min(sizes[i], MIN_TEXT) for i in kept)

    while needed(keep) > width and droppable:
        gone = droppable.pop(0)
        keep.remove(gone)
        dropped.append(label(columns[gone]))
    if needed(keep) > width:
        return Layout(list(range(len(columns))), cards=True)
    widths = {i: sizes[i] for i in keep}
    spare = width - table_width(widths[i] for i in keep)
    for i in reversed([i for i in keep if i not in protected]):  # shrink the last text first
        if spare >= 0:
            break
        cut = min(widths[i] - min(sizes[i], MIN_TEXT), -spare)
        widths[i] -= cut
        spare += cut
    return Layout(keep, widths, dropped=list(reversed(dropped)))


def render(
    columns: list[str],
    rows: list[list[str]],
    *,
    width: int,
    color: bool,
    title: str | None,
    drop: tuple[str, ...] = (),
) -> tuple[str, list[str]]:
    """The table as text for a terminal `width` columns wide, and the dropped column names."""
    import io

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    screen_rows = [[for_screen(columns[i], cell) for i, cell in enumerate(row)] for row in rows]
    layout = fit(columns, screen_rows, width, drop)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False,
        emoji=False, soft_wrap=False, color_system="standard" if color else None,
    )  # fmt: skip
    if layout.cards:
        _cards(console, columns, screen_rows, color)
        return buffer.getvalue(), []
    table = Table(title=title, header_style="bold", show_lines=False)
    for i in layout.keep:
        name, header = columns[i], escape(label(columns[i]))
        if name.lower() in PROTECTED:
            table.add_column(header, no_wrap=True, min_width=layout.widths[i])
        else:
            table.add_column(header, no_wrap=True, overflow="ellipsis", max_width=layout.widths[i])
    for row in screen_rows:
        table.add_row(*(escape(row[i]) for i in layout.keep))
    console.print(table)
    return buffer.getvalue(), layout.dropped


def _cards(console: object, columns: list[str], rows: list[list[str]], color: bool) -> None:
    """One block per row: the first two values as a heading, then `label  value` lines,
    printed whole (a value too wide for the screen is left to the terminal, never cut)."""
    labels = [label(c) for c in columns]
    widest = max((width_of(c) for c in labels[2:]), default=0)
    out = console.file  # type: ignore[attr-defined]
    for number, row in enumerate(rows):
        if number:
            out.write("\n")
        head = " ".join(cell for cell in row[:2] if cell)
        out.write((BOLD + head + RESET if color else head) + "\n")
        for name, cell in list(zip(labels, row, strict=True))[2:]:
            for index, line in enumerate(cell.split("\n") if cell else []):
                shown = name if index == 0 else ""
                pad = " " * (widest - width_of(shown) + 2)
                if color and shown:
                    shown = BOLD + shown + RESET
                out.write(f"  {shown}{pad}{line}\n")
