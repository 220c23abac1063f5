"""find's behaviour filters (orders, contacts, interaction kinds) against a brute-force
reading of the orders and notes themselves; the activity aggregates kept in step by the
write gate through adds, removals, merges, unmerges and purges."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo import times
from custinfo.activity import aggregates
from custinfo.search import Query, count, find_ids
from tests.budget import examples
from tests.conftest import PASSPHRASE

KINDS = ("note", "call", "visit", "complaint", "service", "campaign")
ITEMS = ("龙井茶 250g", "Green TEA", "茶具套装", "Gift card", "抹茶粉")


def _load(store, seed: int = 5) -> None:  # type: ignore[no-untyped-def]
    from custinfo import validation
    from custinfo.store.orders import OrderRow, insert_orders, mark_active

    r = random.Random(seed)
    ids = [store.add(validation.customer_input(name=f"客户{i}", region="CN")) for i in range(40)]
    with store.write("test") as w:
        rows = []
        for cid in ids:
            for _ in range(r.choice((0, 0, 1, 1, 2, 5, 12))):
                day = f"20{r.randint(24, 26)}-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}"
                at = day + "T08:00:00.000000Z"
                amount = r.choice((990, 12000, 59800, 150000, -990))
                currency = "USD" if r.random() < 0.1 else "CNY"
                rows.append(OrderRow(cid, at, amount, currency, r.choice(ITEMS), "淘宝"))
            for _ in range(r.choice((0, 1, 3))):
                kind = r.choice(KINDS)
                status = (
                    r.choice((None, "open", "resolved"))
                    if kind in ("complaint", "service")
                    else None
                )
                at = f"20{r.randint(24, 26)}-{r.randint(1, 11):02d}-15T09:00:00.000000Z"
                w.add_note(cid, f"{kind} text", at=at, kind=kind, status=status)
        insert_orders(w, rows)
        mark_active(w, ids)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # type: ignore[no-untyped-def]
    from custinfo.store import Store

    path = tmp_path_factory.mktemp("behaviour") / "customers.db"
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    _load(store)
    yield store
    store.close()


def _facts(store) -> dict[int, dict]:  # type: ignore[no-untyped-def]
    conn = store.conn
    facts = {cid: {"spent": 0, "count": 0, "last_order": None, "last_contact": None,
                   "kinds": set(), "items": []}
             for (cid,) in conn.execute("SELECT id FROM customers")}  # fmt: skip
    for cid, at, amount, currency, items in conn.execute(
        "SELECT customer_id, at, amount, currency, items FROM orders"
    ):
        f = facts[cid]
        f["items"].append(items)
        if currency == "CNY":
            f["spent"] += amount
        if amount >= 0:
            f["count"] += 1
            f["last_order"] = max(f["last_order"] or "", at)
    for cid, at, kind, status in conn.execute("SELECT customer_id, at, kind, status FROM notes"):
        f = facts[cid]
        f["kinds"].add((kind, status))
        if kind != "note":
            f["last_contact"] = max(f["last_contact"] or "", at)
    for f in facts.values():
        if f["last_order"]:
            f["last_contact"] = max(f["last_contact"] or "", f["last_order"])
    return facts


def _expected(facts: dict[int, dict], q: Query) -> list[int]:
    def holds(f: dict) -> bool:
        if q.spent_over is not None and not f["spent"] > int(q.spent_over) * 100:
            return False
        if q.spent_under is not None and not f["spent"] < int(q.spent_under) * 100:
            return False
        if q.orders_at_least is not None and f["count"] < q.orders_at_least:
            return False
        for value, key, since in ((q.ordered_since, "last_order", True),
                                  (q.no_order_since, "last_order", False),
                                  (q.contacted_since, "last_contact", True),
                                  (q.no_contact_since, "last_contact", False)):  # fmt: skip
            if value:
                t = times.since(value, "x")
                recent = f[key] is not None and f[key] >= t
                if recent != since:
                    return False
        if q.kind and not any(k == q.kind and (q.status is None or s == q.status)
                              for k, s in f["kinds"]):  # fmt: skip
            return False
        return not (q.bought and not any(q.bought.lower() in i.lower() for i in f["items"]))

    return sorted(cid for cid, f in facts.items() if holds(f))


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "spent_over": st.sampled_from(["0", "100", "1000", "5000", "-1"]),
        "spent_under": st.sampled_from(["0", "100", "1000", "20000"]),
        "orders_at_least": st.integers(0, 6),
        "ordered_since": st.sampled_from(["2025-01-01", "2026-06-01", "2020-01-01"]),
        "no_order_since": st.sampled_from(["2025-01-01", "2026-06-01", "2030-01-01"]),
        "contacted_since": st.sampled_from(["2025-06-01", "2026-01-01"]),
        "no_contact_since": st.sampled_from(["2025-06-01", "2026-01-01"]),
        "kind": st.sampled_from(KINDS),
        "bought": st.sampled_from(["茶", "tea", "GIFT", "咖啡"]),
    },
)


@settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(FILTERS, st.sampled_from([None, "open", "resolved"]), st.sampled_from([2, 5000]))
def test_filters_match_a_brute_force_reading(shop, monkeypatch, filters, status, probe) -> None:
    from custinfo.search import activity

    monkeypatch.setattr(activity, "PROBE", probe)  # both the indexed and the scanning path
    q = Query(**filters, status=status if filters.get("kind") else None)
    expected = _expected(_facts(shop), q)
    assert find_ids(shop, q, "CN") == expected
    assert count(shop, q, "CN") == len(expected)
    q.limit = 3
    assert find_ids(shop, q, "CN") == expected[:3]


def test_aggregates_follow_every_write(shop) -> None:
    from custinfo import validation
    from custinfo.activity import orders
    from custinfo.privacy import purge

    conn = shop.conn
    assert aggregates.stale(conn) == []
    a, b = (
        r[0]
        for r in conn.execute(
            "SELECT customer_id FROM customer_activity WHERE order_count > 1 "
            "ORDER BY customer_id LIMIT 2"
        )
    )
    order = orders.add(shop, a, amount="12.34", at="2026-11-20")
    assert aggregates.stale(conn) == []
    orders.remove(shop, order)
    shop.merge(a, [b])
    assert aggregates.stale(conn) == []
    shop.unmerge(a)
    assert aggregates.stale(conn) == []
    c = shop.add(validation.customer_input(name="Late", region="CN"))
    orders.add(shop, c, amount="1")
    purge.purge(shop, [c], reason="test")
    assert aggregates.stale(conn) == []
    assert conn.execute(
        "SELECT count(*) FROM customer_activity WHERE customer_id = ?", (c,)
    ).fetchone() == (0,)


def test_the_driver_uses_the_indexes(shop, monkeypatch) -> None:
    """A selective spend filter reads the spent index; a common one scans the narrow
    table in id order and stops at the limit; a complaint lookup uses the partial index."""
    from custinfo.search.plan import make_plan

    def plan(q: Query) -> str:
        sql, params = make_plan(shop.conn, q, "CN").select("rank", 50)
        return " ".join(r[3] for r in shop.conn.execute("EXPLAIN QUERY PLAN " + sql, params))

    assert "customer_activity_spent" in plan(Query(spent_over="100000"))
    from custinfo.search import activity

    monkeypatch.setattr(activity, "PROBE", 2)  # as if thousands had spent more than ¥1
    common = plan(Query(spent_over="1", no_order_since="180d"))
    assert "SCAN a" in common and "TEMP B-TREE" not in common
    assert "notes_kind" in plan(Query(kind="complaint", status="open"))


def test_bad_values_are_usage_errors(cli, db) -> None:
    for args, message in [
        (["--spent-over", "abc"], "--spent-over 'abc': not a number"),
        (["--spent-under", "1.234"], "at most 2 decimal places"),
        (["--orders-at-least", "-1"], "must not be negative"),
        (["--ordered-since", "yesterday"], "--ordered-since 'yesterday'"),
        (["--no-contact-since", "3x"], "YYYY-MM-DD or a duration"),
        (["--kind", "fax"], "--kind 'fax': use one of"),
        (["--kind", "complaint", "--status", "closed"], "--status 'closed'"),
        (["--added-since", "2026-02-30"], "--added-since"),
    ]:
        for command in (["find"], ["export"], ["dedupe"], ["order", "export"]):
            result = cli(*command, *args)
            assert result.code == 2 and message in result.stderr, (command, args, result.stderr)


def test_durations_in_added_and_updated_since(cli, db) -> None:
    cid = cli.ok("add", "--name", "New").strip()
    for option in ("--added-since", "--updated-since"):
        assert cli.ok("find", option, "7d", "--format", "ids") == cid + "\n"
        assert cli.ok("find", option, "0d", "--format", "ids") == cid + "\n"
    assert cli.ok("find", "--added-since", "2999-01-01", "--format", "ids") == ""


def test_cookbook_at_the_cli(cli, db) -> None:
    """The guide's recipes: big spenders gone quiet; tag everyone who complained."""
    quiet = cli.ok("add", "--name", "Quiet").strip()
    busy = cli.ok("add", "--name", "Busy").strip()
    from datetime import datetime, timedelta

    long_ago = (datetime.now() - timedelta(days=250)).strftime("%Y-%m-%d")
    cli.ok("order", "add", quiet, "--amount", "1200", "--at", long_ago)
    cli.ok("order", "add", busy, "--amount", "1500")
    got = cli.ok("find", "--spent-over", "1000", "--no-order-since", "6m", "--format", "ids")
    assert got == quiet + "\n"
    cli.ok("note", busy, "包装破损", "--kind", "complaint")
    ids = cli.ok("find", "--kind", "complaint", "--format", "ids")
    assert "tagged 1 customer with" in cli("tag", "add", "complained", input=ids).stderr
    assert cli.ok("find", "--tag", "complained", "--format", "ids") == busy + "\n"
    exported = cli.ok("export", "--kind", "complaint")
    assert exported.splitlines()[0].endswith(
        "order_count,order_total,last_order_at,last_contact_at"
    )
    assert exported.splitlines()[1].split(",")[15:17] == ["1", "1500.00"]
    assert cli.ok("dedupe", "--spent-over", "1000", "--format", "json") == "[]\n"
