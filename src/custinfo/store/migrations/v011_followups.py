"""Follow-ups, keep-in-touch cadences and the birthday index (the agenda's sources).

- `followups` (record kind, MOVE on merge): what to do next for a customer. `due_date` is
  the local calendar date the owner meant (`YYYY-MM-DD`); a follow-up typed with a time
  also has `due_at`, that instant as stored UTC text (then `due_date` is its local date
  when it was written, kept for the index: queries allow two days of time-zone slack and
  check `due_at` exactly). A date alone is never stored as an instant, so a change of
  time zone does not move it. `repeat` is EVERY (`7d`, `2w`, `1m`, ...), `status` open,
  done or cancelled; `note_id` is the interaction `followup done` logged.
- `keep_in_touch` (record kind, UNION on merge, one row per customer): the contact cadence
  `every` and when it was set (`since`, the base while there has been no contact yet).
- `customers_birthday_md`: an index on the month and day of a birthday, `substr(birthday,
  -5)` = `MM-DD` for both stored forms (`YYYY-MM-DD` and the year-less `--MM-DD`),
  covering the birthday and the name (the agenda reads a window from the index alone).

Self-contained and idempotent (IF NOT EXISTS): nothing else depends on this number.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS followups (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind TEXT NOT NULL DEFAULT 'task',
        text TEXT NOT NULL DEFAULT '',
        due_date TEXT NOT NULL,
        due_at TEXT,
        repeat TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        created_at TEXT NOT NULL,
        closed_at TEXT,
        note_id INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS followups_customer ON followups(customer_id, status, due_date)",
    "CREATE INDEX IF NOT EXISTS followups_open_due ON followups(due_date) WHERE status = 'open'",
    """CREATE TABLE IF NOT EXISTS keep_in_touch (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
        every TEXT NOT NULL,
        since TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS keep_in_touch_every ON keep_in_touch(every)",
    # Covering (month-day, birthday, name): the agenda reads a window without the table.
    "CREATE INDEX IF NOT EXISTS customers_birthday_md "
    "ON customers(substr(birthday, -5), birthday, name) WHERE birthday IS NOT NULL",
]
