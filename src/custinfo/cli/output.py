"""The one place that decides how results look: table, CSV, JSON, NDJSON or ids.

Data goes to stdout; messages to stderr. Colour and Rich tables only when the stream is a
terminal and NO_COLOR is not set; a pipe gets plain, stable, parseable text.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

from custinfo.cli import terminal
from custinfo.models import CUSTOMER_FIELDS, Customer


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    ids = "ids"


#: Columns of the terminal table for lists of customers.
TABLE_COLUMNS = ("id", "name", "phones", "emails", "company", "city", "tags")


class Output:
    """Writes results to stdout in the chosen format, and messages to stderr."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.is_tty = terminal.screen(self.stdout)
        self.color = self.is_tty and not os.environ.get("NO_COLOR")  # set and non-empty: no colour

    # -- choosing ---------------------------------------------------------------------------
    def choose(self, requested: Format | str | None, *, tty: Format, pipe: Format) -> Format:
        """The requested format, else `tty` on a terminal and `pipe` in a pipe."""
        if requested:
            return Format(requested)
        return tty if self.is_tty else pipe

    # -- messages ---------------------------------------------------------------------------
    def info(self, message: str) -> None:
        print(message, file=self.stderr)

    def warn(self, message: str) -> None:
        print(f"custinfo: warning: {message}", file=self.stderr)

    def data(self, line: str) -> None:
        print(line, file=self.stdout)

    # -- records ----------------------------------------------------------------------------
    def customers(
        self, customers: Iterable[Customer], fmt: Format, *, title: str | None = None
    ) -> int:
        """Write customers in `fmt`; returns how many were written."""
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
            count = self.csv_rows(CUSTOMER_FIELDS, (_flat(c) for c in customers))
        else:
            rows = [_table_row(c) for c in customers]
            count = len(rows)
            self.table(TABLE_COLUMNS, rows, title=title)
        return count

    def csv_rows(self, header: Iterable[str], rows: Iterable[list[str]]) -> int:
        import csv

        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(list(header))
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        return count

    def json(self, value: Any) -> None:
        self.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")

    def table(
        self, columns: Iterable[str], rows: list[list[str]], *, title: str | None = None
    ) -> None:
        """A Rich table on a terminal; tab-separated plain text otherwise."""
        columns = list(columns)
        if not self.is_tty:
            self.stdout.write("\t".join(columns) + "\n")
            for row in rows:
                self.stdout.write("\t".join(cell.replace("\n", " ") for cell in row) + "\n")
            return
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=title, header_style="bold", show_lines=False)
        for name in columns:
            table.add_column(name, overflow="fold", no_wrap=name == "id")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        self.console().print(table)

    def console(self) -> Any:
        from rich.console import Console

        # color_system=None: no escape codes at all (not even bold) without colour.
        return Console(
            file=self.stdout, no_color=not self.color, highlight=False, emoji=False,
            soft_wrap=False, color_system="auto" if self.color else None,
        )  # fmt: skip

    def customer_detail(self, customer: Customer, fmt: Format) -> None:
        """`show`: one customer as JSON or as a readable key/value layout."""
        if fmt in (Format.json, Format.ndjson):
            self.stdout.write(json.dumps(customer.to_dict(), ensure_ascii=False, indent=2) + "\n")
            return
        record = customer.to_dict()
        pairs = [
            (
                name,
                "\n".join(value)
                if isinstance(value, list)
                else ("" if value is None else str(value)),
            )
            for name, value in record.items()
            if name != "notes"
        ]
        notes = [f"{n['at']}  {n['text']}" for n in record["notes"]]
        if not self.is_tty:
            for name, value in pairs:
                self.stdout.write(f"{name}: {value.replace(chr(10), '; ')}\n")
            for note in notes:
                self.stdout.write(f"note: {note.replace(chr(10), ' / ')}\n")
            return
        from rich.markup import escape
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold" if self.color else None, no_wrap=True)
        grid.add_column(overflow="fold")
        for name, value in pairs:
            grid.add_row(name, escape(value))
        for index, note in enumerate(notes):
            grid.add_row("notes" if index == 0 else "", escape(note))
        self.console().print(grid)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _flat(customer: Customer) -> list[str]:
    from custinfo.export.tabular import flat_row

    return flat_row(customer.to_dict())


def _table_row(c: Customer) -> list[str]:
    return [str(c.id), c.name, "\n".join(c.phones), "\n".join(c.emails), c.company or "",
            c.city or "", ", ".join(c.tags)]  # fmt: skip
