"""Revenue per day (`custinfo.activity.order_days`): the triggers keep it exact.

One store for the module: after each kind of write that adds, changes or removes orders (an
order, an import batch, a removal, a merge and its unmerge, a purge) `order_days` equals a
recomputation; the migration fills an older database; and the window sums (full days from
the table, the partial first and last day from the orders) equal a plain scan for any
window, in zones with half-hour offsets too, so the overview's fast path and its scan of a
selection give the same revenue table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo import times, validation
from custinfo.activity import order_days
from custinfo.store import Store
from custinfo.store.orders import OrderRow, add_order, insert_orders, remove_order
from tests.conftest import PASSPHRASE

BASE = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("days") / "customers.db"
    opened = Store.create(path, PASSPHRASE.encode(), region="CN")
    for name in ("张伟", "李娜", "Anna Müller"):
        opened.add(validation.customer_input(name=name, region="CN"))
    with opened.write("test") as w:  # 160 orders over ~40 days, three currencies, refunds
        insert_orders(w, [
            OrderRow(1 + k % 3, times.to_stored(BASE + timedelta(hours=6 * k + k % 5)),
                     (-1 if k % 11 == 0 else 1) * (100 + 37 * k), ("CNY", "USD", "JPY")[k % 7 % 3])
            for k in range(160)
        ])  # fmt: skip
        w.touch("orders", [1, 2, 3])
    try:
        yield opened
    finally:
        opened.close()


def _days(store: Store) -> list[tuple]:
    assert order_days.stale(store.conn) == []
    return store.conn.execute("SELECT * FROM order_days ORDER BY day, currency").fetchall()


def test_every_write_keeps_the_days_exact(store: Store) -> None:
    from custinfo.privacy import purge

    before = _days(store)
    assert len(before) > 40 and {r[1] for r in before} == {"CNY", "USD", "JPY"}
    with store.write("test") as w:
        order = add_order(w, OrderRow(2, "2026-03-02T23:59:59.999999Z", -250, "CNY"))
    assert _days(store) != before
    with store.write("test") as w:
        remove_order(w, order)
    assert _days(store) == before  # (a day emptied by a removal goes: no zero rows)
    with store.write("test") as w:
        lonely = add_order(w, OrderRow(3, "2027-01-01T00:00:00.000000Z", 500, "EUR"))
        remove_order(w, lonely)
    assert _days(store) == before
    store.merge(1, [2])  # moving orders changes no day
    assert _days(store) == before
    assert store.unmerge(1) == [2]
    assert _days(store) == before
    purge.purge(store, [3], reason="test")  # the cascade's deletes run the trigger
    after = _days(store)
    assert sum(r[2] + r[3] for r in after) < sum(r[2] + r[3] for r in before)


def _triggers(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]  # fmt: skip


def test_a_bulk_insert_keeps_the_days_exact_and_a_failed_one_changes_nothing(
    store: Store,
) -> None:
    """`order_days.bulk`: the triggers off for a big batch, its days added in one go."""
    triggers, before = _triggers(store), _days(store)
    rows = [OrderRow(1 + k % 2, times.to_stored(BASE + timedelta(minutes=97 * k)),
                     (-1 if k % 13 == 0 else 1) * (50 + k), "CNY" if k % 4 else "USD")
            for k in range(order_days.BULK + 500)]  # fmt: skip
    with pytest.raises(RuntimeError), store.write("test") as w:
        with order_days.bulk(w.conn, len(rows)):
            insert_orders(w, rows)
            with order_days.bulk(w.conn, len(rows)):  # nested: counted once
                insert_orders(w, rows[:10])
            assert _triggers(store) == []
        raise RuntimeError("the import fails: everything is rolled back")
    assert _triggers(store) == triggers and _days(store) == before
    with store.write("test") as w, order_days.bulk(w.conn, len(rows)):
        insert_orders(w, rows)
        insert_orders(w, rows[:10])
    assert _triggers(store) == triggers and len(triggers) == 3
    assert _days(store) != before  # (and `_days` checked them against a recomputation)


def test_migration_fills_the_days_of_an_older_database(store: Store, tmp_path: Path) -> None:
    expected = _days(store)
    copy = tmp_path / "older.db"
    store.conn.execute("VACUUM INTO ?", (str(copy),))
    older = Store.open(copy, PASSPHRASE.encode())
    try:
        with older.db.transaction() as conn:
            conn.execute("DROP TABLE order_days")
            for name in ("insert", "delete", "update"):
                conn.execute(f"DROP TRIGGER order_days_{name}")
            conn.execute("PRAGMA user_version = 13")
    finally:
        older.close()
    older = Store.open(copy, PASSPHRASE.encode())
    try:
        assert _days(older) == expected
    finally:
        older.close()


def _scan(store: Store, start: str, end: str) -> dict[str, list[int]]:
    rows = store.conn.execute(
        "SELECT currency, sum(amount >= 0), sum(amount < 0), sum(amount), sum(min(amount, 0)) "
        "FROM orders WHERE at >= ? AND at < ? GROUP BY currency",
        (start, end),
    )
    return {cur: list(sums) for cur, *sums in rows}


@settings(max_examples=25, deadline=None)
@given(
    first=st.integers(-3 * 24 * 60, 45 * 24 * 60),
    length=st.integers(0, 50 * 24 * 60),
    offset=st.sampled_from([0, 30, 45, 60 * 8, -60 * 5 - 30]),
)
def test_a_window_equals_a_scan_of_its_orders(
    store: Store, first: int, length: int, offset: int
) -> None:
    """Any window, local midnights of half-hour zones too: the same sums as every order."""
    moment = BASE + timedelta(minutes=first - first % 60 + offset)
    start, end = times.to_stored(moment), times.to_stored(moment + timedelta(minutes=length))
    assert order_days.window(store.conn, start, end) == _scan(store, start, end)


def test_overview_everyone_equals_the_scan_of_a_selection_of_everyone(store: Store) -> None:
    """The fast path (everyone: order_days) and the selection's scan agree on revenue."""
    from custinfo import reports
    from custinfo.reports import Scope, overview

    since, as_of = BASE.date(), (BASE + timedelta(days=45)).date()
    everyone = Scope(store, None, as_of, since)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM customers")]
    selection = Scope(store, ids, as_of, since)
    fast, scanned = overview._revenue(everyone), overview._revenue(selection)
    assert fast[1] > 0 and json.dumps(fast, default=str) == json.dumps(scanned, default=str)
    report = reports.build(store, "overview", since=since.isoformat(), as_of=as_of.isoformat())
    assert {t.key for t in report.tables} >= {"revenue", "new_by_month"}
