"""The CSV export's row of a customer as SQL, and the same row rendered as a CSV line by SQLite.

Every cell comes straight from stored data: the multi-valued cells are stored already
joined and escaped (`custinfo.export.cells`), the activity columns sit in the narrow
`customer_activity` (a rowid lookup), the tags cell in `tag_cells`. The messenger ids are
joined in from `im_handles` once per query (one grouped pass). A table no customer has a
row in (no tags, messenger ids or activity yet) is left out of the query.

`row_sql` gives the cells as columns (the Excel export, which guards formulas cell by
cell in Python). `line_sql` gives one text per customer, its CSV line, quoted by SQLite
exactly as `csv.writer` quotes (QUOTE_MINIMAL: a cell holding `"`, `,` or a line break in
double quotes, its quotes doubled; a carriage return counts as a line break), so Python
moves one value per customer instead of nineteen; `quote` is the same rule in Python.
"""

from __future__ import annotations

import re
from typing import Any

#: The cells of CUSTOMER_FIELDS, in order, as SQL ({...}: filled in by `_parts`).
_CELLS = (
    "customers.id", "customers.name", "customers.phones_cell", "customers.emails_cell",
    "customers.company", "customers.address", "customers.city", "customers.birthday",
    "{tags}", "customers.notes_cell", "customers.source", "customers.created_at",
    "customers.updated_at", "{wechat}", "{qq}", "a.order_count", "{total}",
    "a.last_order_at", "a.last_contact_at",
)  # fmt: skip
#: The cells whose text custinfo writes itself in a form without quotes, commas or line
#: breaks: ids, E.164 phones, birthdays, counts, amounts and its own timestamps (the other
#: stored text is quoted when it needs it).
_PLAIN = frozenset((0, 2, 7, 11, 12, 15, 16, 17, 18))
#: (NOT INDEXED: the planner would read everyone through `customers_id_name` for the id
#: order, one table lookup per customer; an id list still seeks by rowid.)
_FROM = " FROM customers NOT INDEXED"
_TAGS = " LEFT JOIN tag_cells ON tag_cells.customer_id = customers.id"
_ACTIVITY = " LEFT JOIN customer_activity a ON a.customer_id = customers.id"
#: The messenger ids of the customers in the query, one row per customer that has any.
_HANDLES = """ LEFT JOIN (SELECT customer_id,
    group_concat(handle, ';' ORDER BY id) FILTER (WHERE kind = 'wechat') AS wechat,
    group_concat(handle, ';' ORDER BY id) FILTER (WHERE kind = 'qq') AS qq
  FROM im_handles {where} GROUP BY customer_id) h ON h.customer_id = customers.id"""
#: What makes csv.writer quote a cell: a quote, comma, LF or CR (a GLOB class).
_SPECIAL_GLOB = "'*[\",' || char(10, 13) || ']*'"
_SPECIAL = re.compile('[",\n\r]')


def _parts(conn: Any, ids_clause: str) -> tuple[list[str], str]:
    """The cell expressions (never NULL) and the FROM clause; `ids_clause` restricts the
    messenger-id pass to the same customers (e.g. `WHERE customer_id IN (...)`)."""
    from custinfo.activity.aggregates import currency
    from custinfo.money import sql_text

    handles, tags, activity = (
        conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
        for table in ("im_handles", "tag_cells", "customer_activity")
    )
    names = {
        "wechat": "coalesce(h.wechat, '')" if handles else "''",
        "qq": "coalesce(h.qq, '')" if handles else "''",
        "tags": "coalesce(tag_cells.cell, '')" if tags else "''",
        "total": sql_text("coalesce(a.spent, 0)" if activity else "0", currency(conn)),
    }
    cells = []
    for expr in _CELLS:
        if expr.startswith("a.") and not activity:
            cells.append("0" if expr == "a.order_count" else "''")
        elif expr == "a.order_count":
            cells.append(f"coalesce({expr}, 0)")
        elif expr.startswith("{"):
            cells.append(expr.format(**names))
        else:
            cells.append(expr if expr == "customers.id" else f"coalesce({expr}, '')")
    joins = _FROM + (_TAGS if tags else "") + (_ACTIVITY if activity else "")
    if handles:
        joins += _HANDLES.format(where=ids_clause)
    return cells, joins


def row_sql(conn: Any, ids_clause: str = "") -> str:
    """SELECT of the CSV cells (ints for the id and the order count, text otherwise),
    without WHERE or ORDER BY."""
    cells, joins = _parts(conn, ids_clause)
    return "SELECT " + ", ".join(cells) + joins


def line_sql(conn: Any, ids_clause: str = "") -> str:
    """SELECT of (id, CSV line without its end), without WHERE or ORDER BY."""
    cells, joins = _parts(conn, ids_clause)
    quoted = [
        cell if i in _PLAIN or cell == "''" else _quoted(cell) for i, cell in enumerate(cells)
    ]
    return "SELECT customers.id, concat_ws(',', " + ", ".join(quoted) + ")" + joins


def _quoted(expr: str) -> str:
    """SQL for the CSV cell of the text `expr` (a column, evaluated once or twice)."""
    return (
        f"CASE WHEN {expr} GLOB {_SPECIAL_GLOB} THEN "
        f"'\"' || replace({expr}, '\"', '\"\"') || '\"' ELSE {expr} END"
    )


def quote(cell: str) -> str:
    """One CSV cell as `csv.writer` writes it (and `line_sql` does)."""
    if _SPECIAL.search(cell) is None:
        return cell
    return '"' + cell.replace('"', '""') + '"'
