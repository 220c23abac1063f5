"""v9: custom fields (issue 14) — declarations (`field_defs`) and typed values (`field_values`).

See `custinfo.store.fields`. Values are keyed (customer_id, field_id) in a WITHOUT ROWID
table: a customer's values sit together, lookups per candidate are one seek, and a bulk
import appends. Only choice and bool values (`indexed = 1`) are in the value index.
`IF NOT EXISTS`: a file whose `user_version` was set back by hand (as the backup tests do to
fake an old copy) may have the tables already.
"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS field_defs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN
            ('text', 'number', 'money', 'date', 'choice', 'multichoice', 'bool')),
        choices TEXT NOT NULL DEFAULT '[]',
        choice_seq INTEGER NOT NULL DEFAULT 0,
        position INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS field_values (
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        field_id INTEGER NOT NULL REFERENCES field_defs(id) ON DELETE CASCADE,
        value NOT NULL,
        indexed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (customer_id, field_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS field_values_by_value ON field_values(field_id, value) "
    "WHERE indexed = 1",
]
