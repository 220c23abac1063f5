"""The SQL of retention: every customer's retention verdict in one set-based query.

The twin of `privacy.retention.evaluate` (the reference, in Python; the tests prove them
equal). One ordered pass over the covering index `consents_latest` folds each customer's
ledger into two values per consent purpose `i` (`GROUP BY customer_id`, no sort):

- `l{i}`: the latest give or withdrawal for `any` channel, as the text `at || (id + 10^12)
  || state || channel` (stored times are 27 characters, so the text orders as (at, id));
- `w{i}`: the latest withdrawal's time (any channel).

Consent is in force (`consent.in_force`) when `l{i}` is a give for `any` channel, or a give
for one channel with no withdrawal since; not when it is a withdrawal or absent. Only a
give for one channel followed by some withdrawal needs an indexed `EXISTS` (`_LIVE`).

From these, each purpose's `since`/`until` (dates moved with SQLite's `date()`, calendar
months clamped to the month's last day with the `floor` modifier, as `dates.shift`), and
whether it still covers the customer at `now`. The anchor "last contact" is the one of
issue 12, `customer_activity.last_contact_at` (the latest interaction other than a plain
note, or the latest order; derived data kept by the write gate), or the time the customer
was created when they have none. Customers without a ledger entry for any consent purpose
are read from `customers` only when a purpose of another basis applies to everyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custinfo.privacy.consent import Purpose
from custinfo.privacy.dates import DURATION

INDEFINITE = "9999-12-31T23:59:59.999999Z"
_KEY = "at || (id + 1000000000000) || state || channel"
_STATE = 41  # where state || channel starts in the key text (27 + 13 + 1)
_LIVE = (
    "EXISTS (SELECT 1 FROM consents g WHERE g.customer_id = s.cid AND g.purpose = :p{i} "
    "AND g.state = 'given' AND NOT EXISTS (SELECT 1 FROM consents x WHERE "
    "x.customer_id = s.cid AND x.purpose = :p{i} AND x.state = 'withdrawn' "
    "AND x.channel IN ('any', g.channel) AND (x.at > g.at OR (x.at = g.at AND x.id > g.id))))"
)
_CREATED = "(SELECT cc.created_at FROM customers cc WHERE cc.id = s.cid)"
#: Last contact (issue 12's definition, kept in `customer_activity`), else creation.
LAST_CONTACT = (
    "coalesce((SELECT a.last_contact_at FROM customer_activity a WHERE a.customer_id = s.cid), "
    f"{_CREATED})"
)
_ANCHORS = {"created": ("ac", _CREATED), "last-contact": ("al", LAST_CONTACT)}


def shift_sql(expr: str, duration: str) -> str:
    """SQL: the stored time `expr` (not NULL) plus `duration` (`dates.shift`); a date past
    year 9999 is INDEFINITE."""
    match = DURATION.match(duration)
    if not match:
        raise ValueError(f"bad duration {duration!r}")
    amount, unit = int(match[1]), match[2].lower()
    if unit == "d":
        modifiers = f"'+{amount} days'"
    else:
        modifiers = f"'+{amount * 12 if unit == 'y' else amount} months', 'floor'"
    return f"coalesce(date(substr({expr}, 1, 10), {modifiers}) || substr({expr}, 11), :indef)"


class _Terms:
    """SQL of purpose `i`: `live` and `sure` (it covers the customer, known from the ledger
    alone) over a row of `s` (cid, l{i}, w{i}); `since`, `until` and `covers` over a row of
    `m` (`s`'s columns, `v{i}` = live, the anchors `ac` (created), `al` (last contact))."""

    def __init__(self, i: int, p: Purpose) -> None:
        self.p, self.consent, r = p, p.basis == "consent", p.retention
        l_, w = f"s.l{i}", f"s.w{i}"
        self.live = (
            f"(CASE WHEN {l_} IS NULL OR substr({l_}, {_STATE}, 1) = 'w' THEN 0 "
            f"WHEN substr({l_}, {_STATE}) = 'givenany' OR {w} IS NULL "
            f"OR {w} < substr({l_}, 1, 27) THEN 1 ELSE {_LIVE.format(i=i)} END)"
        )
        applies = f"({l_} IS NOT NULL OR {w} IS NOT NULL)" if self.consent else "1"
        self.applies = applies.replace("s.", "m.")
        self.anchor = _ANCHORS[p.retention_from][0] if p.retention_from in _ANCHORS else None
        if not self.consent:
            self.sure = "0" if r else "1"
        elif not r:
            self.sure = self.live
        elif p.retention_from == "withdrawal":
            self.sure = f"({applies} AND ({self.live} OR {shift_sql(w, r)} >= :now))"
        else:
            self.sure = "0"
        live, w, anchor = f"m.v{i}", f"m.w{i}", f"m.{self.anchor}"
        unless = f"CASE WHEN NOT {self.applies} THEN NULL"
        if not self.consent:
            self.since = anchor if r else "NULL"
            self.until = shift_sql(anchor, r) if r else ":indef"
            self.covers = f"{self.until} >= :now" if r else "1"
        elif not r:
            self.since = "NULL"
            self.until = f"(CASE WHEN {live} THEN :indef END)"
            self.covers = live
        elif p.retention_from == "withdrawal":
            self.since = f"({unless} ELSE coalesce({w}, '') END)"
            self.until = f"({unless} WHEN {live} THEN :indef ELSE {shift_sql(w, r)} END)"
            self.covers = f"({self.applies} AND ({live} OR {shift_sql(w, r)} >= :now))"
        else:  # last-contact / created; a withdrawn consent stops covering at once
            end = shift_sql(anchor, r)
            self.since = f"({unless} WHEN {live} THEN {anchor} ELSE {w} END)"
            self.until = f"({unless} WHEN {live} THEN {end} ELSE min({end}, {w}) END)"
            self.covers = f"({self.applies} AND ({live} OR {w} >= :now) AND {end} >= :now)"


def _sources(ps: Sequence[Purpose], only: str | None) -> list[str]:
    """The row sources `s` (cid, l0, w0, l1, w1, ...): customers with ledger entries for a
    consent purpose, and (when another basis applies to everyone) the others. `only`: an
    SQL condition on the customer id `{id}` restricting both."""
    keys = [i for i, p in enumerate(ps) if p.basis == "consent"]
    marks = ", ".join(f":p{i}" for i in keys)
    out = []
    if keys:
        cols = []
        for i, p in enumerate(ps):
            if p.basis == "consent":
                withdrawn = f"purpose = :p{i} AND state = 'withdrawn'"
                deciding = f"purpose = :p{i} AND (state = 'given' OR channel = 'any')"
                cols += [f"max({_KEY}) FILTER (WHERE {deciding}) AS l{i}",
                         f"max(at) FILTER (WHERE {withdrawn}) AS w{i}"]  # fmt: skip
            else:
                cols += [f"NULL AS l{i}", f"NULL AS w{i}"]
        where = f" AND {only.format(id='customer_id')}" if only else ""
        out.append(
            f"SELECT customer_id AS cid, {', '.join(cols)} FROM consents "
            f"WHERE purpose IN ({marks}){where} GROUP BY customer_id"
        )
    if len(keys) < len(ps):
        nulls = ", ".join(f"NULL AS l{i}, NULL AS w{i}" for i in range(len(ps)))
        conds = [only.format(id="c.id")] if only else []
        if keys:
            conds.append(
                f"NOT EXISTS (SELECT 1 FROM consents x WHERE x.customer_id = c.id "
                f"AND x.purpose IN ({marks}))"
            )
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        out.append(f"SELECT c.id AS cid, {nulls} FROM customers c{where}")
    return out


#: The order in which the purposes' "still covers" tests run (cheapest first: the ledger
#: alone, then one date, then the anchor's lookups).
_COST = {
    (True, ""): 0, (True, "withdrawal"): 1, (True, "created"): 2, (True, "last-contact"): 3,
    (False, "created"): 4, (False, "last-contact"): 5, (False, ""): 6,
}  # fmt: skip


def query(
    ps: Sequence[Purpose], now: str, *, past_only: bool, only: str | None = None
) -> tuple[str, dict[str, Any]]:
    """SQL and parameters of rows (cid, since0, until0, since1, until1, ...) in id order:
    every customer a purpose applies to, or (`past_only`) those past retention at `now`.

    Two stages: `m` keeps the rows the ledger alone does not show covered (the anchors are
    looked up for those only, once each); the outer query tests the rest on `m`."""
    terms = [_Terms(i, p) for i, p in enumerate(ps)]
    cols = ["s.cid"] + [f"s.l{i}, s.w{i}, {t.live} AS v{i}" for i, t in enumerate(terms)]
    cols += [f"{sql} AS {name}" for name, sql in _ANCHORS.values()
             if any(t.anchor == name for t in terms)]  # fmt: skip
    first = second = ""
    if past_only:
        cheap_first = sorted(terms, key=lambda t: _COST[(t.consent, t.p.retention_from or "")])
        applies = " OR ".join(t.applies for t in terms if t.p.retention) or "0"
        first = " WHERE " + " AND ".join(f"NOT {t.sure}" for t in cheap_first)
        second = f" WHERE ({applies})" + "".join(
            f" AND NOT {t.covers}" for t in cheap_first if t.sure == "0"
        )
    out = ", ".join(f"{t.since}, {t.until}" for t in terms)
    sources = " UNION ALL ".join(_sources(ps, only))
    sql = (
        f"WITH s AS ({sources}), m AS MATERIALIZED (SELECT {', '.join(cols)} FROM s{first}) "
        f"SELECT m.cid, {out} FROM m{second} ORDER BY m.cid"
    )
    params: dict[str, Any] = {f"p{i}": p.key for i, p in enumerate(ps)}
    return sql, {**params, "now": now, "indef": INDEFINITE}
