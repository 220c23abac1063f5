"""Retention: who is past every purpose's retention period, and their erasure.

A purpose covers a customer (keeps their data lawful) as follows, R being its retention
period counted from last contact, withdrawal or creation (`purpose add --retention R
--from ...`):

| basis | covers the customer while |
|---|---|
| consent, no retention | consent is in force |
| consent, from withdrawal | consent is in force, or the latest withdrawal is less than R ago |
| consent, from last-contact / created | consent is in force and that time is less than R ago |
| any other basis, no retention | always |
| any other basis, from last-contact / created | that time is less than R ago |

"In force" is `privacy.consent.in_force` (given on some channel and not withdrawn since for
that channel or `any`). A consent purpose applies only to customers with a ledger entry for
it; any other basis applies to everyone. A customer is **past retention** when at least one
purpose with a retention period applies to them and no purpose covers them; the rule shown
(and the purge reason `retention:<purpose>`) is the applying purpose whose period ended
last. Customers no purpose with a retention period applies to are never past retention.

Last contact: `last_contact_sql` (the one place to change when interactions and orders
land): the latest of `updated_at` (edits, notes, imports) and the latest note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from custinfo.privacy.consent import WITHDRAWN, Entry, Purpose, in_force
from custinfo.privacy.dates import now as utc_now
from custinfo.privacy.dates import shift

INDEFINITE = "9999-12-31T23:59:59.999999Z"


def last_contact_sql(alias: str = "c") -> str:
    """SQL: a customer's last contact (the latest of updated_at and the latest note)."""
    return (
        f"max({alias}.updated_at, coalesce((SELECT max(n.at) FROM notes n "
        f"WHERE n.customer_id = {alias}.id), ''))"
    )


@dataclass(slots=True)
class Verdict:
    """One customer's retention: `until` (INDEFINITE while a purpose covers them for good,
    None when no purpose with a retention period applies), the purpose and rule of it, and
    the time its period counts from."""

    until: str | None
    purpose: str | None = None
    rule: str = ""
    since: str | None = None


@dataclass(slots=True)
class Due:
    customer_id: int
    purpose: str
    rule: str
    since: str
    until: str


def evaluate(
    ps: Sequence[Purpose], ledger: dict[str, list[Entry]], created: str, last_contact: str
) -> Verdict:
    """The retention date of one customer (the reference for `past_ids`' SQL)."""
    best: Verdict = Verdict(None)
    for p in ps:
        entries = ledger.get(p.key, [])
        consent = p.basis == "consent"
        if consent and not entries:
            continue  # a consent purpose applies once the customer has an entry for it
        live = in_force(entries) if consent else True
        withdrawn = max((e.at for e in entries if e.state == WITHDRAWN), default="")
        if not p.retention:
            if live:
                return Verdict(INDEFINITE, p.key, "no retention period")
            continue
        if p.retention_from == "withdrawal":
            since = withdrawn
            until = INDEFINITE if live else shift(withdrawn, p.retention)
        else:
            since = last_contact if p.retention_from == "last-contact" else created
            until = shift(since, p.retention)
            if not live:  # a withdrawn consent stops covering at once
                since, until = withdrawn, min(until, withdrawn)
        if until == INDEFINITE:
            return Verdict(INDEFINITE, p.key, p.rule(), since)
        if best.until is None or until > best.until:
            best = Verdict(until, p.key, p.rule(), since)
    return best


def _applies(p: Purpose) -> tuple[str, list[Any]]:
    """SQL (customer `c`): purpose `p` applies to the customer."""
    if p.basis != "consent":
        return "1", []
    return "EXISTS (SELECT 1 FROM consents a WHERE a.customer_id = c.id AND a.purpose = ?)", [p.key]


