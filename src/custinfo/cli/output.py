"""The one place that decides how results look: table, CSV, JSON, NDJSON or ids.

Data goes to stdout; messages to stderr (none under `-q/--quiet` but errors). Rich tables
only on a terminal, colour only when `terminal.color` allows it (`--no-color`, NO_COLOR,
TERM=dumb); a pipe gets plain, stable, parseable text. On screen, tables fit the width
(`cli/tables.py`: never a wrapped phone, email or id), show phones in international format
and times in local time, and go through the pager when taller than the screen.

The rule for lists: `--format` decides; without it a terminal gets a table and a pipe gets
CSV with a header row (`Output.choose`). Every command offers a subset of the one `Format`
type (`choices(...)`), and every list goes through `Output.rows` or `Output.customers`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

from custinfo.cli import terminal
from custinfo.i18n import N_, _
from custinfo.models import CUSTOMER_FIELDS, Customer


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    ids = "ids"
    ics = "ics"  # an iCalendar file (agenda)


FORMAT_HELP = N_("Output format (default: a table on a terminal, else CSV).")


def choices(*names: str) -> type[StrEnum]:
    """The `--format` choices of one command: a subset of `Format`, as a Typer choice type."""
    for name in names:
        Format(name)  # only formats the output module knows
    return StrEnum("Format_" + "_".join(names), {name: name for name in names})  # type: ignore[return-value]


#: Columns of the terminal table for lists of customers.
TABLE_COLUMNS = ("id", "name", "phones", "emails", "company", "city", "tags")


class Output:
    """Writes results to stdout in the chosen format, and messages to stderr."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.is_tty = terminal.screen(self.stdout)
        self.color = terminal.color(self.stdout)

    # -- choosing ---------------------------------------------------------------------------
    def choose(self, requested: StrEnum | str | None) -> Format:
        """The requested format, else a table on a terminal and CSV in a pipe."""
        if requested:
            return Format(str(requested))
        return Format.table if self.is_tty else Format.csv

    # -- messages ---------------------------------------------------------------------------
    def info(self, message: str) -> None:
        """A message for the person (not data): stderr, none under --quiet."""
        if not terminal.quiet():
            print(message, file=self.stderr)

    def warn(self, message: str) -> None:
        if not terminal.quiet():
            print(_("custinfo: warning: {message}").format(message=message), file=self.stderr)

    def data(self, line: str) -> None:
        print(line, file=self.stdout)

    def binary(self, data: bytes) -> None:
        """Bytes as they are (an iCalendar file is UTF-8 with CRLF lines, whatever the
        terminal's encoding)."""
        self.stdout.flush()
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:  # a captured text stream (tests)
            self.stdout.write(data.decode("utf-8"))
        else:
            buffer.write(data)
            buffer.flush()

    def spinner(self, message: str) -> Any:
        """`with out.spinner(_("Counting…")) as say:` around long silent work (dedupe, a
        report): a spinner on stderr for a person at a terminal, `say(text)` to change its
        text; nothing in a pipe, under --quiet or with TERM=dumb."""
        return terminal.spinner(message)

    # -- records ----------------------------------------------------------------------------
    def customers(
        self, customers: Iterable[Customer], fmt: Format, *, title: str | None = None,
        field_keys: Iterable[str] = (),
    ) -> int:  # fmt: skip
        """Write customers in `fmt`; returns how many were written. CSV gets a `field:KEY`
        column per custom field in `field_keys`, after the fixed columns."""
        count = 0
        if fmt is Format.ids:
            for c in customers:
                self.stdout.write(f"{c.id}\n")
                count += 1
        elif fmt is Format.ndjson:
            for c in customers:
                self.stdout.write(_json_line(c.to_dict()) + "\n")
                count += 1
        elif fmt is Format.json:
            self.stdout.write("[")
            for c in customers:
                self.stdout.write(("," if count else "") + "\n  " + _json_line(c.to_dict()))
                count += 1
            self.stdout.write("\n]\n" if count else "]\n")
        elif fmt is Format.csv:
            keys = list(field_keys)
            header = [*CUSTOMER_FIELDS, *(f"field:{k}" for k in keys)]
            count = self.csv_rows(header, (_flat(c, keys) for c in customers))
        else:
            rows = [_table_row(c) for c in customers]
            count = len(rows)
            self.table(TABLE_COLUMNS, rows, title=title, drop=("tags", "company", "city"))
        return count

    def customers_csv(self, store: Any, ids: Iterable[int]) -> int:
        """Customers `ids` (in that order) as CSV from their stored export cells: the same
        bytes as `custinfo export` and `customers(..., Format.csv)`, without loading
        records; returns how many were written."""
        from custinfo.export import export

        return export(store, self.stdout, "csv", ids=ids)

    def csv_rows(self, header: Iterable[str], rows: Iterable[list[str]]) -> int:
        import csv

        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(list(header))
        if isinstance(rows, list):  # (one call: no Python loop per row)
            writer.writerows(rows)
            return len(rows)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        return count

    def rows(
        self, columns: Iterable[str], rows: Iterable[Iterable[Any]], fmt: Format,
        *, title: str | None = None,
    ) -> int:  # fmt: skip
        """A list of records with these columns in `fmt` (JSON: objects with these keys;
        a value may be a list); returns how many were written."""
        columns = list(columns)
        if fmt is Format.csv:
            return self.csv_rows(columns, ([_cell(v) for v in row] for row in rows))
        if fmt in (Format.json, Format.ndjson):
            records = [dict(zip(columns, row, strict=True)) for row in rows]
            if fmt is Format.json:
                self.json(records)
            else:
                for record in records:
                    self.stdout.write(_json_line(record) + "\n")
            return len(records)
        if fmt is Format.ids:
            count = 0
            for row in rows:
                self.stdout.write(f"{next(iter(row))}\n")
                count += 1
            return count
        cells = [[_cell(v, sep="\n") for v in row] for row in rows]
        self.table(columns, cells, title=title)
        return len(cells)

    def json(self, value: Any) -> None:
        self.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")

    def table(
        self,
        columns: Iterable[str],
        rows: list[list[str]],
        *,
        title: str | None = None,
        drop: tuple[str, ...] = (),
    ) -> None:
        """A Rich table on a terminal; CSV with a header row otherwise."""
        columns = list(columns)
        if not self.is_tty:
            self.csv_rows(columns, ([cell.replace("\n", "; ") for cell in row] for row in rows))
            return
        from custinfo.cli import tables

        width = terminal.size(self.stdout)[0]
        text, dropped = tables.render(
            columns, rows, width=width, color=self.color, title=title, drop=drop
        )
        terminal.page(text, self.stdout)
        if dropped:
            self.info(
                _("(not shown at this width: {columns}; widen the terminal or use --format csv)")
                .format(columns=", ".join(dropped))
            )  # fmt: skip

    def console(self) -> Any:
        from rich.console import Console

        # color_system=None: no escape codes at all (not even bold) without colour.
        return Console(
            file=self.stdout, no_color=not self.color, highlight=False, emoji=False,
            soft_wrap=False, color_system="auto" if self.color else None,
            width=terminal.size(self.stdout)[0] if self.is_tty else None,
        )  # fmt: skip

    def records(self, title: str, rows: list[Any]) -> None:
        """A list of records (dicts, or plain values) as a table."""
        if rows and isinstance(rows[0], dict):
            columns = list(rows[0])
            cells = [[_cell(row.get(name)) for name in columns] for row in rows]
        else:
            columns, cells = [title], [[_cell(row)] for row in rows]
        self.table(columns, cells, title=title)

    def customer_detail(
        self, customer: Customer | dict[str, Any], fmt: Format, currency: str = "CNY",
        labels: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        """`show`: one customer as JSON or as a readable key/value layout (activity as one
        `orders:` line and a `last_contact:` line; typed notes with their kind; custom
        fields by their `labels`: key -> label)."""
        record = customer if isinstance(customer, dict) else customer.to_dict()
        if fmt in (Format.json, Format.ndjson):
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
            return
        pairs = [
            (
                name,
                "\n".join(value)
                if isinstance(value, list)
                else ("" if value is None else str(value)),
            )
            for name, value in record.items()
            if name not in _DETAIL_SKIPPED and name != "fields"
        ]
        if record.get("fields"):
            from custinfo.fields.values import json_text

            for key, value in record["fields"].items():
                pairs.append(((labels or {}).get(key, key), json_text(value)))
        pairs += _activity_pairs(record, currency)
        notes = [_note_line(n) for n in record["notes"]]
        if not self.is_tty:
            for name, value in pairs:
                self.stdout.write(f"{name}: {value.replace(chr(10), '; ')}\n")
            for note in notes:
                self.stdout.write(f"note: {note.replace(chr(10), ' / ')}\n")
            return
        from rich.markup import escape
        from rich.table import Table

        from custinfo.cli.tables import for_screen, label, local_prefix

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold" if self.color else None, no_wrap=True)
        grid.add_column(overflow="fold")
        for name, value in pairs:
            grid.add_row(escape(label(name)), escape(for_screen(name, value)))
        for index, note in enumerate(notes):
            grid.add_row(label("notes") if index == 0 else "", escape(local_prefix(note)))
        self.console().print(grid)


#: Keys `show` renders otherwise: notes one per line, activity as the `orders:` line.
_DETAIL_SKIPPED = frozenset({"notes", "order_count", "order_total", "last_order_at",
                             "last_contact_at", "orders_summary", "next_followup"})  # fmt: skip


def _activity_pairs(record: dict[str, Any], currency: str) -> list[tuple[str, str]]:
    if "orders_summary" not in record:
        return []
    from custinfo import times
    from custinfo.activity.orders import summary_line

    pairs = [("orders", summary_line(record["orders_summary"], currency))]
    if record.get("last_contact_at"):
        pairs.append(("last_contact", times.local_text(record["last_contact_at"])))
    if record.get("next_followup"):
        from custinfo.followups.core import next_line

        pairs.append(("next", next_line(record["next_followup"])))
    return pairs


def _note_line(note: dict[str, Any]) -> str:
    """ "AT  TEXT"; a typed interaction with its id, kind, direction, status and ref."""
    marks = [note.get(k) for k in ("kind", "direction", "status")]
    plain = marks[0] in (None, "note") and not any(marks[1:]) and not note.get("ref")
    if plain:
        return f"{note['at']}  {note['text']}"
    ref = f" ref={note['ref']}" if note.get("ref") else ""
    label = " ".join(m for m in marks if m)
    return f"{note['at']}  [#{note.get('id')} {label}{ref}] {note['text']}"


def _cell(value: Any, sep: str = "; ") -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return sep.join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _flat(customer: Customer, field_keys: list[str] | None = None) -> list[str]:
    from custinfo.export.tabular import flat_row

    row = flat_row(customer.to_dict())
    if field_keys:
        from custinfo.fields.values import json_text

        values = customer.fields
        row += [json_text(values[k]) if k in values else "" for k in field_keys]
    return row


def _table_row(c: Customer) -> list[str]:
    return [str(c.id), c.name, "\n".join(c.phones), "\n".join(c.emails), c.company or "",
            c.city or "", ", ".join(c.tags)]  # fmt: skip
