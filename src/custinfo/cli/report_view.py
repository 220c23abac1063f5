"""How a report looks: terminal text with charts, CSV, JSON, ids or the HTML file.

- Terminal: a heading, the headline numbers, then per table either horizontal bars (a
  split: label, bar, number) or sparklines plus the table (a monthly series), or the table
  alone. Fitted to the width (readable at 80 columns), plain characters, bold only with
  colour (`--no-color`, NO_COLOR), through the pager when taller than the screen.
- CSV: the report's main table wide (`Report.main`), else every number in long form:
  `section,label,measure,value,currency` (money as exact decimal text).
- JSON: `report`, `generated_at`, `period`, `filters`, `summary` {key: value}, then one key
  per table with a list of records; money is {"amount": "12.30", "currency": "CNY"}.
- ids: the customer ids of the main table (value; quality --list).
- html: `custinfo.reports.html` (matplotlib is imported only here).
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from custinfo.i18n import N_, _
from custinfo.reports import Money, Report, Table
from custinfo.reports.numbers import human
from custinfo.reports.shown import charts, shown_rows

SHOWN = 50  # rows of a long table on screen
SPARKS = "▁▂▃▄▅▆▇█"
#: Narrower headers of the value report's customer table on screen.
SHORT = {"recency_days": N_("R days"), "frequency": "F", "monetary": "M"}
#: Report names and period keys, for people.
WORDS = {"overview": N_("overview"), "growth": N_("growth"), "value": N_("value"),
         "activity": N_("activity"), "quality": N_("quality"), "since": N_("since"),
         "as_of": N_("as of"), "stale_before": N_("stale before")}  # fmt: skip


def word(key: str) -> str:
    return _(WORDS.get(key, key))


def column_name(name: str) -> str:
    """A column or series name for people: `revenue_USD` and `revenue (CNY)` read as the
    translated `revenue` with the currency in brackets."""
    base, bracket, rest = name.partition(" (")
    if bracket:
        return f"{_(base)} ({rest}"
    if name.startswith("revenue_"):
        return f"{_('revenue')} ({name.removeprefix('revenue_')})"
    return _(name)


def label(report: Report, text: str) -> str:
    """A summary label in the interface language, with the report's period filled in."""
    return _(text).format(**report.period) if "{" in text else _(text)


# -- machine formats ------------------------------------------------------------------------
def write_csv(report: Report, stream: TextIO) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    if report.main:
        table = report.table(report.main)
        writer.writerow(table.columns)
        count = 0
        if hasattr(table.rows, "blocks"):  # the value report's 1M customers: by blocks,
            # one write each (an unbuffered stdout, PYTHONUNBUFFERED, costs a call per row)
            import io

            text = io.StringIO()
            block_writer = csv.writer(text, lineterminator="\n")
            for block in table.rows.blocks(plain=True):
                block_writer.writerows(block)  # (cells are int or str: as _plain gives them)
                stream.write(text.getvalue())
                text.seek(0)
                text.truncate()
                count += len(block)
            return count
        for row in table.rows:
            writer.writerow([_plain(v) for v in row])
            count += 1
        return count
    writer.writerow(["section", "label", "measure", "value", "currency"])
    count = 0
    for key, _label, value in report.summary:
        writer.writerow(["summary", key, "value", _plain(value), _cur(value)])
        count += 1
    for table in report.tables:
        for row in table.rows:
            for name, value in zip(table.columns[1:], row[1:], strict=True):
                writer.writerow([table.key, _plain(row[0]), name, _plain(value), _cur(value)])
                count += 1
    return count


