"""What the views (terminal, HTML) show of a report: rows shown and chart data.

Shared by `custinfo.cli.report_view` (Rich, in the terminal) and `custinfo.reports.html`
(SVG), so both draw the same charts from the same numbers.
"""

from __future__ import annotations

from typing import Any

from custinfo.reports import Money, Report, Table

#: A chart: ("bars", labels, values) or ("series", months, [(name, values), ...]).
Chart = tuple[str, list[str], Any]


def shown_rows(report: Report, table: Table, limit: int) -> tuple[list[list[Any]], int]:
    """The rows a view shows (at most `limit`; a value report's best customers first) and
    how many rows the table has."""
    total = len(table.rows)
    if table.key == "customers" and "shown_order" in report.extra:
        rows = list(table.rows.take(report.extra["shown_order"], limit))  # type: ignore[attr-defined]
        return rows, total
    out = []
    for row in table.rows:
        if len(out) >= limit:
            break
        out.append(row)
    return out, total


def charts(table: Table) -> list[Chart]:
    """The charts of `table`: one for a split; for a monthly series one for its counts and
    one per money column."""
    if table.chart == "bars":
        rows = [r for r in table.rows if isinstance(r[1], (int, Money))]
        values = [r[1].minor if isinstance(r[1], Money) else r[1] for r in rows]
        return [("bars", [str(r[0]) for r in rows], values)] if rows else []
    if table.chart != "series" or not table.rows:
        return []
    months = [str(r[0]) for r in table.rows]
    counts, money = [], []
    for index, name in enumerate(table.columns[1:], start=1):
        values = [r[index] for r in table.rows]
        if all(isinstance(v, Money) for v in values):
            money.append((name, values))
        elif all(isinstance(v, int) for v in values):
            counts.append((name, values))
    out: list[Chart] = []
    if counts:
        out.append(("series", months, counts))
    for name, values in money:
        currency = values[0].currency if values else ""
        label = name if name.endswith(currency) else f"{name} ({currency})"
        out.append(("series", months, [(label, [major(v) for v in values])]))
    return out


def major(value: Money) -> float:
    """An amount in major units, for drawing only (the numbers shown stay exact)."""
    from custinfo.money import digits

    return value.minor / 10 ** digits(value.currency)
