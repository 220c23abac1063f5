"""v2: the search index (find) — see `custinfo.search.index`.

Existing customers are indexed by `upgrade`, so an old database becomes searchable when it
is first opened by this version.
"""

from typing import Any

STATEMENTS = [
    """CREATE TABLE search_docs (
        customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        company TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        other TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX search_docs_name ON search_docs(name)",
    # Contentless, rowids only (detail=none, no column sizes): the smallest FTS5 index.
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        doc, content='', detail='none', columnsize=0,
        tokenize='unicode61 remove_diacritics 0'
    )""",
    # A deleted customer's tokens are removed from the index segments at once.
    "INSERT INTO search_fts(search_fts, rank) VALUES('secure-delete', 1)",
    """CREATE TABLE search_phones (
        rev TEXT NOT NULL,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        PRIMARY KEY (rev, customer_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX search_phones_customer ON search_phones(customer_id)",
    """CREATE TABLE search_emails (
        rev TEXT NOT NULL,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        PRIMARY KEY (rev, customer_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX search_emails_customer ON search_emails(customer_id)",
]


def upgrade(conn: Any) -> None:
    from custinfo.search import index as search_index

    search_index.rebuild(conn)
