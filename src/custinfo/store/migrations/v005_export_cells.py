"""v5: export cells — each customer's phones, emails, tags and notes CSV cells, stored on
`customers` (see `custinfo.export_cells`), so a CSV export is one sequential scan.

Existing customers get their cells computed by `upgrade`.
"""

from typing import Any

STATEMENTS = [
    f"ALTER TABLE customers ADD COLUMN {name} TEXT NOT NULL DEFAULT ''"
    for name in ("phones_cell", "emails_cell", "tags_cell", "notes_cell")
]


def upgrade(conn: Any) -> None:
    from custinfo import export_cells

    export_cells.refresh(conn)
