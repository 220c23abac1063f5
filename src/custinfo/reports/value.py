"""`report value`: RFM (recency, frequency, monetary) per customer, with the classic segments.

The rules (docs/guide.md repeats them with a worked example; they can be redone by hand):

- The window is the local days `since` .. `as_of`, both included (default: the two years
  up to today, i.e. from the day after the same date two years back). Only orders in it
  count. A customer is in the report when it has at least one order (amount >= 0) there.
- R, recency: days from the local date of the customer's last order (refunds left out) to
  the as-of date (0: ordered that day).
- F, frequency: the number of orders (refunds are not orders).
- M, monetary: the net total (orders minus refunds) in the database currency, in minor
  units. Other currencies are never converted: they are listed (`other`) but not scored.
- Scores 1–5 per dimension: with n customers in the report, a customer's rank r is 1 plus
  the number of customers with a strictly worse value (worse: a larger R, a smaller F or
  M), and the score is ceil(5 r / n). Equal values get equal scores (the lowest of their
  group); 5 is best.
- `rfm` is the three scores as digits (`545`). A dimension is high when its score is 4 or
  5. The segment follows from (R, F, M) high or low: see `SEGMENTS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from custinfo.i18n import N_
from custinfo.reports import IDS, Money, Report, Scope, Table
from custinfo.reports import new_report as _new

HIGH = 4  # a score of at least HIGH is "high"
#: (key, English name, Chinese name, (R high, F high, M high)), in display order.
SEGMENTS = (
    ("important_value", "Important value", "重要价值客户", (1, 1, 1)),
    ("important_development", "Important development", "重要发展客户", (1, 0, 1)),
    ("important_retention", "Important retention", "重要保持客户", (0, 1, 1)),
    ("important_winback", "Important win-back", "重要挽留客户", (0, 0, 1)),
    ("general_value", "General value", "一般价值客户", (1, 1, 0)),
    ("general_development", "General development", "一般发展客户", (1, 0, 0)),
    ("general_retention", "General retention", "一般保持客户", (0, 1, 0)),
    ("general_winback", "General win-back", "一般挽留客户", (0, 0, 0)),
)
#: Segment index by the bits R*4 + F*2 + M.
_BY_BITS = {r * 4 + f * 2 + m: i for i, (_, _, _, (r, f, m)) in enumerate(SEGMENTS)}
COLUMNS = ["id", "name", "recency_days", "frequency", "monetary", "r", "f", "m", "rfm",
           "segment", "other"]  # fmt: skip
SHOWN = 50  # customers a terminal shows (CSV and JSON give all)
_BLOCK = 50_000  # rows per block when reading and writing 1M customers


def segment_names(chinese: bool | None = None) -> list[str]:
    """The eight names in the interface language (Chinese under a Chinese interface)."""
    if chinese is None:
        from custinfo.reports.numbers import _chinese

        chinese = _chinese()
    return [zh if chinese else en for _, en, zh, _ in SEGMENTS]


def scores(values: Any, higher_is_better: bool) -> Any:
    """Quintile scores 1–5 of `values` (a numpy array) by the rule of the module docstring."""
    import numpy as np

    v = np.asarray(values, dtype=np.int64)
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = v if higher_is_better else -v
    worse = np.searchsorted(np.sort(key), key, side="left")  # strictly worse values
    rank = worse + 1
    return (5 * rank + n - 1) // n  # ceil(5 r / n) in integers


class RFM:
    """The computed columns (numpy arrays, in id order) of the customers in the report."""

    def __init__(self, ids: Any, recency: Any, frequency: Any, monetary: Any) -> None:
        import numpy as np

        self.ids, self.recency, self.frequency, self.monetary = ids, recency, frequency, monetary
        self.r = scores(recency, higher_is_better=False)
        self.f = scores(frequency, higher_is_better=True)
        self.m = scores(monetary, higher_is_better=True)
        bits = (self.r >= HIGH) * 4 + (self.f >= HIGH) * 2 + (self.m >= HIGH)
        lookup = np.array([_BY_BITS[b] for b in range(8)], dtype=np.int64)
        self.segment = lookup[bits]

    def __len__(self) -> int:
        return len(self.ids)


def rfm(scope: Scope) -> tuple[RFM, dict[int, list[Money]]]:
    """RFM of the customers in `scope`, and their totals in other currencies.

    A customer whose last order (refunds left out) falls in the window takes F, R and M
    from `customer_activity` (the write gate's aggregates: the same `amount >= 0` count in
    any currency, last order and database-currency total), less what lies outside the
    window (a range of `orders_at_money` before and after it); one with an order after
    the window comes from its orders (`_scan`). Both give the same numbers
    (tests/test_reports.py checks them against the scan)."""
    import numpy as np

    table = _from_activity(scope)
    if table is None:
        sel, params = scope.where("o.customer_id")
        table = _scan(scope, sel, params)
    if len(table) > 1 and not (table[1:, 0] > table[:-1, 0]).all():
        table = table[np.argsort(table[:, 0], kind="stable")]
    if _zone_ok(scope):  # column 2 holds the last order's Unix time: its local day in numpy
        table[:, 2] = _recency(scope, table[:, 2])
    mixed = table[table[:, 4] == 1, 0].tolist()
    arrays = [np.ascontiguousarray(table[:, i]) for i in range(4)]
    others: dict[int, list[Money]] = {}
    if mixed:
        for cid, cur, total in scope.conn.execute(
            f"SELECT o.customer_id, o.currency, sum(o.amount) FROM orders o "
            f"WHERE o.customer_id IN {IDS} AND o.currency != ? AND o.at >= ? AND o.at < ? "
            "GROUP BY o.customer_id, o.currency ORDER BY o.customer_id, o.currency",
            [_json(mixed), scope.currency, scope.start(), scope.end()],
        ):
            others.setdefault(cid, []).append(Money(total, cur))
    return RFM(arrays[0], arrays[2], arrays[1], arrays[3]), others


def _scan(scope: Scope, sel: str, params: list[Any]) -> Any:
    """(customer, F, R, M, has other currencies) rows in id order, from the orders."""
    home = scope.currency
    # max(currency != home) flags a customer with other currencies (count(DISTINCT) cost a
    # temporary B-tree per customer: 1 CPU-s at 5M orders)
    return _table(
        scope.conn,
        "SELECT o.customer_id, sum(o.amount >= 0) AS f, "
        f"{_last(scope).format('max(CASE WHEN o.amount >= 0 THEN o.at END)')}, "
        "sum(CASE WHEN o.currency = ? THEN o.amount ELSE 0 END), max(o.currency != ?) "
        f"FROM orders o WHERE +o.at >= ? AND +o.at < ?{sel} "  # stream orders_rfm
        "GROUP BY o.customer_id HAVING f > 0 ORDER BY o.customer_id",
        [scope.as_of.isoformat(), home, home, scope.start(), scope.end(), *params],
        5,
    )


#: Days from the local date of a stored time to the as-of date (the first parameter), by
#: SQLite; `_recency` gets the same from the Unix times (`_EPOCH`) where `_zone_ok`: the C
#: library's localtime per row cost 3–4 CPU-s at 600k customers (half of it system time).
_RECENCY = "CAST(julianday(?) - julianday(date({}, 'localtime')) AS INTEGER)"
_EPOCH = "unixepoch({}) + 0 * length(?)"  # the same parameters as _RECENCY
_FALLBACK = 0.3  # share of customers to scan one by one, past which one scan of all is cheaper


def _from_activity(scope: Scope) -> Any:
    """The `_scan` rows built from `customer_activity` (see `rfm`), scanning the orders of
    the customers with an order after the window only; None when most have one."""
    import numpy as np

    conn, home, start, end = scope.conn, scope.currency, scope.start(), scope.end()
    sel, params = scope.where("a.customer_id")
    # the customers whose last order is in the window or later; `inside`: not later
    # (unary + keeps the planner on the table: its last_order_at index cost 1.7 CPU-s)
    rows = _table(conn,
        f"SELECT a.customer_id, a.order_count, {_last(scope).format('a.last_order_at')}, "
        "a.spent, +a.last_order_at < ? FROM customer_activity a "
        f"WHERE a.order_count > 0 AND +a.last_order_at >= ?{sel} ORDER BY a.customer_id",
        [scope.as_of.isoformat(), end, start, *params], 5,
    )  # fmt: skip
    if len(rows) == 0 or (rows[:, 4] == 0).sum() > _FALLBACK * len(rows):
        return None
    inside = rows[:, 4] == 1
    fast = rows[inside]
    fast[:, 4] = 0
    sel, params = scope.where("o.customer_id")
    # what lies outside the window (orders and refunds before it, refunds after it: the
    # customers with an order after it take the scan) comes off F and M
    outside = _table(conn,
        "SELECT customer_id, sum(amount >= 0), sum(CASE WHEN currency = ? THEN amount ELSE 0 "
        "END) FROM (SELECT o.customer_id, o.amount, o.currency FROM orders o WHERE o.at < ?"
        f"{sel} UNION ALL SELECT o.customer_id, o.amount, o.currency FROM orders o "
        f"WHERE o.at >= ?{sel}) GROUP BY customer_id",
        [home, start, *params, end, *params], 3,
    )  # fmt: skip
    if len(outside) and len(fast):
        where = np.minimum(np.searchsorted(fast[:, 0], outside[:, 0]), len(fast) - 1)
        hit = fast[where, 0] == outside[:, 0]
        np.subtract.at(fast[:, 1], where[hit], outside[hit, 1])
        np.subtract.at(fast[:, 3], where[hit], outside[hit, 2])
    # anything in another currency in the window: flagged for the `other` column
    mixed = [r[0] for r in conn.execute(
        f"SELECT DISTINCT o.customer_id FROM orders o WHERE o.at >= ? AND o.at < ? "
        f"AND o.currency != ?{sel}", [start, end, home, *params],
    )]  # fmt: skip
    if mixed:
        fast[np.isin(fast[:, 0], np.array(mixed, dtype=np.int64)), 4] = 1
    rest = rows[~inside, 0].tolist()
    if not rest:
        return fast
    slow = _scan(scope, f" AND o.customer_id IN {IDS}", [_json(rest)])
    table = np.concatenate([fast, slow])
    return table[np.argsort(table[:, 0], kind="stable")]


def _last(scope: Scope) -> str:
    return _EPOCH if _zone_ok(scope) else _RECENCY


def _zone_ok(scope: Scope) -> bool:
    """Whether `_recency` applies: SQLite takes the C library's localtime as it is between
    1971 and 2037 only (outside, it maps the year)."""
    return scope.since.year >= 1971 and scope.as_of.year <= 2036


def _recency(scope: Scope, seconds: Any) -> Any:
    """Days from the local date of each Unix time (in the window) to the as-of date, as
    SQLite's `date(t, 'localtime')` gives it: local = t + the C library's UTC offset at t
    (`time.localtime`, the same function), the offset's changes found to the second."""
    import time
    from datetime import date, datetime

    import numpy as np

    def offset(t: int) -> int:
        return time.localtime(t).tm_gmtoff

    def epoch(text: str) -> int:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())

    lo, hi = epoch(scope.start()) - 86400, epoch(scope.end()) + 86400
    changes, offsets = [], [offset(lo)]
    for t in range(lo + 3600, hi + 3600, 3600):  # hourly samples, then bisect each change
        if offset(t) != offsets[-1]:
            a, b = t - 3600, t  # offset(a) == offsets[-1] != offset(b)
            while b - a > 1:
                middle = (a + b) // 2
                if offset(middle) == offsets[-1]:
                    a = middle
                else:
                    b = middle
            changes.append(b)
            offsets.append(offset(b))
    t = np.asarray(seconds, dtype=np.int64)
    local = t + np.array(offsets, dtype=np.int64)[np.searchsorted(changes, t, side="right")]
    as_of = (scope.as_of - date(1970, 1, 1)).days
    return as_of - local // 86400


