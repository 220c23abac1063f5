"""Behaviour filters for the planner: what customers bought and when they were contacted.

The order and contact filters read the derived `customer_activity` rows
(`custinfo.activity.aggregates`): one narrow row per customer with an order or a contact,
indexed on `spent`, `last_order_at` and `last_contact_at`. They form ONE source:

- if a customer without a row (no order, no contact) cannot match (`--spent-over 1000`,
  `--ordered-since 90d`), the source scans `customer_activity`, in customer id order (so
  `LIMIT 50` stops early), checking every behaviour filter on the narrow row; when one
  indexed filter is selective (a probe finds fewer than `PROBE` rows), its index drives
  instead and the few candidates are sorted;
- if such a customer does match (`--no-order-since 180d`, `--spent-under 100`), the check
  is "no row, or the row holds", and as a driver it scans the customers (it is the last
  choice of the planner).

`--kind K [--status S]` looks for an interaction of that kind (a partial index covers the
typed ones), `--bought TEXT` for an order whose items contain TEXT (case-insensitive; as
the only filter it scans the orders).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from custinfo import money, times
from custinfo.errors import ValidationError
from custinfo.search.plan import _Source
from custinfo.store.db import Connection
from custinfo.text import normalize_text

if TYPE_CHECKING:
    from custinfo.search import Query

PROBE = 5000
_INDEXES = {"spent": "customer_activity_spent", "last_order_at": "customer_activity_last_order",
            "last_contact_at": "customer_activity_last_contact"}  # fmt: skip


class _Term(NamedTuple):
    column: str
    op: str
    value: Any
    missing: bool  # does a customer without a row satisfy it?

    def sql(self, *, scan: bool) -> str:
        if self.op == "<" and self.column.endswith("_at"):
            return f"coalesce(a.{self.column}, '') < ?"  # no order/contact at all counts
        prefix = "+" if scan else ""  # unary plus: do not use this column's index
        return f"{prefix}a.{self.column} {self.op} ?"


def sources(conn: Connection, q: Query) -> list[_Source]:
    """The planner sources for the behaviour filters of `q` (none given: none)."""
    out = []
    terms = _terms(conn, q)
    if terms:
        out.append(_activity_source(conn, terms))
    if q.kind or q.status:
        out.append(_kind_source(conn, q.kind, q.status))
    if (q.bought or "").strip():
        out.append(_bought_source(q.bought or ""))
    return out


def _terms(conn: Connection, q: Query) -> list[_Term]:
    from custinfo.activity.aggregates import currency

    terms = []
    if q.spent_over is not None or q.spent_under is not None:
        code = currency(conn)
        if q.spent_over is not None:
            over = money.parse_amount(q.spent_over, code, what="--spent-over")
            terms.append(_Term("spent", ">", over, over < 0))
        if q.spent_under is not None:
            under = money.parse_amount(q.spent_under, code, what="--spent-under")
            terms.append(_Term("spent", "<", under, under > 0))
    if q.orders_at_least is not None:
        if q.orders_at_least < 0:
            raise ValidationError("--orders-at-least must not be negative")
        terms.append(_Term("order_count", ">=", q.orders_at_least, q.orders_at_least <= 0))
    for value, column, op, option in (
        (q.ordered_since, "last_order_at", ">=", "--ordered-since"),
        (q.no_order_since, "last_order_at", "<", "--no-order-since"),
        (q.contacted_since, "last_contact_at", ">=", "--contacted-since"),
        (q.no_contact_since, "last_contact_at", "<", "--no-contact-since"),
    ):
        if value:
            terms.append(_Term(column, op, times.since(value, option), op == "<"))
    return terms


def _activity_source(conn: Connection, terms: list[_Term]) -> _Source:
    params = [t.value for t in terms]
    if all(t.missing for t in terms):
        held = " AND ".join(t.sql(scan=False) for t in terms)
        condition = (
            "NOT EXISTS (SELECT 1 FROM customer_activity a WHERE a.customer_id = {id} "
            f"AND NOT ({held}))"
        )
        ids = "SELECT id FROM customers WHERE " + condition.replace("{id}", "customers.id")
        return _Source(6, ids, condition, params, kind="flat")
    drive = _selective(conn, terms)
    where = " AND ".join(t.sql(scan=t is not drive) for t in terms)
    # Without statistics SQLite would rather scan in id order than sort; a selective
    # filter's index is named explicitly.
    use = f" INDEXED BY {_INDEXES[drive.column]}" if drive is not None else ""
    ids = f"SELECT customer_id AS id FROM customer_activity a{use} WHERE {where}"
    condition = (
        "EXISTS (SELECT 1 FROM customer_activity a WHERE a.customer_id = {id} AND "
        + " AND ".join(t.sql(scan=False) for t in terms)
        + ")"
    )
    return _Source(1 if drive is not None else 5, ids, condition, params, kind="flat")


def _selective(conn: Connection, terms: list[_Term]) -> _Term | None:
    """The indexed term with the fewest rows, if fewer than PROBE (else None: scan)."""
    best, fewest = None, PROBE
    for term in terms:
        if term.column not in _INDEXES or term.sql(scan=False).startswith("coalesce"):
            continue
        (found,) = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM customer_activity a WHERE "
            f"{term.sql(scan=False)} LIMIT ?)",
            (term.value, PROBE),
        ).fetchone()
        if found < fewest:
            best, fewest = term, found
    return best


def _kind_source(conn: Connection, kind: str | None, status: str | None) -> _Source:
    from custinfo.activity.interactions import KINDS, STATUSES, check_choice

    kind_ = check_choice(kind, KINDS, "--kind")
    status_ = check_choice(status, STATUSES, "--status")
    where, params = [], []
    if kind_ is not None:
        where.append("n.kind = ?")
        params.append(kind_)
        if kind_ != "note":
            where.append("n.kind != 'note'")  # lets the partial index notes_kind serve
    if status_ is not None:
        where.append("n.status = ?")
        params.append(status_)
    clause = " AND ".join(where)
    (found,) = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM notes n WHERE {clause} LIMIT ?)", (*params, PROBE)
    ).fetchone()
    return _Source(
        1 if found < PROBE else 4,
        f"SELECT n.customer_id FROM notes n WHERE {clause}",
        f"EXISTS (SELECT 1 FROM notes n WHERE n.customer_id = {{id}} AND {clause})",
        params,
    )


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, as SQLite's lower() does."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _bought_source(text: str) -> _Source:
    needle = ascii_lower(normalize_text(text))
    return _Source(
        7,
        "SELECT customer_id FROM orders WHERE instr(lower(items), ?)",
        "EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = {id} AND instr(lower(o.items), ?))",
        [needle],
    )
