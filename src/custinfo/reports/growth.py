"""`report growth`: a monthly series of new customers, active customers, orders, revenue.

Shape: one table `months` (CSV writes it wide, one row per local month from `since`'s
month, default 2 years back, to the as-of month):
`month, new_customers, active_customers, orders, revenue` and, when other currencies
occur, one more `revenue_<CODE>` column each. `active_customers` counts customers with any
order (or refund) or any interaction other than a plain note in that month, each once;
`orders` leaves refunds out; `revenue` is the net total in the database currency.
"""

from __future__ import annotations

from custinfo import times
from custinfo.i18n import N_
from custinfo.reports import Money, Report, Scope, Table, month_case, month_starts, new_by_month
from custinfo.reports import new_report as _new


def compute(scope: Scope, **_: object) -> Report:
    conn = scope.conn
    months = month_starts(scope.since, scope.as_of)
    start, end = times.local_start(months[0]), scope.end()
    report = _new("growth", scope)
    report.period["since"] = months[0].isoformat()

    new = dict(enumerate(new_by_month(scope, months)))
    params = scope.where("c.id")[1]

    sel_o, _ = scope.where("o.customer_id")
    sel_n, _ = scope.where("n.customer_id")
    case_o, case_n = month_case("o.at", months), month_case("n.at", months)
    active = dict(conn.execute(
        f"SELECT m, count(DISTINCT cid) FROM ("
        f"SELECT {case_o} AS m, o.customer_id AS cid FROM orders o "
        f"WHERE o.at >= ? AND o.at < ?{sel_o} UNION ALL "
        f"SELECT {case_n}, n.customer_id FROM notes n "
        f"WHERE n.kind != 'note' AND n.at >= ? AND n.at < ?{sel_n}) GROUP BY m",
        [start, end, *params, start, end, *params]).fetchall())  # fmt: skip

    orders, revenue = _orders_by_month(scope, months, start, end)
    home = scope.currency
    others = sorted({cur for _, cur in revenue} - {home})
    columns = ["month", "new_customers", "active_customers", "orders", "revenue",
               *(f"revenue_{cur}" for cur in others)]  # fmt: skip
    rows = [
        [m.strftime("%Y-%m"), new.get(i, 0), active.get(i, 0), orders.get(i, 0),
         Money(revenue.get((i, home), 0), home),
         *(Money(revenue.get((i, cur), 0), cur) for cur in others)]
        for i, m in enumerate(months)
    ]  # fmt: skip
    report.tables.append(Table("months", N_("Growth per month"), columns, rows, chart="series"))
    report.main = "months"
    report.summary = [
        ("new_customers", N_("New customers"), sum(r[1] for r in rows)),
        ("orders", N_("Orders"), sum(r[3] for r in rows)),
        ("revenue", N_("Revenue"), Money(sum(r[4].minor for r in rows), home)),
    ]
    return report


def _orders_by_month(
    scope: Scope, months: list, start: str, end: str
) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    """Orders (refunds left out) per month, and net revenue per (month, currency)."""
    orders: dict[int, int] = {}
    revenue: dict[tuple[int, str], int] = {}
    if scope.ids is None:  # everyone: the derived days (activity.order_days), not every order
        from custinfo.activity.order_days import window

        bounds = [times.local_start(m) for m in months[1:]]
        for i, (lo, hi) in enumerate(zip([start, *bounds], [*bounds, end], strict=True)):
            for cur, (n, _refunds, net, _refunded) in window(scope.conn, lo, hi).items():
                orders[i] = orders.get(i, 0) + n
                revenue[(i, cur)] = net
        return orders, revenue
    sel_o, params = scope.where("o.customer_id")
    for m, cur, n, total in scope.conn.execute(
        f"SELECT {month_case('o.at', months)} AS m, o.currency, sum(o.amount >= 0), "
        f"sum(o.amount) FROM orders o WHERE o.at >= ? AND o.at < ?{sel_o} GROUP BY m, o.currency",
        [start, end, *params],
    ):  # fmt: skip
        orders[m] = orders.get(m, 0) + n
        revenue[(m, cur)] = total
    return orders, revenue
