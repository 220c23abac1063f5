"""v7: contact details that phones and contact exports carry (issue 18).

- `im_handles`: a customer's WeChat ids and QQ numbers (`kind` 'wechat' or 'qq'), kept as
  contacts (searchable, exported, merged as a union), not as note text.
- `contact_labels`: the label a file gave a phone or an email (vCard `TEL;TYPE=WORK`,
  Outlook's "Business Phone", Google's "Phone 1 - Label"): `kind` 'phone' (value: the phone
  as shown, "+861062345678 ext. 23") or 'email' (value: the email key), `label` as written
  in lower case ("cell", "work", "home", "work,fax", or the file's own word).

Both are self-contained record kinds (`store.records`); no other code depends on this
migration's number. IF NOT EXISTS: a file whose `user_version` was set back by hand (the
backup tests fake old copies so) may have the tables already.
"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS im_handles (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        handle TEXT NOT NULL,
        UNIQUE (customer_id, kind, handle)
    )""",
    "CREATE INDEX IF NOT EXISTS im_handles_handle ON im_handles(kind, handle)",
    """CREATE TABLE IF NOT EXISTS contact_labels (
        id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        label TEXT NOT NULL,
        UNIQUE (customer_id, kind, value)
    )""",
]
