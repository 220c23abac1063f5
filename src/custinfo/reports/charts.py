"""Charts as inline SVG for the HTML report, drawn with matplotlib's SVG backend.

Imported only by `custinfo.reports.html` (never at start-up: tests check `sys.modules`).
Text stays text in the SVG (`svg.fonttype = none`), so the browser draws Chinese labels
with its own fonts and the file stays small; no script, no external reference.

- `bars(labels, values)`: horizontal bars, for a split (largest first as given);
- `series(months, named_values)`: one line per series over the months (counts), or bars
  when there is a single series.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence

_WIDTH = 7.5  # inches: fits an A4 page with margins
_COLORS = ("#2f6db5", "#e07b39", "#3a9d5d", "#b54a4a", "#7a5fb5", "#8c6d46", "#c75fa0", "#666")


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("svg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
        "axes.spines.right": False, "svg.hashsalt": "custinfo",
        "font.family": ["sans-serif"],
        "font.sans-serif": ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"],
    })  # fmt: skip
    return plt


def _svg(fig) -> str:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyphs while measuring: text stays text
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return text.replace('width="', 'class="chart" width="', 1)


def bars(labels: Sequence[str], values: Sequence[float], *, unit: str = "") -> str:
    """Horizontal bars, the first label on top."""
    plt = _pyplot()
    height = 0.6 + 0.28 * max(len(labels), 1)
    fig, ax = plt.subplots(figsize=(_WIDTH, height))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, list(values), color=_COLORS[0], height=0.7)
    ax.set_yticks(positions, [str(label) or "(none)" for label in labels])
    ax.tick_params(axis="y", length=0)
    for y, value in zip(positions, values, strict=True):
        ax.annotate(f"{value:,.0f}{unit}", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.margins(x=0.12)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    return _svg(fig)


def series(months: Sequence[str], named: Sequence[tuple[str, Sequence[float]]]) -> str:
    """A monthly series: bars for one series, lines for several."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(_WIDTH, 2.6))
    x = list(range(len(months)))
    if len(named) == 1:
        ax.bar(x, list(named[0][1]), color=_COLORS[0], label=named[0][0])
    else:
        for index, (name, values) in enumerate(named):
            ax.plot(x, list(values), marker="o", markersize=3, label=name,
                    color=_COLORS[index % len(_COLORS)])  # fmt: skip
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, len(months) // 12)
    ax.set_xticks(x[::step], list(months)[::step], rotation=45, ha="right")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig)
