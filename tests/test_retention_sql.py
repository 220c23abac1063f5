"""Retention's SQL (`privacy.retention_sql`) equals the Python reference (`retention.evaluate`),
and its "last contact" is issue 12's (the latest order or non-note interaction)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from custinfo.privacy.consent import ANY, SPECIFIC, Entry, Purpose
from tests.budget import examples
from tests.conftest import PASSPHRASE

NOW = "2024-03-31T10:00:00.000000Z"
CUSTOMERS = (1, 2, 3)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from custinfo import validation
    from custinfo.store import Store

    path = tmp_path_factory.mktemp("retsql") / "r.db"
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    for name in ("甲", "乙", "丙"):
        store.add(validation.customer_input(name=name, region="CN"))
    yield store
    store.close()


# Times around month ends and NOW (month clamping, ties, the day of NOW itself).
_AT = st.sampled_from([
    f"{day}T{clock}.000000Z"
    for day in ("2022-01-31", "2022-02-28", "2023-03-30", "2023-09-30", "2024-01-31",
                "2024-02-29", "2024-03-31")
    for clock in ("08:00:00", "10:00:00", "12:00:00")
])  # fmt: skip
_purposes = st.lists(
    st.builds(
        lambda key, basis, period, start: Purpose(
            key, key, basis, period, start if period else None
        ),
        st.sampled_from(("p", "q", "r")),
        st.sampled_from(("consent", "consent", "contract", "legitimate-interest")),
        st.sampled_from((None, "3d", "1m", "2m", "1y", "25m")),
        st.sampled_from(("last-contact", "withdrawal", "created")),
    ).filter(lambda p: p.basis == "consent" or p.retention_from != "withdrawal"),
    min_size=1, max_size=3, unique_by=lambda p: p.key,
)  # fmt: skip
_entry = st.tuples(
    st.sampled_from(("p", "q")), _AT, st.sampled_from((SPECIFIC[0], SPECIFIC[1], ANY)),
    st.sampled_from(("given", "withdrawn")),
)  # fmt: skip
# (kind, at, amount): an order (amount) or a note of a kind ("note" does not count).
_contact = st.tuples(st.sampled_from(("order", "refund", "note", "call", "complaint")), _AT)
_person = st.tuples(_AT, st.lists(_entry, max_size=5), st.lists(_contact, max_size=2))


def _reference(ps, person) -> object:  # type: ignore[no-untyped-def]
    """`evaluate` with the ledger and last contact worked out in plain Python."""
    from custinfo.privacy import retention

    created, rows, contacts = person
    ledger: dict[str, list[Entry]] = defaultdict(list)
    for n, (key, at, channel, state) in sorted(enumerate(rows), key=lambda r: (r[1][1], r[0])):
        ledger[key].append(Entry(at, n, channel, state))
    counted = [at for kind, at in contacts if kind not in ("note", "refund")]
    return retention.evaluate(ps, ledger, created, max(counted, default=created))


@settings(max_examples=examples(120), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(ps=_purposes, people=st.lists(_person, min_size=3, max_size=3))
@example(  # a consent purpose without entries covers nobody; gives and withdrawals by channel
    ps=[Purpose("p", "p", "consent", "1m", "withdrawal"), Purpose("q", "q", "consent", "2m",
        "last-contact"), Purpose("r", "r", "consent", "1y", "withdrawal")],
    people=[
        ("2022-01-31T08:00:00.000000Z", [("p", "2022-01-31T08:00:00.000000Z", "sms", "given"),
         ("p", "2022-01-31T08:00:00.000000Z", "email", "given"),
         ("p", "2022-02-28T10:00:00.000000Z", "sms", "withdrawn")], []),
        ("2022-01-31T08:00:00.000000Z", [("p", "2022-01-31T08:00:00.000000Z", "any", "given"),
         ("p", "2024-02-29T12:00:00.000000Z", "sms", "withdrawn"),
         ("q", "2023-09-30T10:00:00.000000Z", "sms", "given")],
         [("call", "2024-01-31T08:00:00.000000Z")]),
        ("2023-03-30T10:00:00.000000Z", [("p", "2022-01-31T08:00:00.000000Z", "sms", "given"),
         ("p", "2022-02-28T10:00:00.000000Z", "any", "withdrawn"),
         ("q", "2022-02-28T10:00:00.000000Z", "email", "withdrawn")], []),
    ],
)  # fmt: skip
def test_sql_verdicts_and_check_equal_the_reference(three, ps, people) -> None:
    """Three customers at once (the customers with ledger entries and those without come
    from two sources): every verdict and the list of those past retention."""
    from custinfo.activity.aggregates import ACTIVITY
    from custinfo.privacy import retention

    conn = three.conn
    conn.execute("BEGIN")
    try:
        for cid, (created, rows, contacts) in zip(CUSTOMERS, people, strict=True):
            conn.execute(
                "UPDATE customers SET created_at = ?, updated_at = ? WHERE id = ?",
                (created, NOW, cid),
            )  # fmt: skip (edits are no contact)
            for key, at, channel, state in rows:  # ids grow in list order: ties keep it
                conn.execute(
                    "INSERT INTO consents(customer_id, purpose, channel, state, at, source, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, 'manual', '')",
                    (cid, key, channel, state, at),
                )
            for kind, at in contacts:
                if kind in ("order", "refund"):
                    amount = -5 if kind == "refund" else 5
                    conn.execute("INSERT INTO orders(customer_id, at, amount, currency) "
                                 "VALUES (?, ?, ?, 'CNY')", (cid, at, amount))  # fmt: skip
                else:
                    conn.execute("INSERT INTO notes(customer_id, at, text, kind) "
                                 "VALUES (?, ?, 'x', ?)", (cid, at, kind))  # fmt: skip
        ACTIVITY.changed(conn, CUSTOMERS)
        expected = {cid: _reference(ps, p) for cid, p in zip(CUSTOMERS, people, strict=True)}
        assert retention.verdicts(conn, ps, CUSTOMERS, now=NOW) == expected
        past = {d.customer_id: d for d in retention.past(conn, ps, NOW)}
        assert sorted(past) == [c for c, v in expected.items() if v.until and v.until < NOW]
        for cid, due in past.items():
            v = expected[cid]
            assert (due.purpose, due.rule, due.since, due.until) == (
                v.purpose, v.rule, v.since or "", v.until)  # fmt: skip
    finally:
        conn.execute("ROLLBACK")


def test_shift_sql_equals_dates_shift(three) -> None:
    """Calendar months clamp to the month's end, days are days, microseconds are kept."""
    from custinfo.privacy.dates import shift
    from custinfo.privacy.retention_sql import shift_sql

    times = ["2024-01-31T23:59:59.123456Z", "2023-02-28T00:00:00.000001Z",
             "2024-02-29T12:00:00.000000Z", "2021-12-31T08:30:00.500000Z"]  # fmt: skip
    for duration in ("1d", "30d", "1m", "13m", "1y", "4y"):
        sql = shift_sql(":t", duration)
        for at in times:
            (got,) = three.conn.execute(f"SELECT {sql}", {"t": at, "indef": "∞"}).fetchone()
            assert got == shift(at, duration), (at, duration)
    far = shift_sql(":t", "9000y")  # past year 9999: kept for good, never erased
    assert three.conn.execute(f"SELECT {far}", {"t": times[0], "indef": "∞"}).fetchone() == ("∞",)


