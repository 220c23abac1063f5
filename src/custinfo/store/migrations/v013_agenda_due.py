"""v13: keep-in-touch due data for the agenda (derived data, `custinfo.followups.due`).

`keep_in_touch_due`: one row per customer with a cadence: the cadence `every`, the `base_at`
its due day counts from (the last contact, an interaction or an order, else when the
cadence was set: stored UTC text), whether there was a contact, and the customer's name.
The covering index `(every, base_at, ...)` gives the agenda the customers due
by a horizon as one range per distinct cadence, names included, without reading the
customer table. The due day itself is `every` after the local date of `base_at`, worked out
when read, so a change of time zone needs no rewrite.

`followups_open_agenda`: the open follow-ups by due date, covering the columns the agenda
shows, so it reads no follow-up rows.

Self-contained and idempotent (IF NOT EXISTS, filled only when empty): nothing else depends
on this number.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS keep_in_touch_due (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        every TEXT NOT NULL,
        base_at TEXT NOT NULL,
        contacted INTEGER NOT NULL,
        name TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS keep_in_touch_due_base "
    "ON keep_in_touch_due(every, base_at, customer_id, contacted, name)",
    # Covering the agenda's columns of open follow-ups (no table lookup per row).
    "CREATE INDEX IF NOT EXISTS followups_open_agenda ON followups(due_date, due_at, id, "
    "customer_id, kind, text) WHERE status = 'open'",
    """INSERT INTO keep_in_touch_due(customer_id, every, base_at, contacted, name)
    SELECT k.customer_id, k.every, coalesce(a.last_contact_at, k.since),
           a.last_contact_at IS NOT NULL, c.name
    FROM keep_in_touch k JOIN customers c ON c.id = k.customer_id
    LEFT JOIN customer_activity a ON a.customer_id = k.customer_id
    WHERE NOT EXISTS (SELECT 1 FROM keep_in_touch_due)""",
]
