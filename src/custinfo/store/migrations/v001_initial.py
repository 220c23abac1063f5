"""v1: customers with phones, emails, tags, notes; meta; audit log."""

STATEMENTS = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # AUTOINCREMENT: ids are never reused, so an id in a script or an audit entry is forever.
    """CREATE TABLE customers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        company TEXT,
        address TEXT,
        city TEXT,
        birthday TEXT,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX customers_created ON customers(created_at)",
    "CREATE INDEX customers_updated ON customers(updated_at)",
    """CREATE TABLE phones (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        e164 TEXT NOT NULL,
        ext TEXT NOT NULL DEFAULT '',
        UNIQUE (customer_id, e164, ext)
    )""",
    "CREATE INDEX phones_e164 ON phones(e164)",
    """CREATE TABLE emails (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        address TEXT NOT NULL,
        key TEXT NOT NULL,
        UNIQUE (customer_id, key)
    )""",
    "CREATE INDEX emails_key ON emails(key)",
    """CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE
    )""",
    """CREATE TABLE customer_tags (
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (customer_id, tag_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX customer_tags_tag ON customer_tags(tag_id, customer_id)",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX notes_customer ON notes(customer_id, at)",
    # Audit: what happened, never the personal values (field names and ids only).
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 0,
        fields TEXT NOT NULL DEFAULT '[]',
        detail TEXT
    )""",
    "CREATE INDEX audit_at ON audit(at)",
    """CREATE TABLE audit_customers (
        audit_id INTEGER NOT NULL REFERENCES audit(id) ON DELETE CASCADE,
        customer_id INTEGER NOT NULL,
        PRIMARY KEY (customer_id, audit_id)
    ) WITHOUT ROWID""",
]