def test_last_contact_is_the_latest_order_or_interaction(tmp_path) -> None:
    """Through the write gate: an order and a typed interaction are contact (issue 12's
    `last_contact_at`); a plain note is none (nor are edits or creation: see above)."""
    from custinfo import validation
    from custinfo.activity import interactions, orders
    from custinfo.privacy import consent, retention
    from custinfo.store import Store

    with Store.create(tmp_path / "c.db", PASSPHRASE.encode(), region="CN") as store:
        consent.add_purpose(store, "club", label="会员", basis="consent", retention="18m",
                            retention_from="last-contact")  # fmt: skip
        cid = store.add(validation.customer_input(name="钱七", region="CN"))
        consent.record(store, cid, "club", "given", at="2019-05-01T00:00:00.000000Z")
        assert retention.check(store) == []  # created today
        orders.add(store, cid, amount="99.00", at="2020-06-01 12:00")
        interactions.add(store, cid, interactions.interaction_input("记一笔", at="2024-01-01"))
        (due,) = retention.check(store)
        assert (due.customer_id, due.rule) == (cid, "18m from last-contact")
        assert due.since.startswith("2020-06-01") and due.until.startswith("2021-12-01")
        interactions.add(store, cid, interactions.interaction_input("回访", kind="call"))
        assert retention.check(store) == []
