"""v13: the agenda's derived data (`custinfo.followups.due`): keep-in-touch due data and
open follow-ups with names.

`keep_in_touch_due`: one row per customer with a cadence: the cadence `every`, the `base_at`
its due day counts from (the last contact, an interaction or an order, else when the
cadence was set: stored UTC text), whether there was a contact, and the customer's name.
The covering index `(every, base_at, ...)` gives the agenda the customers due
by a horizon as one range per distinct cadence, names included, without reading the
customer table. The due day itself is `every` after the local date of `base_at`, worked out
when read, so a change of time zone needs no rewrite.

`followups_open`: a copy of the open follow-ups with the customer's name, and an index by
due date covering every column the agenda shows, so the agenda reads one range and no
customer rows (a cold read of a name from the customer table costs a page each).

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
    """CREATE TABLE IF NOT EXISTS followups_open (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        due_date TEXT NOT NULL,
        due_at TEXT,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        name TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS followups_open_customer ON followups_open(customer_id)",
    "CREATE INDEX IF NOT EXISTS followups_open_by_due "
    "ON followups_open(due_date, due_at, customer_id, kind, text, name)",
    """INSERT INTO followups_open(id, customer_id, due_date, due_at, kind, text, name)
    SELECT f.id, f.customer_id, f.due_date, f.due_at, f.kind, f.text, c.name
    FROM followups f JOIN customers c ON c.id = f.customer_id
    WHERE f.status = 'open' AND NOT EXISTS (SELECT 1 FROM followups_open)""",
    """INSERT INTO keep_in_touch_due(customer_id, every, base_at, contacted, name)
    SELECT k.customer_id, k.every, coalesce(a.last_contact_at, k.since),
           a.last_contact_at IS NOT NULL, c.name
    FROM keep_in_touch k JOIN customers c ON c.id = k.customer_id
    LEFT JOIN customer_activity a ON a.customer_id = k.customer_id
    WHERE NOT EXISTS (SELECT 1 FROM keep_in_touch_due)""",
]
