"""`report activity`: interactions per kind and month, open cases, contact gaps.

Shape (JSON keys; CSV is the long form `section,label,measure,value,currency`):
- summary: `interactions` (in the window, plain notes left out), `open_cases`
  (complaints and service cases still `open`), `oldest_open_days`, `not_contacted_90d`
  (customers without a contact, an interaction or an order, in the 90 local days that end
  with the as-of date), and `followups_done` (in the period) / `followups_overdue` (open
  at the end of the as-of day and due before it) where follow-ups exist;
- `by_month`: month, then one column per interaction kind that occurs (local months from
  `since`, default 12 months back);
- `case_age`: age bucket (0–7, 8–30, 31–90, 91+ days), complaints, service cases;
- `open_cases`: note id, customer id, kind, opened (local date), age_days: oldest first.
"""

from __future__ import annotations

from custinfo import times
from custinfo.i18n import N_
from custinfo.reports import Report, Scope, Table, hooks, month_case, month_starts
from custinfo.reports import new_report as _new

BUCKETS = ((0, 7, "0-7"), (8, 30, "8-30"), (31, 90, "31-90"), (91, None, "91+"))
GAP_DAYS = 90


def compute(scope: Scope, **_: object) -> Report:
    conn = scope.conn
    report = _new("activity", scope)
    months = month_starts(scope.since, scope.as_of)
    start, end = times.local_start(months[0]), scope.end()
    report.period["since"] = months[0].isoformat()
    sel, params = scope.where("n.customer_id")
    case = month_case("n.at", months)
    counts: dict[tuple[int, str], int] = {}
    for m, kind, n in conn.execute(
        f"SELECT {case} AS m, n.kind, count(*) FROM notes n WHERE n.kind != 'note' "
        f"AND n.at >= ? AND n.at < ?{sel} GROUP BY m, n.kind", [start, end, *params]
    ):  # fmt: skip
        counts[(m, kind)] = n
    from custinfo.activity.interactions import KINDS

    kinds = [k for k in KINDS if k != "note" and any(key[1] == k for key in counts)]
    rows = [[m.strftime("%Y-%m"), *(counts.get((i, k), 0) for k in kinds)]
            for i, m in enumerate(months)]  # fmt: skip
    report.tables.append(Table("by_month", N_("Interactions per month"), ["month", *kinds], rows,
                               chart="series"))  # fmt: skip

    as_of = scope.as_of.isoformat()
    cases = conn.execute(
        "SELECT n.id, n.customer_id, n.kind, date(n.at, 'localtime'), "
        "CAST(julianday(?) - julianday(date(n.at, 'localtime')) AS INTEGER) AS age "
        f"FROM notes n WHERE n.kind IN ('complaint', 'service') AND n.status = 'open' "
        f"AND n.at < ?{sel} ORDER BY n.at, n.id",
        [as_of, end, *params],
    ).fetchall()
    ages = []
    for low, high, label in BUCKETS:
        inside = [c for c in cases if c[4] >= low and (high is None or c[4] <= high)]
        ages.append([label, sum(c[2] == "complaint" for c in inside),
                     sum(c[2] == "service" for c in inside)])  # fmt: skip
    report.tables.append(Table("case_age", N_("Open cases by age (days)"),
                               ["age_days", "complaint", "service"], ages))  # fmt: skip
    report.tables.append(Table("open_cases", N_("Open cases, oldest first"),
                               ["note_id", "customer_id", "kind", "opened", "age_days"],
                               [list(c) for c in cases]))  # fmt: skip

    gap = times.local_start(times.shift(scope.as_of, -GAP_DAYS + 1, "d"))
    csel, cparams = scope.where("c.id")
    quiet = conn.execute(
        "SELECT count(*) FROM customers c LEFT JOIN customer_activity a ON a.customer_id = c.id "
        f"WHERE (a.last_contact_at IS NULL OR a.last_contact_at < ?){csel}",
        [gap, *cparams],
    ).fetchone()[0]
    report.summary = [
        ("interactions", N_("Interactions in the period"), sum(counts.values())),
        ("open_cases", N_("Open complaints and service cases"), len(cases)),
        (
            "oldest_open_days",
            N_("Oldest open case (days)"),
            max((c[4] for c in cases), default=None),
        ),
        ("not_contacted_90d", N_("Not contacted for 90 days"), quiet),
    ]
    follow = hooks.followups(conn, scope.ids, end, start)
    if follow is not None:
        report.summary += [
            ("followups_done", N_("Follow-ups done"), follow.get("done")),
            ("followups_overdue", N_("Follow-ups overdue"), follow.get("overdue")),
        ]
    return report
