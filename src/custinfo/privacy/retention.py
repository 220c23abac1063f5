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

Last contact is issue 12's: the latest interaction other than a plain note, or the latest
order (`customer_activity.last_contact_at`, the value `find --no-contact-since`, `show`
and the agenda's keep-in-touch read), or the customer's creation when they have none.

`evaluate` is the reference in Python; `check` and `verdicts` run its SQL twin
(`privacy.retention_sql`): one ordered pass over the consent ledger's index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from custinfo.privacy.consent import WITHDRAWN, Entry, Purpose, in_force
from custinfo.privacy.dates import now as utc_now
from custinfo.privacy.dates import shift
from custinfo.privacy.retention_sql import INDEFINITE


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
    """The retention verdict of one customer: the reference for `retention_sql`."""
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


def verdicts(
    conn: Any, ps: Sequence[Purpose], ids: Sequence[int], now: str | None = None
) -> dict[int, Verdict]:
    """`evaluate` for each of `ids` (through its SQL twin)."""
    import json

    from custinfo.privacy import retention_sql

    out = {cid: Verdict(None) for cid in ids}
    if not ps or not ids:
        return out
    sql, params = retention_sql.query(
        ps, now or utc_now(), past_only=False, only="{id} IN (SELECT value FROM json_each(:ids))"
    )
    for row in conn.execute(sql, {**params, "ids": json.dumps(list(ids))}):
        out[row[0]] = _pick(ps, row)
    return out


def _pick(ps: Sequence[Purpose], row: Sequence[Any]) -> Verdict:
    """The verdict of a row (cid, since0, until0, ...): the purpose whose period ends last,
    the first in `ps` order on a tie (as `evaluate`)."""
    best: Verdict = Verdict(None)
    for i, p in enumerate(ps):
        since, until = row[1 + 2 * i], row[2 + 2 * i]
        if until is not None and (best.until is None or until > best.until):
            rule = p.rule() if p.retention else "no retention period"
            best = Verdict(until, p.key, rule, since)
    return best


def check(store: Any, now: str | None = None) -> list[Due]:
    """Customers past retention at `now`, with the rule that applies, in id order."""
    from custinfo.privacy.consent import purposes

    return past(store.conn, purposes(store), now or utc_now())


def past(conn: Any, ps: Sequence[Purpose], now: str) -> list[Due]:
    """`check` for the purposes `ps`: one query (`retention_sql.query`)."""
    from custinfo.privacy import retention_sql

    forever = any(p.basis != "consent" and not p.retention for p in ps)
    if forever or not any(p.retention for p in ps):
        return []  # no period to be past, or a purpose that covers everyone for good
    sql, params = retention_sql.query(ps, now, past_only=True)
    due = []
    for row in conn.execute(sql, params):
        v = _pick(ps, row)
        if v.until is not None and v.until < now and v.purpose:
            due.append(Due(row[0], v.purpose, v.rule, v.since or "", v.until))
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
