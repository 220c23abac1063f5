"""`report overview`: customers, growth, splits, orders and revenue at a glance.

Shape (JSON keys; CSV is the long form `section,label,measure,value,currency`):
- summary: `customers`, `new_this_month`, `orders` (in the window, any currency),
  `average_order` (database currency: the orders' total / their number, refunds left out,
  rounded half up to the minor unit), `repeat_buyers` (customers with 2+ orders ever /
  customers with 1+, as a ratio);
- `new_by_month`: month, new customers (the local months from `since`, default 12 months
  back, to the as-of month);
- `by_source`, `by_city` (top 10), `by_tag` (top 10): label, customers;
- `field:<label>`: one split per choice custom field (where fields exist);
- `revenue`: currency, orders, refunds, revenue (net: orders minus refunds) in the window;
- `consent`: purpose, given, customers (where consents exist).
"""

from __future__ import annotations

from custinfo.i18n import N_
from custinfo.reports import IDS, Money, Report, Scope, Table, hooks, month_starts, new_by_month
from custinfo.reports import new_report as _new
from custinfo.reports.numbers import ratio

TOP = 10


def compute(scope: Scope, **_: object) -> Report:
    conn = scope.conn
    report = _new("overview", scope)
    sel, params = scope.where("c.id")
    total = conn.execute(f"SELECT count(*) FROM customers c WHERE 1{sel}", params).fetchone()[0]

    months = month_starts(scope.since, scope.as_of)
    new_rows = [[m.strftime("%Y-%m"), n]
                for m, n in zip(months, new_by_month(scope, months), strict=True)]  # fmt: skip

    report.tables.append(Table("new_by_month", N_("New customers per month"), ["month", "new"],
                               new_rows, chart="series"))  # fmt: skip
    report.tables.append(_split(scope, "by_source", N_("By source"), "source", "c.source"))
    report.tables.append(_split(scope, "by_city", N_("By city (top 10)"), "city", "c.city", TOP))
    report.tables.append(_tags(scope))
    for label, split in hooks.choice_splits(conn, scope.ids):
        rows = [[choice, n] for choice, n in split]
        report.tables.append(Table(f"field:{label}", label, [label, "customers"], rows, "bars"))

    revenue, orders, aov = _revenue(scope)
    report.tables.append(revenue)
    buyers, repeat = conn.execute(
        f"SELECT count(*), coalesce(sum(a.order_count >= 2), 0) FROM customer_activity a "
        f"WHERE a.order_count >= 1{scope.where('a.customer_id')[0]}", params
    ).fetchone()  # fmt: skip
    coverage = hooks.consent_coverage(conn, scope.ids)
    if coverage is not None:
        rows = [[purpose, given, n] for purpose, given, n in coverage]
        report.tables.append(
            Table("consent", N_("Consent coverage"), ["purpose", "given", "customers"], rows)
        )
    report.summary = [
        ("customers", N_("Customers"), total),
        ("new_this_month", N_("New this month"), new_rows[-1][1] if new_rows else 0),
        ("orders", N_("Orders in the period"), orders),
        ("average_order", N_("Average order value"), aov),
        ("repeat_buyers", N_("Repeat buyers (2+ orders, of all buyers)"), ratio(repeat, buyers)),
    ]
    return report


def _split(scope: Scope, key: str, title: str, label: str, column: str,
           top: int | None = None) -> Table:  # fmt: skip
    sel, params = scope.where("c.id")
    # grouped by the bare column, the index gives the groups in order (no temporary
    # B-tree); NULL and '' are merged here
    counts: dict[str, int] = {}
    for v, n in scope.conn.execute(
        f"SELECT {column}, count(*) FROM customers c WHERE 1{sel} GROUP BY {column}", params
    ):
        counts[v or ""] = counts.get(v or "", 0) + n
    rows = sorted(counts.items(), key=lambda vn: (-vn[1], vn[0]))[:top]
    return Table(key, title, [label, "customers"], [[v, n] for v, n in rows], chart="bars")


def _tags(scope: Scope) -> Table:
    sel, params = scope.where("ct.customer_id")
    rows = scope.conn.execute(
        "SELECT t.name, x.n FROM (SELECT ct.tag_id, count(*) AS n FROM customer_tags ct "
        f"WHERE 1{sel} GROUP BY ct.tag_id) x JOIN tags t ON t.id = x.tag_id "
        f"ORDER BY x.n DESC, t.key LIMIT {TOP}",
        params,
    ).fetchall()
    return Table(
        "by_tag", N_("By tag (top 10)"), ["tag", "customers"], [list(r) for r in rows], "bars"
    )


def _revenue(scope: Scope) -> tuple[Table, int, Money | None]:
    """The revenue table, the number of orders, and the average order (database currency)."""
    home = scope.currency
    if scope.ids is None:  # everyone: the derived days, not 4M orders (activity.order_days)
        from custinfo.activity.order_days import window

        per_currency = window(scope.conn, scope.start(), scope.end())
    else:
        per_currency = _scan(scope)
    # currency, orders, refunds, net, gross (orders alone)
    rows = [(cur, n, r, net, net - refunded)
            for cur, (n, r, net, refunded) in per_currency.items() if n or r]  # fmt: skip
    rows.sort(key=lambda r: (r[0] != home, r[0]))
    columns = ["currency", "orders", "refunds", "revenue"]
    cells = [[cur, n, refunds, Money(net, cur)] for cur, n, refunds, net, _ in rows]
    table = Table("revenue", N_("Orders and revenue per currency"), columns, cells)
    orders = sum(r[1] for r in rows)
    aov = None
    for cur, n, _, _, gross in rows:
        if cur == home and n:
            aov = Money((2 * gross + n) // (2 * n), home)  # half up
    return table, orders, aov


def _scan(scope: Scope) -> dict[str, list[int]]:
    """Orders of the selection in the window per currency: [orders, refunds, net, refunded]."""
    sel, params = scope.where("o.customer_id")
    home = scope.currency
    window = f"FROM orders o WHERE o.at >= ? AND o.at < ?{sel}"
    # one pass of orders_at_money with plain sums (GROUP BY currency sorted the whole
    # window); other currencies are grouped, and taken off the totals, only when there are
    # some. Refunds are the rare rows: counted and summed under a FILTER
    count, net, refunds, refunded, n_other = scope.conn.execute(
        "SELECT count(*), coalesce(sum(o.amount), 0), count(*) FILTER (WHERE o.amount < 0), "
        "coalesce(sum(o.amount) FILTER (WHERE o.amount < 0), 0), "
        f"count(*) FILTER (WHERE o.currency != ?) {window}",
        [home, scope.start(), scope.end(), *params],
    ).fetchone()
    totals = {home: [count - refunds, refunds, net, refunded]}
    if n_other:
        for cur, *sums in scope.conn.execute(
            "SELECT o.currency, sum(o.amount >= 0), sum(o.amount < 0), sum(o.amount), "
            f"sum(min(o.amount, 0)) {window} AND o.currency != ? GROUP BY o.currency",
            [scope.start(), scope.end(), *params, home],
        ):  # fmt: skip
            totals[cur] = sums
            totals[home] = [t - x for t, x in zip(totals[home], sums, strict=True)]
    return totals


__all__ = ["IDS", "compute"]