def write_json(report: Report, stream: TextIO) -> None:
    """The JSON document, written record by record (a 1M-customer value report never sits
    in memory as one list)."""
    head = {
        "report": report.name, "generated_at": report.generated_at, "period": report.period,
        "filters": report.filters,
        "summary": {key: _json(value) for key, _label, value in report.summary},
    }  # fmt: skip
    if "rules" in report.extra:
        head["rules"] = report.extra["rules"]
    text = json.dumps(head, ensure_ascii=False, indent=2)
    stream.write(text[:-2])  # without the closing "\n}"
    for table in report.tables:
        stream.write(f",\n  {json.dumps(table.key, ensure_ascii=False)}: [")
        if hasattr(table.rows, "blocks"):
            _json_blocks(table, stream)
        else:
            for index, row in enumerate(table.rows):
                record = {c: _json(v) for c, v in zip(table.columns, row, strict=True)}
                sep = "," if index else ""
                stream.write(f"{sep}\n    {json.dumps(record, ensure_ascii=False)}")
        stream.write("\n  ]" if len(table.rows) else "]")
    stream.write("\n}\n")


def _json_blocks(table: Table, stream: TextIO) -> None:
    """The records of a table whose rows come in blocks (`rows.blocks()`), each record the
    text `json.dumps` gives for it, put together from per-cell texts (3x faster at 1M)."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    keys = [dumps(c) + ": " for c in table.columns]
    first = True
    for block in table.rows.blocks():  # type: ignore[attr-defined]
        lines = []
        for row in block:
            cells = ", ".join(key + _json_cell(v, dumps) for key, v in zip(keys, row, strict=True))
            lines.append(f"\n    {{{cells}}}")
        stream.write(("" if first else ",") + ",".join(lines))
        first = False


def _json_cell(value: Any, dumps: Any) -> str:
    if type(value) is int:
        return str(value)
    if isinstance(value, Money):
        return f'{{"amount": {dumps(value.text())}, "currency": {dumps(value.currency)}}}'
    return dumps(value)


def write_ids(report: Report, stream: TextIO) -> int:
    table = report.table(report.main) if report.main else None
    count = 0
    for row in table.rows if table else ():
        stream.write(f"{row[0]}\n")
        count += 1
    return count


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.text()
    return str(value)


def _cur(value: Any) -> str:
    return value.currency if isinstance(value, Money) else ""


def _json(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": value.text(), "currency": value.currency}
    return value


# -- the terminal ---------------------------------------------------------------------------
def terminal_text(report: Report, *, width: int, color: bool) -> str:
    """The report for a person at a terminal `width` columns wide."""
    from custinfo.cli import tables

    bold = (lambda s: f"{tables.BOLD}{s}{tables.RESET}") if color else (lambda s: s)
    lines = [bold(_("Report: {name}").format(name=word(report.name)))]
    period = "  ".join(f"{word(k)} {v}" for k, v in report.period.items())
    filters = "; ".join(f"{k} {v}" for k, v in report.filters.items()) or _("none (everyone)")
    lines += [period, _("Filters: {filters}").format(filters=filters), ""]
    labels = [label(report, text) for _k, text, _v in report.summary]
    pad = max((tables.width_of(x) for x in labels), default=0)
    for text, (_key, _l, value) in zip(labels, report.summary, strict=True):
        lines.append(f"  {text}{' ' * (pad - tables.width_of(text))}  {_value(value)}")
    for table in report.tables:
        lines += ["", bold(_(table.title))]
        lines += _table_block(report, table, width, color)
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, float) and 0 <= value <= 1:
        return f"{value:.1%}"
    return human(value) if value is not None else "–"


def _table_block(report: Report, table: Table, width: int, color: bool) -> list[str]:
    from custinfo.cli import tables

    drawn = charts(table)
    if table.chart == "bars":
        if not drawn:
            return ["  " + _("none")]
        return bars(drawn[0][1], [human(r[1]) for r in table.rows if _countable(r[1])],
                    drawn[0][2], width)  # fmt: skip
    if table.chart == "series" and len(table.columns) == 2 and drawn:  # one series: bars
        months, named = drawn[0][1], drawn[0][2]
        return bars(months, [human(v) for v in named[0][1]], list(named[0][1]), width)
    out: list[str] = []
    names = [column_name(n) for _k, _m, named in drawn for n, _v in named]
    name_w = max((tables.width_of(n) for n in names), default=0)
    for _kind, months, named in drawn:
        out += sparklines(months, named, width, name_w)
    rows, total = shown_rows(report, table, SHOWN)
    if not rows:
        return [*out, "  " + _("none")]
    columns = list(table.columns)
    if table.key == "customers":  # r, f and m are in rfm: room for the segment
        keep = [i for i, c in enumerate(columns) if c not in ("r", "f", "m")]
        columns, rows = [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]
        columns = [SHORT.get(c, c) for c in columns]
    cells = [[human(v) for v in row] for row in rows]
    text, dropped = tables.render(
        [column_name(c) for c in columns], cells, width=width, color=color, title=None
    )
    out.append(text.rstrip("\n"))
    if total > len(rows):
        out.append(_("first {shown} of {total}; --format csv gives all").format(
            shown=len(rows), total=human(total)))  # fmt: skip
    if dropped:
        out.append(
            _("(not shown at this width: {columns}; widen the terminal or use --format csv)")
            .format(columns=", ".join(dropped))
        )  # fmt: skip
    return out


def _countable(value: Any) -> bool:
    return isinstance(value, int | Money)


def bars(labels: list[str], shown: list[str], values: list[int], width: int) -> list[str]:
    """Horizontal bars: `label  ██████ number`, the longest bar filling what is left."""
    from custinfo.cli import tables

    names = [label or _("(none)") for label in labels]
    name_w = min(max((tables.width_of(n) for n in names), default=4), max(8, width // 3))
    num_w = max((len(s) for s in shown), default=1)
    room = max(10, min(40, width - name_w - num_w - 6))
    top = max((abs(v) for v in values), default=0) or 1
    lines = []
    for name, text, value in zip(names, shown, values, strict=True):
        name = _fit(name, name_w)
        full, part = divmod(abs(value) * room * 8 // top, 8)
        bar = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
        gap = " " * (name_w - tables.width_of(name))
        lines.append(f"  {name}{gap}  {bar}{' ' * (room - len(bar) + 1)}{text:>{num_w}}")
    return lines


def sparklines(
    months: list[str], named: list[tuple[str, list[Any]]], width: int, name_w: int = 0
) -> list[str]:
    """One sparkline per series: `name  ▁▃█▅  max N (first … last)`."""
    from custinfo.cli import tables

    if not months:
        return []
    names = [column_name(n) for n, _values in named]
    name_w = max(name_w, *(tables.width_of(n) for n in names))
    room = max(8, width - name_w - 4)
    shown = months[-room:]
    lines = []
    for name, (_n, values) in zip(names, named, strict=True):
        values = list(values)[-len(shown) :]
        top = max(values, default=0)
        spark = "".join(
            " " if v <= 0 or not top else SPARKS[min(7, int((v / top) * 8 - 1e-9))] for v in values
        )
        gap = " " * (name_w - tables.width_of(name))
        lines.append(f"  {name}{gap}  {spark}")
        label = _("max {top}").format(top=human(round(top)) if top else 0)
        lines.append(f"  {' ' * name_w}  {shown[0]} … {shown[-1]}, {label}"[: width + 10])
    return lines


def _fit(text: str, width: int) -> str:
    from custinfo.cli import tables

    if tables.width_of(text) <= width:
        return text
    out = ""
    for char in text:
        if tables.width_of(out + char) > width - 1:
            break
        out += char
    return out + "…"


def show(out: Any, report: Report, fmt: str, stream: TextIO | None = None) -> None:
    """Write `report` in `fmt` to `stream` (default: the output's stdout). A terminal
    table goes through the pager."""
    from custinfo.cli import terminal

    target = stream or out.stdout
    if fmt == "csv":
        write_csv(report, target)
    elif fmt == "json":
        write_json(report, target)
    elif fmt == "ids":
        write_ids(report, target)
    elif fmt == "html":
        target.write(html_text(report))
    else:
        width = terminal.size(out.stdout)[0] if out.is_tty else 80
        text = terminal_text(report, width=width, color=out.color)
        if stream is None and out.is_tty:
            terminal.page(text, out.stdout)
        else:
            target.write(text)


def html_text(report: Report) -> str:
    from custinfo.cli.tables import local_time
    from custinfo.reports import html

    return html.render(report, tr=_, word=word, label=label, local_time=local_time)
