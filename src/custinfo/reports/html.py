"""The HTML report: one self-contained file that needs no network and prints well.

It holds the report's title, when it was made (local time), the filters and period used,
the headline numbers, every table (at most `ROWS` rows each; the CSV and JSON formats give
all) and the charts as inline SVG drawn server-side by matplotlib (`reports.charts`): no
script, no style sheet, font or image from elsewhere. Text is escaped; numbers are
formatted for people (`reports.numbers.human`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from custinfo.i18n import N_
from custinfo.reports import Report
from custinfo.reports.numbers import human
from custinfo.reports.shown import charts, shown_rows

ROWS = 1000

_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
  sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.meta { color: #555; font-size: 0.9em; } .meta dt { font-weight: 600; float: left;
  clear: left; margin-right: 0.5em; } .meta dd { margin: 0 0 0.2em 0; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.summary td:first-child { color: #555; } .note { color: #666; font-size: 0.85em; }
svg.chart { max-width: 100%; height: auto; display: block; }
.pair { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }
.charts { flex: 1 1 32em; min-width: 20em; }
section { break-inside: avoid; page-break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; } }
"""


def render(
    report: Report, *, tr: Any = None, word: Any = None, label: Any = None, local_time: Any = None
) -> str:
    """The report as one HTML document. `tr` translates English text, `word` a report name
    or period key, `label` a summary label (defaults: as is); `local_time` turns stored UTC
    text into local time for people."""
    t = tr or (lambda text: text)
    w = word or (lambda key: key.replace("_", " "))
    lab = label or (lambda _report, text: text.format(**report.period))
    title = t(N_("Report: {name}")).format(name=w(report.name))
    made = local_time(report.generated_at) if local_time else report.generated_at
    parts = [
        "<!DOCTYPE html>", f'<html lang="{_lang()}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        f"<h1>{escape(title)}</h1>", '<dl class="meta">',
    ]  # fmt: skip
    made_label = t(N_("Made"))
    parts.append(f"<dt>{escape(made_label)}</dt><dd>{escape(made)}</dd>")
    for key, value in report.period.items():
        parts.append(f"<dt>{escape(w(key))}</dt><dd>{escape(value)}</dd>")
    filters = "; ".join(f"{k} {v}" for k, v in report.filters.items()) or t(N_("none (everyone)"))
    filters_label = t(N_("Filters"))
    parts += [f"<dt>{escape(filters_label)}</dt><dd>{escape(filters)}</dd>", "</dl>"]
    if report.summary:
        parts.append('<table class="summary">')
        for _, text, value in report.summary:
            shown = f"{value:.1%}" if isinstance(value, float) and value <= 1 else human(value)
            name = escape(lab(report, text))
            parts.append(f"<tr><td>{name}</td><td class='n'>{escape(shown)}</td></tr>")
        parts.append("</table>")
    for table in report.tables:
        parts.append(_section(report, table, t))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _section(report: Report, table: Any, t: Any) -> str:
    from custinfo.reports import charts as draw

    out = ["<section>", f"<h2>{escape(t(table.title))}</h2>", '<div class="pair">']
    drawn = charts(table)
    if drawn:
        out.append('<div class="charts">')
        for kind, labels, values in drawn:
            out.append(draw.bars(labels, values) if kind == "bars" else draw.series(labels, values))
        out.append("</div>")
    rows, total = shown_rows(report, table, ROWS)
    out.append("<table><thead><tr>")
    out += [f"<th>{escape(t(c))}</th>" for c in table.columns]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [
            f"<td class='n'>{escape(human(v))}</td>"
            if isinstance(v, int | float) or type(v).__name__ == "Money"
            else f"<td>{escape(human(v))}</td>"
            for v in row
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if total > len(rows):
        note = t(N_("first {shown} of {total}")).format(shown=human(len(rows)), total=human(total))
        out.append(f"<p class='note'>{escape(note)}</p>")
    elif not rows:
        none = t(N_("none"))
        out.append(f"<p class='note'>{escape(none)}</p>")
    out.append("</div></section>")
    return "\n".join(out)


def _lang() -> str:
    from custinfo.reports.numbers import _chinese

    return "zh-CN" if _chinese() else "en"
