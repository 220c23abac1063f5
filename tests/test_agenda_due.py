"""Keep-in-touch due data (`custinfo.followups.due`): the write gate keeps it in step.

One store for the module: after each kind of write (a cadence, an interaction, an order, a
name change, a merge, an unmerge, a purge) the stored rows equal a recomputation, and the
agenda's keep-in-touch rows follow. `LocalDays` (UTC text -> local date, the agenda's fast
path) agrees with the exact conversion in zones with daylight saving and odd offsets.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest

from custinfo import times
from custinfo.followups import agenda, due
from custinfo.store import Store
from tests.conftest import PASSPHRASE

TODAY = times.today()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from custinfo import validation

    path = tmp_path_factory.mktemp("due") / "customers.db"
    opened = Store.create(path, PASSPHRASE.encode(), region="CN")
    for name in ("张伟", "李娜", "Anna Müller", "王芳"):
        opened.add(validation.customer_input(name=name, region="CN"))
    try:
        yield opened
    finally:
        opened.close()


def _due(store: Store) -> dict[int, tuple]:
    """customer id -> (every, base_at, contacted, name), checked against a recomputation."""
    assert due.stale(store.conn) == []
    rows = store.conn.execute("SELECT customer_id, every, base_at, contacted, name FROM "
                              "keep_in_touch_due").fetchall()  # fmt: skip
    return {r[0]: tuple(r[1:]) for r in rows}


def _kit(store: Store, days: int = 0) -> dict[int, str]:
    """customer id -> due day of the agenda's keep-in-touch rows."""
    rows = agenda.build(store, days=days).items
    return {i.customer_id: i.due.day.isoformat() for i in rows if i.reason == "keep-in-touch"}


def _open(store: Store) -> list[int]:
    """Ids of the open follow-ups (derived copy)."""
    return [r[0] for r in store.conn.execute("SELECT id FROM followups_open ORDER BY id")]


def _open_names(store: Store) -> dict[int, str]:
    """customer id -> name of the open follow-ups' derived rows."""
    return dict(store.conn.execute("SELECT customer_id, name FROM followups_open"))


def _ago(days: int) -> str:
    return times.local_start(TODAY - timedelta(days=days))


def test_writes_keep_the_due_data_right(store: Store) -> None:
    from custinfo.followups import core
    from custinfo.privacy import purge
    from custinfo.store.orders import OrderRow, add_order

    zhang, li, anna, wang = 1, 2, 3, 4
    core.keep_in_touch(store, [zhang, li, anna], "30d")
    for cid in (zhang, anna, anna):  # open follow-ups (with names) follow too
        core.add(store, cid, core.plan("+3d", kind="call", text="报价回访"))
    core.snooze(store, _open(store)[-1], "+5d")
    core.cancel(store, _open(store)[0])
    rows = _due(store)
    assert set(rows) == {zhang, li, anna} and rows[zhang][2] == 0  # not contacted yet
    assert _kit(store) == {}  # counted from today: due in 30 days

    with store.write("test") as w:  # an interaction 40 days ago: due 10 days ago
        w.add_note(zhang, "回访", at=_ago(40), kind="call")
        w.add_note(li, "a plain note is not a contact", at=_ago(50))
    rows = _due(store)
    assert rows[zhang][1:3] == (_ago(40), 1) and rows[li][2] == 0
    assert _kit(store) == {zhang: (TODAY - timedelta(days=10)).isoformat()}

    with store.write("test") as w:  # an order, later than the call, moves the base
        add_order(w, OrderRow(zhang, _ago(35), 9900, "CNY"))
        add_order(w, OrderRow(anna, _ago(31), 100, "CNY"))
    assert _due(store)[zhang][1] == _ago(35)
    assert _kit(store) == {zhang: (TODAY - timedelta(days=5)).isoformat(),
                           anna: (TODAY - timedelta(days=1)).isoformat()}  # fmt: skip

    with store.write("test") as w:  # the name is kept in the due row
        w.update_customer(anna, {"name": "Anna Schmidt"})
    assert _due(store)[anna][3] == "Anna Schmidt"
    assert _open_names(store) == {anna: "Anna Schmidt"}

    # Merge anna into wang (no cadence): the cadence and the order move, anna's row goes.
    store.merge(wang, [anna])
    rows = _due(store)
    assert anna not in rows and rows[wang][1:3] == (_ago(31), 1)
    assert _open_names(store) == {wang: "王芳"}  # (the follow-ups moved)
    assert _kit(store)[wang] == (TODAY - timedelta(days=1)).isoformat()
    assert store.unmerge(wang) == [anna]
    rows = _due(store)
    assert wang not in rows and rows[anna] == ("30d", _ago(31), 1, "Anna Schmidt")
    assert _open_names(store) == {anna: "Anna Schmidt"}

    core.keep_in_touch(store, [li], "1y")  # another cadence, then none
    assert _due(store)[li][0] == "1y"
    core.keep_in_touch(store, [li], None)
    assert li not in _due(store)

    core.add(store, zhang, core.plan("today"))
    purge.purge(store, [zhang], reason="test")
    assert set(_due(store)) == {anna} and set(_open_names(store)) == {anna}
    assert set(_kit(store)) == {anna}


