"""The CSV export's row of a customer as SQL, and the same row rendered as a CSV line by SQLite.

Every cell comes straight from stored data: the multi-valued cells are stored already
joined and escaped (`custinfo.export.cells`), the activity columns sit in the narrow
`customer_activity` (a rowid lookup), the tags cell in `tag_cells`. The messenger ids are
joined in from `im_handles` once per query (one grouped pass). A table no customer has a
row in (no tags, messenger ids or activity yet) is left out of the query.

`row_sql` gives the cells as columns (the Excel export, which guards formulas cell by
cell in Python). `line_sql` gives one text per customer: its CSV line, quoted exactly as
`csv.writer` quotes (QUOTE_MINIMAL: a cell holding `"`, `,` or a line break is put in
double quotes, its quotes doubled; a carriage return counts as a line break), so Python
moves one value per customer instead of nineteen; `quote` is the same rule in Python.
"""

from __future__ import annotations

from typing import Any

#: The cells of CUSTOMER_FIELDS, in order: (SQL expression, may need quoting). Cells whose
#: text custinfo writes itself (ids, counts, times, amounts, birthdays) never need quotes.
_CELLS = (
    ("customers.id", False),
    ("customers.name", True),
    ("customers.phones_cell", True),
    ("customers.emails_cell", True),
    ("customers.company", True),
    ("customers.address", True),
    ("customers.city", True),
    ("customers.birthday", False),
    ("{tags}", True),
    ("customers.notes_cell", True),
    ("customers.source", True),
    ("customers.created_at", False),
    ("customers.updated_at", False),
    ("{wechat}", True),
    ("{qq}", True),
    ("a.order_count", False),
    ("{total}", False),
    ("a.last_order_at", False),
    ("a.last_contact_at", False),
)
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
#: What makes csv.writer quote a cell (a GLOB class: quote, comma, LF, CR).
_SPECIAL = "'*[\",' || char(10, 13) || ']*'"
_SPECIAL_CHARS = frozenset('",\n\r')


def _parts(conn: Any, ids_clause: str) -> tuple[list[tuple[str, bool]], str]:
    """The cell expressions (never NULL) and the FROM clause; `ids_clause` restricts the
    messenger-id pass to the same customers (e.g. `WHERE customer_id IN (...)`)."""
    from custinfo.activity.aggregates import currency
    from custinfo.money import sql_text

    handles, tags, activity = (
        conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None
        for table in ("im_handles", "tag_cells", "customer_activity")
    )
    names = {
        "wechat": "h.wechat" if handles else "''",
        "qq": "h.qq" if handles else "''",
        "tags": "tag_cells.cell" if tags else "''",
        "total": sql_text("coalesce(a.spent, 0)" if activity else "0", currency(conn)),
    }
    cells = []
    for expr, quoted in _CELLS:
        if expr.startswith("a.") and not activity:
            cells.append(("0" if expr == "a.order_count" else "''", False))
            continue
        expr = expr.format(**names)
        if expr == "a.order_count":
            expr = f"coalesce({expr}, 0)"
        elif expr.startswith(("customers.", "a.", "h.", "tag_cells.")) and expr != "customers.id":
            expr = f"coalesce({expr}, '')"
        cells.append((expr, quoted and expr != "''"))
    joins = _FROM + (_TAGS if tags else "") + (_ACTIVITY if activity else "")
    if handles:
        joins += _HANDLES.format(where=ids_clause)
    return cells, joins


def row_sql(conn: Any, ids_clause: str = "") -> str:
    """SELECT of the CSV cells (ints for the id and the order count, text otherwise),
    without WHERE or ORDER BY."""
    cells, joins = _parts(conn, ids_clause)
    return "SELECT " + ", ".join(expr for expr, _ in cells) + joins


def line_sql(conn: Any, ids_clause: str = "") -> str:
    """SELECT of (id, CSV line without its line end), without WHERE or ORDER BY."""
    cells, joins = _parts(conn, ids_clause)
    rendered = ", ".join(_quoted(expr) if quoted else expr for expr, quoted in cells)
    return f"SELECT customers.id, concat_ws(',', {rendered})" + joins


def _quoted(expr: str) -> str:
    return (
        f"CASE WHEN {expr} GLOB {_SPECIAL} THEN '\"' || replace({expr}, '\"', '\"\"') || '\"' "
        f"ELSE {expr} END"
    )


def quote(cell: str) -> str:
    """One CSV cell as `line_sql` writes it (for cells added in Python)."""
    if _SPECIAL_CHARS.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'
