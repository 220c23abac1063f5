"""v10: consent per purpose, opt-outs by contact, and audit links readable per entry.

- `purposes`: what personal data is processed for (not customer data): a key, a label,
  the lawful basis and an optional retention rule (duration and what it counts from).
- `consents`: the consent ledger, a record kind (`store.records.CONSENTS`): append-only
  rows per customer and purpose; the current state is the latest entry (by `at`, then id).
  The covering index serves the per-customer "latest entry" lookups of find, the gated
  export and retention without touching the table.
- `optouts`: the contact-level ledger: keyed HMACs (the suppression key, `digest(kind,
  value)`) of phones and emails that opted out of (or back into) a purpose, never the
  values. Not a record kind: purge never erases it, and it works for contacts no customer
  holds. `batch` ties rows to their purge-journal entry, which `backup restore` re-applies.
- `audit_customers_entry`: the ids linked to one audit entry (the audit viewer, "which
  customers did export 17 contain") without scanning every link.

Every statement is IF NOT EXISTS: a file whose `user_version` was set back by hand (the
backup tests fake an old copy that way) may have them already.
"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS purposes (
        key TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        basis TEXT NOT NULL CHECK (basis IN ('consent', 'contract', 'legal-obligation',
                                             'legitimate-interest')),
        retention TEXT,
        retention_from TEXT CHECK (retention_from IN ('last-contact', 'withdrawal', 'created')),
        created_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS consents (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('given', 'withdrawn')),
        at TEXT NOT NULL,
        method TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS consents_latest "
    "ON consents(customer_id, purpose, at, id, channel, state, source)",
    """CREATE TABLE IF NOT EXISTS optouts (
        hmac BLOB NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
        purpose TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('given', 'withdrawn')),
        at TEXT NOT NULL,
        batch TEXT NOT NULL,
        PRIMARY KEY (hmac, purpose, channel, at, state, batch)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS optouts_batch ON optouts(batch)",
    "CREATE INDEX IF NOT EXISTS audit_customers_entry ON audit_customers(audit_id, customer_id)",
]