def test_migration_fills_the_due_data_of_an_older_database(store: Store, tmp_path: Path) -> None:
    """A database written before v013 gets its derived rows when it is opened."""
    from custinfo.followups import core

    anna = 3
    core.keep_in_touch(store, [anna], "7d")
    core.add(store, anna, core.plan("+2d"))
    expected, followups = _due(store), _open_names(store)
    copy = tmp_path / "older.db"
    store.conn.execute("VACUUM INTO ?", (str(copy),))
    older = Store.open(copy, PASSPHRASE.encode())
    try:
        with older.db.transaction() as conn:
            conn.execute("DROP TABLE keep_in_touch_due")
            conn.execute("DROP TABLE followups_open")
            conn.execute("PRAGMA user_version = 12")
    finally:
        older.close()
    older = Store.open(copy, PASSPHRASE.encode())
    try:
        assert _due(older) == expected and anna in expected
        assert _open_names(older) == followups and anna in followups
    finally:
        older.close()


ZONES = ("UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns")  # fmt: skip


@pytest.fixture
def zone() -> Iterator[None]:
    saved = os.environ.get("TZ")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_local_days_agree_with_the_exact_conversion(zone: None) -> None:
    """Every 17 minutes over days with daylight-saving changes, in odd-offset zones."""
    starts = [datetime(2026, m, d, tzinfo=UTC) for m, d in ((3, 7), (3, 28), (4, 4), (10, 24),
                                                            (11, 1), (12, 31))]  # fmt: skip
    for name in ZONES:
        os.environ["TZ"] = name
        time.tzset()
        local = due.LocalDays()
        found = 0
        for start in starts:
            for step in range(0, 2 * 24 * 60, 17):
                moment = start + timedelta(minutes=step)
                stored = times.to_stored(moment)
                day = moment.astimezone().date()
                assert local(stored) == day.isoformat(), (name, stored)
                following = local.next_start(stored, day.isoformat())
                if following is not None:  # (None: an offset changes nearby)
                    found += 1
                    assert following == times.local_start(day + timedelta(days=1)), (name, stored)
        assert found > 500, name  # (most days: the fast path)
    assert due.LocalDays()("2026-12-01") == date(2026, 12, 1).isoformat()  # not the stored form


def test_report_activity_counts_followups_done_and_overdue(store: Store) -> None:
    """`report activity`'s follow-up numbers (`reports.hooks.followups`): done in the
    period, overdue at the end of the as-of day (open then, due before it)."""
    from custinfo import reports
    from custinfo.followups import core

    anna = 3
    core.keep_in_touch(store, [anna], "7d")
    core.add(store, anna, core.plan((TODAY - timedelta(days=3)).isoformat()))
    core.add(store, anna, core.plan("today"))  # due on the as-of day: not overdue
    done = core.add(store, anna, core.plan((TODAY - timedelta(days=1)).isoformat(), kind="call"))
    core.done(store, done)
    summary = {k: v for k, _label, v in reports.build(store, "activity").summary}
    assert (summary["followups_done"], summary["followups_overdue"]) == (1, 1)
    before = (TODAY - timedelta(days=5)).isoformat()  # before any of them existed
    summary = {k: v for k, _label, v in reports.build(store, "activity", as_of=before).summary}
    assert (summary["followups_done"], summary["followups_overdue"]) == (0, 0)
    other = {k: v for k, _l, v in reports.build(store, "activity", ids=[2]).summary}
    assert other["followups_overdue"] == 0
    assert _due(store)[anna][1] > _ago(1)  # (the done follow-up logged a contact)


def test_agenda_rows_come_in_item_key_order(store: Store) -> None:
    """The days are put together without a sort: the order is still `Item.key`'s (day,
    time, reason, follow-up id, customer id), and `values` are `Item.values`."""
    from custinfo import validation
    from custinfo.followups import core

    today = TODAY.strftime("%m-%d")
    people = (("陈静", f"1990-{today}"), ("刘洋", f"--{today}"), ("赵磊", None))
    new = [store.add(validation.customer_input(name=n, region="CN", birthday=b)) for n, b in people]
    core.keep_in_touch(store, new[::-1], "7d")
    with store.write("test") as w:  # the same day, later ids earlier: due in id order
        for hour, cid in zip((14, 12, 10), new, strict=True):
            noon = datetime.combine(TODAY - timedelta(days=7), dtime(hour)).astimezone()
            w.add_note(cid, "联系", at=times.to_stored(noon), kind="visit")
    for cid, when in ((new[2], f"{TODAY.isoformat()}T23:59"), (new[0], "today"),
                      (new[1], (TODAY - timedelta(days=1)).isoformat()), (new[0], "tomorrow"),
                      (new[1], f"{TODAY.isoformat()}T00:01")):  # fmt: skip
        core.add(store, cid, core.plan(when, kind="call"))
    result = agenda.build(store, days=1, birthdays=TODAY)
    items = result.items
    assert items == sorted(items, key=agenda.Item.key)
    assert {i.reason for i in items} == {"overdue", "due", "keep-in-touch", "birthday"}
    assert [list(v) for v in result.values()] == [i.values() for i in items]
    assert any(i.due.at for i in items) and result.overdue


def test_agenda_queries_read_index_ranges(store: Store) -> None:
    """Every query of `agenda.build` searches an index (none scans a table), so its cost
    follows the rows it shows, not the size of the database."""
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        agenda.build(store, days=7, birthdays=TODAY + timedelta(days=14))
    finally:
        store.conn.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) >= 3
    for sql in selects:
        plan = " ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), (sql, plan)
        assert "INDEX" in plan or "PRIMARY KEY" in plan, (sql, plan)
