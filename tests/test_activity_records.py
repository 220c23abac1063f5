"""Orders and interactions are record kinds like the others: merge moves them, unmerge
restores them exactly (show and timeline JSON compared), subject lists them, purge erases
them, backup and restore carry them."""

from __future__ import annotations

import json

import pytest


def _state(cli, *ids: str) -> list:  # type: ignore[no-untyped-def]
    out = []
    for cid in ids:
        out.append(json.loads(cli.ok("show", cid, "--format", "json")))
        out.append(json.loads(cli.ok("timeline", cid, "--format", "json")))
    return out


@pytest.fixture
def pair(cli, db) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    keep = cli.ok("add", "--name", "王芳", "--phone", "13800138000", "--city", "上海").strip()
    other = cli.ok("add", "--name", "Wang Fang", "--email", "wf@example.com").strip()
    cli.ok("order", "add", keep, "--amount", "100", "--at", "2026-03-01", "--ref", "K1")
    cli.ok("note", keep, "来电", "--kind", "call", "--direction", "in", "--at", "2026-03-02")
    cli.ok("order", "add", other, "--amount", "250.50", "--at", "2026-04-01", "--items", "茶具",
           "--channel", "淘宝", "--ref", "O1")  # fmt: skip
    cli.ok("order", "add", other, "--amount", "9", "--currency", "USD", "--at", "2026-05-01")
    cli.ok("note", other, "少发了", "--kind", "complaint", "--at", "2026-05-02")
    return keep, other


def test_merge_moves_orders_and_unmerge_restores_show_and_timeline(cli, pair) -> None:
    keep, other = pair
    before = _state(cli, keep, other)
    cli.ok("merge", keep, other, "--yes")
    merged = json.loads(cli.ok("show", keep, "--format", "json"))
    assert merged["orders_summary"]["count"] == 3
    assert merged["orders_summary"]["totals"] == {"CNY": "350.50", "USD": "9.00"}
    assert merged["order_total"] == "350.50" and merged["last_order_at"].startswith("2026-05-01")
    kinds = [e["kind"] for e in json.loads(cli.ok("timeline", keep, "--format", "json"))]
    assert kinds[:5] == ["order", "call", "order", "order", "complaint"] and kinds[-1] == "merge"
    assert cli.ok("find", "--kind", "complaint", "--format", "ids") == keep + "\n"
    assert cli.ok("find", "--spent-over", "300", "--format", "ids") == keep + "\n"
    assert cli.ok("unmerge", keep).split() == [other]
    assert _state(cli, keep, other) == before
    assert cli.ok("find", "--spent-over", "300", "--format", "ids") == ""
    assert cli.ok("find", "--kind", "complaint", "--format", "ids") == other + "\n"


def test_orders_added_after_a_merge_stay_with_the_kept_customer(cli, pair) -> None:
    keep, other = pair
    cli.ok("merge", keep, other, "--yes")
    cli.ok("order", "add", other, "--amount", "1")  # through the old id: the kept customer
    cli.ok("unmerge", keep)
    refs = [o["amount"] for o in json.loads(cli.ok("order", "list", keep, "--format", "json"))]
    assert refs == ["100.00", "1.00"]


def test_subject_lists_orders_and_interactions(cli, pair) -> None:
    keep, other = pair
    cli.ok("merge", keep, other, "--yes")
    report = json.loads(cli.ok("subject", other, "--format", "json"))
    assert [o["ref"] for o in report["records"]["orders"]] == ["K1", "O1", None]
    assert report["records"]["orders"][1] == {
        "id": 2, "at": "2026-04-01T00:00:00.000000Z", "amount": "250.50", "currency": "CNY",
        "items": "茶具", "channel": "淘宝", "ref": "O1", "note": "",
    }  # fmt: skip
    kinds = {n["kind"] for n in report["customer"]["notes"]}
    assert {"call", "complaint"} <= kinds
    assert report["customer"]["orders_summary"]["count"] == 3
    commands = [e["command"] for e in report["audit_events"]]
    assert commands.count("order add") == 3 and "merge" in commands


def test_purge_erases_orders_interactions_and_aggregates(cli, pair, store) -> None:
    keep, other = pair
    cli.ok("purge", other, "--yes")
    conn = store.conn
    for table in ("orders", "notes", "customer_activity"):
        (n,) = conn.execute(
            f"SELECT count(*) FROM {table} WHERE customer_id = ?", (other,)
        ).fetchone()
        assert n == 0, table
    assert conn.execute("SELECT count(*) FROM orders").fetchone() == (1,)
    dry = cli.ok("purge", keep, "--dry-run")
    assert "1 order," in dry and "1 note," in dry  # every kind counted, in plural() grammar


def test_backup_and_restore_carry_orders(cli, pair) -> None:
    keep, _ = pair
    backup = cli.ok("backup", "create").strip()
    before = _state(cli, keep)
    cli.ok("order", "add", keep, "--amount", "5")
    cli.ok("backup", "restore", backup, "--yes")
    assert _state(cli, keep) == before
    assert cli.ok("backup", "verify", backup).startswith("ok")


def test_customer_exports_with_activity_import_cleanly(cli, pair, tmp_path) -> None:
    """The activity columns and `orders_summary` of an export are not imported as notes."""
    keep, _ = pair
    for fmt in ("csv", "json", "ndjson"):
        exported = cli.ok("export", "--format", fmt, "--id", keep)
        other = tmp_path / f"{fmt}.db"
        cli.ok("--db", str(other), "init")
        result = cli("--db", str(other), "import", "-", input=exported)
        assert result.code == 0 and "unknown columns" not in result.stderr, (fmt, result.stderr)
        record = json.loads(cli.ok("--db", str(other), "show", "1", "--format", "json"))
        # A customer import brings notes back plain (CSV keeps the kind in the text).
        assert [n["text"] for n in record["notes"]] == [
            "[call in] 来电" if fmt == "csv" else "来电"
        ]
        assert {n["kind"] for n in record["notes"]} == {"note"}
        assert record["order_count"] == 0 and record["orders_summary"]["count"] == 0
