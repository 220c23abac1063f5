"""v5: export cells — each customer's phones, emails, tags and notes CSV cells, stored on
`customers` (see `custinfo.export_cells`), so a CSV export is one sequential scan.

`upgrade` adds the columns (only those missing: a file whose `user_version` was set back by
hand, as the backup tests do to fake an old copy, may have them already) and computes the
cells of the customers already there.
"""

from typing import Any

STATEMENTS: list[str] = []
COLUMNS = ("phones_cell", "emails_cell", "tags_cell", "notes_cell")


def upgrade(conn: Any) -> None:
    from custinfo import export_cells

    present = {row[1] for row in conn.execute("PRAGMA table_info(customers)")}
    for name in COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE customers ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
    export_cells.refresh(conn)