def _table(conn: Any, sql: str, params: list[Any], width: int) -> Any:
    """The integer rows of `sql` (`width` columns, none NULL) as one (n, width) int64 array.
    They come as one text (group_concat) that numpy parses: half the CPU of 600k Python
    row tuples."""
    import numpy as np

    names = ", ".join(f"c{i}" for i in range(width))
    text = " || ' ' || ".join(f"c{i}" for i in range(width))
    n, joined = conn.execute(
        f"WITH q({names}) AS ({sql}) SELECT count(*), group_concat({text}, ' ') FROM q", params
    ).fetchone()
    table = np.fromstring(joined or "", dtype=np.int64, sep=" ").reshape(-1, width)
    if len(table) != n:  # a NULL would drop its row from group_concat
        raise RuntimeError(f"report value: {n - len(table)} rows with a NULL")
    return table


class CustomerRows:
    """The `customers` table, produced row by row (1M customers never sit in lists)."""

    def __init__(self, scope: Scope, result: RFM, others: dict[int, list[Money]]) -> None:
        self.scope, self.result, self.others = scope, result, others
        self.names = segment_names()

    def __len__(self) -> int:
        return len(self.result)

    def __iter__(self) -> Iterator[list[Any]]:
        for block in self.blocks():
            yield from map(list, block)

    def blocks(self, plain: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """Every row in id order, in lists of up to `_BLOCK` row tuples; `plain`: the monetary
        cell as its exact text (`Money.text`, by `_texts`), the fast path of CSV and JSON (column
        arrays turned into cells per block, not per value)."""
        from custinfo.money import digits, display_totals

        res, home = self.result, self.scope.currency
        places = digits(home)
        for lo in range(0, len(res), _BLOCK):
            part = slice(lo, lo + _BLOCK)
            ids = res.ids[part].tolist()
            money = (_texts(res.monetary[part], places) if plain
                     else [Money(v, home) for v in res.monetary[part].tolist()])  # fmt: skip
            r, f, m = res.r[part].tolist(), res.f[part].tolist(), res.m[part].tolist()
            codes = [str(c) for c in (res.r[part] * 100 + res.f[part] * 10 + res.m[part]).tolist()]
            names = self._block_names(ids)
            other = [""] * len(ids)
            for i, cid in enumerate(ids):
                totals = self.others.get(cid)
                if totals:
                    other[i] = display_totals({x.currency: x.minor for x in totals})
            yield list(zip(
                ids, [names[cid] for cid in ids], res.recency[part].tolist(),
                res.frequency[part].tolist(), money, r, f, m, codes,
                [self.names[i] for i in res.segment[part].tolist()], other, strict=True,
            ))  # fmt: skip

    def take(self, order: Any, limit: int | None = None) -> Iterator[list[Any]]:
        """Rows in the order of the index array `order`, at most `limit`."""
        from custinfo.money import display_totals

        res, home = self.result, self.scope.currency
        positions = [int(i) for i in (order if limit is None else order[:limit])]
        name_of = self._names([int(res.ids[i]) for i in positions]).get
        for i in positions:
            cid = int(res.ids[i])
            r, f, m = int(res.r[i]), int(res.f[i]), int(res.m[i])
            other = self.others.get(cid)
            yield [
                cid, name_of(cid), int(res.recency[i]), int(res.frequency[i]),
                Money(int(res.monetary[i]), home), r, f, m, f"{r}{f}{m}",
                self.names[int(res.segment[i])],
                display_totals({x.currency: x.minor for x in other}) if other else "",
            ]  # fmt: skip

    def _names(self, wanted: list[int]) -> dict[int, str]:
        rows = self.scope.conn.execute(
            f"SELECT id, name FROM customers WHERE id IN {IDS}", (_json(wanted),)
        )
        return dict(rows.fetchall())

    def _block_names(self, ids: list[int]) -> dict[int, str]:
        """Names of `ids` (ascending): a range of the table when they fill most of it (one
        rowid range read), else a lookup per id."""
        if not ids:
            return {}
        if ids[-1] - ids[0] < 2 * len(ids):
            rows = self.scope.conn.execute(
                "SELECT id, name FROM customers WHERE id BETWEEN ? AND ?", (ids[0], ids[-1])
            )
            return dict(rows.fetchall())
        return self._names(ids)


def _texts(minor: Any, places: int) -> list[str]:
    """`custinfo.money.to_text` of each value of an int64 array (`places`: the currency's
    minor digits): the parts by numpy, one format call per value."""
    import numpy as np

    if not places:
        return list(map(str, minor.tolist()))
    whole, part = np.divmod(np.abs(minor), 10**places)
    texts = list(map(f"{{}}.{{:0{places}d}}".format, whole.tolist(), part.tolist()))
    for i in np.flatnonzero(minor < 0).tolist():
        texts[i] = "-" + texts[i]
    return texts


def compute(scope: Scope, **_: object) -> Report:
    import numpy as np

    report = _new("value", scope)
    result, others = rfm(scope)
    home = scope.currency
    n = len(result)
    rows = []
    names = segment_names()
    for index, (key, *_rest) in enumerate(SEGMENTS):
        mask = result.segment == index
        count = int(mask.sum())
        total = int(result.monetary[mask].sum()) if count else 0
        recency = round(float(result.recency[mask].mean()), 1) if count else None
        freq = round(float(result.frequency[mask].mean()), 2) if count else None
        rows.append([names[index], count, Money(total, home), recency, freq, key])
    report.tables.append(Table(
        "segments", N_("Segments"), ["segment", "customers", "monetary", "avg_recency_days",
                                 "avg_frequency", "key"], rows, chart="bars",
    ))  # fmt: skip
    customers = CustomerRows(scope, result, others)
    best = np.lexsort((result.ids, -result.monetary, -(result.r + result.f + result.m)))
    table = Table("customers", N_("Customers"), list(COLUMNS), customers)  # type: ignore[arg-type]
    report.tables.append(table)
    report.extra["shown_order"] = best
    report.main = "customers"
    report.summary = [
        ("customers", N_("Customers with orders in the period"), n),
        ("monetary", N_("Monetary, all of them"), Money(int(result.monetary.sum()), home)),
    ]
    report.extra["rules"] = {
        "window": [scope.since.isoformat(), scope.as_of.isoformat()],
        "score": "ceil(5 * r / n), r = 1 + customers with a strictly worse value",
        "high": f"score >= {HIGH}",
        "currency": home,
    }
    report.extra["result"] = result
    return report


def apply_tags(store: Any, report: Report, prefix: str, scope_ids: list[int] | None) -> int:
    """Tag every customer of a value report with PREFIX + its segment, replacing every
    PREFIX tag of the selected customers (`scope_ids`; None: everyone) in one unit of the
    write gate. Returns the customers tagged."""
    from custinfo import validation

    result: RFM = report.extra["result"]
    names = segment_names()
    prefix = validation.normalize_tag(prefix) if prefix.strip() else prefix
    groups = {
        f"{prefix}{names[i]}": [int(x) for x in result.ids[result.segment == i]]
        for i in range(len(SEGMENTS))
    }
    groups = {tag: ids for tag, ids in groups.items() if ids}
    from custinfo.store.tag_replace import replace_tags

    with store.write("report value --apply-tags") as w:
        replace_tags(w, prefix, groups, scope_ids)
        w.detail = f"{len(result)} tagged"
    return len(result)


def _json(ids: list[int]) -> str:
    import json

    return json.dumps(ids)
