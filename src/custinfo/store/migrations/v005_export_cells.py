"""v5: export cells — each customer's phones, emails, tags and notes CSV cells, stored (see
`custinfo.export.cells`), so a CSV export is one sequential scan.

The phones, emails and notes cells are columns of `customers`. The tags cell lives in the
narrow `tag_cells` table (one row per customer with tags): tagging 100k of 1M customers
rewrites that many cells, and rewriting wide customer rows touched nearly every page of
the table (2.6 s); narrow rows share pages.

`upgrade` adds what is missing (a file whose `user_version` was set back by hand, as the
backup tests do to fake an old copy, may have it already) and computes the cells of the
customers already there.
"""

from typing import Any

STATEMENTS: list[str] = []
COLUMNS = ("phones_cell", "emails_cell", "notes_cell")


def upgrade(conn: Any) -> None:
    from custinfo.export import cells as export_cells

    present = {row[1] for row in conn.execute("PRAGMA table_info(customers)")}
    for name in COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE customers ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS tag_cells (
            customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
            cell TEXT NOT NULL
        )"""
    )
    export_cells.refresh(conn)