def _covers(p: Purpose, now: str) -> tuple[str, list[Any]]:
    """SQL (customer `c`): purpose `p` still covers the customer at `now` (module table)."""
    cutoff = shift(now, p.retention, -1) if p.retention else now
    anchor = last_contact_sql() if p.retention_from == "last-contact" else "c.created_at"
    if p.basis != "consent":
        return (f"{anchor} >= ?", [cutoff]) if p.retention else ("1", [])
    live = (
        "EXISTS (SELECT 1 FROM consents g WHERE g.customer_id = c.id AND g.purpose = ? "
        "AND g.state = 'given' AND NOT EXISTS (SELECT 1 FROM consents x WHERE "
        "x.customer_id = c.id AND x.purpose = ? AND x.state = 'withdrawn' "
        "AND x.channel IN ('any', g.channel) AND (x.at > g.at OR (x.at = g.at AND x.id > g.id))))"
    )
    if not p.retention:
        return live, [p.key, p.key]
    if p.retention_from == "withdrawal":
        since = (
            "coalesce((SELECT max(w.at) FROM consents w WHERE w.customer_id = c.id "
            "AND w.purpose = ? AND w.state = 'withdrawn'), '')"
        )
        return f"({live} OR {since} >= ?)", [p.key, p.key, p.key, cutoff]
    return f"({live} AND {anchor} >= ?)", [p.key, p.key, cutoff]


def past_ids(conn: Any, ps: Sequence[Purpose], now: str) -> list[int]:
    """Ids of customers past retention: one scan of customers with indexed lookups per
    customer (the twin of `evaluate`)."""
    ruled = [p for p in ps if p.retention]
    if not ruled or any(p.basis != "consent" and not p.retention for p in ps):
        return []  # no period to be past, or a purpose that covers everyone for good
    where, params = [], []
    applies = [_applies(p) for p in ruled]
    where.append("(" + " OR ".join(sql for sql, _ in applies) + ")")
    params += [v for _, values in applies for v in values]
    for p in ps:
        sql, values = _covers(p, now)
        where.append(f"NOT {sql}")
        params += values
    sql = f"SELECT c.id FROM customers c WHERE {' AND '.join(where)} ORDER BY c.id"
    return [r[0] for r in conn.execute(sql, params)]


def verdicts(conn: Any, ps: Sequence[Purpose], ids: Sequence[int]) -> dict[int, Verdict]:
    """`evaluate` for each of `ids`."""
    import json

    from custinfo.store import consent as rows

    ledger = rows.entries(conn, ids)
    out: dict[int, Verdict] = {}
    for start in range(0, len(ids), 5000):
        part = json.dumps(list(ids[start : start + 5000]))
        for cid, created, last in conn.execute(
            f"SELECT c.id, c.created_at, {last_contact_sql()} FROM customers c "
            "WHERE c.id IN (SELECT value FROM json_each(?))",
            (part,),
        ):
            out[cid] = evaluate(ps, ledger.get(cid, defaultdict(list)), created, last)
    return out


def check(store: Any, now: str | None = None) -> list[Due]:
    """Customers past retention, with the rule that applies, in id order."""
    from custinfo.privacy.consent import purposes

    ps = purposes(store)
    now = now or utc_now()
    ids = past_ids(store.conn, ps, now)
    found = verdicts(store.conn, ps, ids)
    due = []
    for cid in ids:
        v = found[cid]
        if v.until is not None and v.until < now and v.purpose:
            due.append(Due(cid, v.purpose, v.rule, v.since or "", v.until))
    return due


def apply(store: Any, due: Sequence[Due]) -> dict[str, Any]:
    """Erase `due` through the purge machinery, one purge per purpose (reason
    `retention:<purpose>`), without suppression: the person did not ask to be forgotten,
    so they may come back as a customer (their opt-outs stay)."""
    from custinfo.privacy import purge

    groups: dict[str, list[int]] = defaultdict(list)
    for d in due:
        groups[d.purpose].append(d.customer_id)
    results = {}
    for key, ids in sorted(groups.items()):
        results[key] = purge.purge(store, ids, reason=f"retention:{key}", suppress=False)
    return results
