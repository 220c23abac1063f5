"""`report quality`: what to check regularly (定期核对).

Shape (JSON keys; CSV is the long form `section,label,measure,value,currency`, or with
`--list` the `flagged` table):
- summary: `customers`; `stale` (not updated since `--stale`, default 12m: `updated_at`
  before the start of that local day); `no_contact` (neither a phone nor an email);
  `duplicate_groups` and `duplicate_customers` (likely duplicates: customers linked,
  directly or through others, by the same phone number or the same email address; run
  `custinfo dedupe` for the fuzzy matches); `unmapped_notes` (plain notes of imported
  customers whose first line is `COLUMN: value`, the form the import gives columns it
  could not map);
- `missing`: field, missing, share (phones, emails, company, address, city, birthday);
- `flagged` (with `--list`): id, name, reasons (`stale`, `no-contact`, `duplicate`,
  `unmapped-notes`): every customer at least one check flags, by id.
"""

from __future__ import annotations

from typing import Any

from custinfo import times
from custinfo.i18n import N_
from custinfo.reports import IDS, Report, Scope, Table
from custinfo.reports import new_report as _new
from custinfo.reports.numbers import share

FIELDS = ("phones", "emails", "company", "address", "city", "birthday")
_EMPTY = {
    "phones": "c.phones_cell = ''", "emails": "c.emails_cell = ''",
    **{f: f"coalesce(c.{f}, '') = ''" for f in ("company", "address", "city", "birthday")},
}  # fmt: skip
#: A plain note whose first line is `COLUMN: value` (COLUMN up to 40 characters).
_UNMAPPED = (
    "n.kind = 'note' AND instr(n.text, ': ') BETWEEN 2 AND 41 "
    "AND instr(substr(n.text, 1, instr(n.text, ': ')), char(10)) = 0"
)
_OWN_SOURCES = "('manual', 'demo')"


def compute(scope: Scope, *, stale: str | None = None, listing: bool = False, **_: Any) -> Report:
    conn = scope.conn
    report = _new("quality", scope, since=False)
    stale_day = times.parse_day(stale or "12m", "--stale", now=scope.as_of)
    cutoff = times.local_start(stale_day)
    report.period["stale_before"] = stale_day.isoformat()
    sel, params = scope.where("c.id")
    sums = ", ".join(f"coalesce(sum({cond}), 0)" for cond in _EMPTY.values())
    row = conn.execute(
        f"SELECT count(*), {sums}, coalesce(sum(c.updated_at < ?), 0), "
        f"coalesce(sum(c.phones_cell = '' AND c.emails_cell = ''), 0) FROM customers c "
        f"WHERE 1{sel}", [cutoff, *params]
    ).fetchone()  # fmt: skip
    total, missing, stale_n, no_contact = row[0], row[1:-2], row[-2], row[-1]
    report.tables.append(Table(
        "missing", N_("Missing values per field"), ["field", "missing", "share"],
        [[f, n, share(n, total)] for f, n in zip(FIELDS, missing, strict=True)], chart="bars",
    ))  # fmt: skip
    groups = duplicate_groups(scope)
    nsel, _ = scope.where("n.customer_id")
    unmapped_rows = conn.execute(
        f"SELECT n.customer_id FROM notes n JOIN customers c ON c.id = n.customer_id "
        f"WHERE {_UNMAPPED} AND c.source NOT IN {_OWN_SOURCES}{nsel}", params
    ).fetchall()  # fmt: skip
    report.summary = [
        ("customers", N_("Customers"), total),
        ("stale", N_("Not updated since {stale_before}"), stale_n),
        ("no_contact", N_("Without phone and email"), no_contact),
        ("duplicate_groups", N_("Likely duplicate groups (same phone or email)"), len(groups)),
        ("duplicate_customers", N_("Customers in them"), sum(len(g) for g in groups)),
        ("unmapped_notes", N_("Notes from unmapped import columns"), len(unmapped_rows)),
    ]
    if listing:
        report.tables.append(_flagged(scope, cutoff, groups, {r[0] for r in unmapped_rows}))
        report.main = "flagged"
    return report


def duplicate_groups(scope: Scope) -> list[list[int]]:
    """Groups (sorted ids, groups by their first id) of customers linked by a shared phone
    number or email address (connected components; a group has 2+ customers)."""
    conn = scope.conn
    psel, params = scope.where("p.customer_id")
    esel, _ = scope.where("e.customer_id")
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for sql in (
        # count(*): the e164 and key indexes stream the groups (a group of one customer's
        # numbers with different extensions is dropped below)
        f"SELECT group_concat(p.customer_id) FROM phones p WHERE 1{psel} "
        "GROUP BY p.e164 HAVING count(*) > 1",
        f"SELECT group_concat(e.customer_id) FROM emails e WHERE 1{esel} "
        "GROUP BY e.key HAVING count(*) > 1",
    ):
        for (members,) in conn.execute(sql, params):
            ids = sorted({int(x) for x in members.split(",")})
            if len(ids) < 2:
                continue
            for x in ids:
                parent.setdefault(x, x)
            root = find(ids[0])
            for other in ids[1:]:
                r = find(other)
                if r != root:
                    parent[max(r, root)] = min(r, root)
                    root = min(r, root)
    out: dict[int, list[int]] = {}
    for x in list(parent):
        out.setdefault(find(x), []).append(x)
    groups = [sorted(set(g)) for g in out.values()]
    return sorted((g for g in groups if len(g) > 1), key=lambda g: g[0])


def _flagged(scope: Scope, cutoff: str, groups: list[list[int]], unmapped: set[int]) -> Table:
    conn = scope.conn
    sel, params = scope.where("c.id")
    reasons: dict[int, list[str]] = {}
    for (cid,) in conn.execute(
        f"SELECT c.id FROM customers c WHERE c.updated_at < ?{sel}", [cutoff, *params]
    ):
        reasons.setdefault(cid, []).append("stale")
    for (cid,) in conn.execute(
        f"SELECT c.id FROM customers c WHERE c.phones_cell = '' AND c.emails_cell = ''{sel}",
        params,
    ):
        reasons.setdefault(cid, []).append("no-contact")
    for group in groups:
        for cid in group:
            reasons.setdefault(cid, []).append("duplicate")
    for cid in unmapped:
        reasons.setdefault(cid, []).append("unmapped-notes")
    ids = sorted(reasons)
    import json

    names = dict(conn.execute(
        f"SELECT id, name FROM customers WHERE id IN {IDS}", (json.dumps(ids),)
    ).fetchall())  # fmt: skip
    rows = [[cid, names.get(cid, ""), " ".join(reasons[cid])] for cid in ids]
    return Table("flagged", N_("Customers to check"), ["id", "name", "reasons"], rows)
