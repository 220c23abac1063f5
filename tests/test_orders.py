"""Orders and typed interactions at the CLI: order add/list/remove/export, note kinds and
resolve, show's orders line and JSON, timeline, info, init --currency, the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import PASSPHRASE


@pytest.fixture
def buyer(cli, db) -> str:  # type: ignore[no-untyped-def]
    return cli.ok("add", "--name", "张伟", "--phone", "13800138000").strip()


def _json(cli, *args: str):  # type: ignore[no-untyped-def]
    return json.loads(cli.ok(*args, "--format", "json"))


def test_order_add_prints_the_id_and_show_sums_per_currency(cli, buyer) -> None:
    first = cli.ok("order", "add", buyer, "--amount", "299.00", "--at", "2026-11-11",
                   "--items", "龙井茶", "--channel", "淘宝", "--ref", "T1").strip()  # fmt: skip
    assert first.isdigit()
    cli.ok("order", "add", buyer, "--amount", "1794", "--at", "2026-10-01T12:30")
    cli.ok("order", "add", buyer, "--amount", "-50", "--items", "退款")  # a refund
    cli.ok("order", "add", buyer, "--amount", "12.5", "--currency", "usd", "--at", "2026-01-02")
    record = _json(cli, "show", buyer)
    keys = list(record)  # appended in this order after the contact keys; later keys follow
    start = keys.index("order_count")
    assert keys[start : start + 5] == ["order_count", "order_total", "last_order_at",
                                       "last_contact_at", "orders_summary"]  # fmt: skip
    summary = record["orders_summary"]
    assert summary["count"] == 3  # refunds are not orders
    assert summary["totals"] == {"CNY": "2043.00", "USD": "12.50"}  # never mixed
    assert record["order_count"] == 3 and record["order_total"] == "2043.00"
    assert summary["first_at"] < summary["last_at"] == record["last_order_at"]
    lines = cli.ok("show", buyer).splitlines()
    assert "orders: 3 · ¥2,043.00 + US$12.50 · last 2026-11-11" in lines
    assert not any(line.startswith(("order_count", "orders_summary")) for line in lines)


def test_order_add_errors(cli, buyer) -> None:
    for args, code, message in [
        (["--amount", "1.234"], 2, "--amount '1.234': CNY amounts have at most 2 decimal places"),
        (["--amount", "abc"], 2, "--amount 'abc': not a number"),
        (["--amount", "5", "--currency", "XYZ"], 2, "unknown currency 'XYZ'"),
        (["--amount", "5", "--at", "2026-02-30"], 2, "--at '2026-02-30': not a real date"),
        (["--amount", "5", "--at", "2062-01-01"], 2, "in the future"),
        (["--amount", "5", "--currency", "JPY", "--at", "x"], 2, "--at 'x'"),
    ]:
        result = cli("order", "add", buyer, *args)
        assert (result.code, result.stdout) == (code, ""), args
        assert result.stderr.count("\n") == 1 and message in result.stderr
    assert cli("order", "add", "999", "--amount", "5").code == 3
    cli.ok("order", "add", buyer, "--amount", "5", "--channel", "淘宝", "--ref", "A")
    again = cli("order", "add", buyer, "--amount", "5", "--channel", "淘宝", "--ref", "A")
    assert again.code == 2 and "exists already" in again.stderr
    cli.ok(
        "order", "add", buyer, "--amount", "5", "--channel", "有赞", "--ref", "A"
    )  # other channel


def test_order_list_filters_and_formats(cli, buyer, monkeypatch) -> None:
    other = cli.ok("add", "--name", "Anna").strip()
    cli.ok("order", "add", buyer, "--amount", "10", "--at", "2026-01-15", "--channel", "淘宝")
    cli.ok("order", "add", other, "--amount", "20", "--at", "2026-02-15", "--channel", "门店")
    cli.ok("order", "add", buyer, "--amount", "30", "--at", "2026-03-15", "--channel", "淘宝")
    rows = list(csv.reader(io.StringIO(cli.ok("order", "list"))))
    assert rows[0] == ["id", "customer_id", "at", "amount", "currency", "items", "channel",
                       "ref", "note"]  # fmt: skip
    assert [r[3] for r in rows[1:]] == ["10.00", "20.00", "30.00"]  # in time order
    assert [o["amount"] for o in _json(cli, "order", "list", buyer)] == ["10.00", "30.00"]
    since = _json(cli, "order", "list", "--since", "2026-02-01", "--until", "2026-02-15")
    assert [o["amount"] for o in since] == ["20.00"]
    assert len(_json(cli, "order", "list", "--channel", "淘宝")) == 2
    lines = cli.ok("order", "list", "--format", "ndjson").splitlines()
    assert [json.loads(line)["customer_id"] for line in lines] == [int(buyer), int(other),
                                                                   int(buyer)]  # fmt: skip
    monkeypatch.setenv("COLUMNS", "200")
    table = cli("order", "list", tty=True)
    assert "¥10.00" in table.stdout and "2026-01-15" in table.stdout
    assert cli("order", "list", "999").code == 3
    assert cli("order", "list", "--since", "yesterday").code == 2


def test_order_remove_asks_first(cli, buyer) -> None:
    order = cli.ok("order", "add", buyer, "--amount", "10").strip()
    refused = cli("order", "remove", order)
    assert refused.code == 2 and "--yes" in refused.stderr
    declined = cli("order", "remove", order, tty=True, input="n\n")
    assert declined.code == 1
    assert cli("order", "remove", order, tty=True, input="y\n").code == 0
    assert _json(cli, "order", "list") == []
    assert _json(cli, "show", buyer)["order_count"] == 0
    assert cli("order", "remove", order, "--yes").code == 3


def test_note_kinds_print_the_id_and_resolve(cli, buyer) -> None:
    plain = cli.ok("note", buyer, "回访：对价格满意").strip()
    case = cli.ok("note", buyer, "漏发一件", "--kind", "complaint", "--direction", "in",
                  "--ref", "T1").strip()  # fmt: skip
    call = cli.ok("note", buyer, "问新品", "--kind", "call", "--direction", "out",
                  "--at", "2026-11-20T15:00").strip()  # fmt: skip
    assert plain.isdigit() and int(plain) < int(case) < int(call)
    notes = {n["id"]: n for n in _json(cli, "show", buyer)["notes"]}
    assert list(notes[int(plain)]) == ["at", "text", "id", "kind", "direction", "status",
                                       "ref", "resolved_at"]  # documented keys first  # fmt: skip
    assert notes[int(plain)]["kind"] == "note" and notes[int(plain)]["status"] is None
    assert notes[int(case)] | {"at": None} == {
        "at": None, "text": "漏发一件", "id": int(case), "kind": "complaint", "direction": "in",
        "status": "open", "ref": "T1", "resolved_at": None,
    }  # fmt: skip
    assert (
        cli.ok("find", "--kind", "complaint", "--status", "open", "--format", "ids") == buyer + "\n"
    )
    assert cli("note", "resolve", plain).code == 2  # not a case
    cli.ok("note", "resolve", case, "已补发")
    again = cli("note", "resolve", case)
    assert again.code == 2 and "resolved already" in again.stderr
    assert cli("note", "resolve", "999").code == 3
    resolved = {n["id"]: n for n in _json(cli, "show", buyer)["notes"]}[int(case)]
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert resolved["text"].startswith("漏发一件\nresolved ") and resolved["text"].endswith(
        ": 已补发"
    )
    assert cli.ok("find", "--kind", "complaint", "--status", "open", "--format", "ids") == ""
    shown = cli.ok("show", buyer)
    assert "note: " in shown and f"[#{case} complaint in resolved ref=T1] 漏发一件" in shown
    for bad in (["--kind", "fax"], ["--direction", "up"], ["--status", "done"], ["--at", "x"]):
        assert cli("note", buyer, "x", *bad).code == 2, bad


def test_plain_notes_keep_their_csv_cell_and_typed_ones_are_marked(cli, buyer) -> None:
    cli.ok("note", buyer, "plain; with a semicolon")
    cli.ok("note", buyer, "投诉", "--kind", "complaint", "--ref", "a;b")
    row = next(csv.DictReader(io.StringIO(cli.ok("export"))))
    plain, typed = row["notes"].split(";", 1)[0], row["notes"]
    assert plain.endswith(" plain\\")  # "plain\; with a semicolon" (escaped)
    assert "Z plain\\; with a semicolon;" in typed
    assert typed.endswith("Z [complaint open ref=a\\;b] 投诉")


def test_timeline_lists_interactions_orders_and_merges(cli, buyer, monkeypatch) -> None:
    other = cli.ok("add", "--name", "Zhang Wei").strip()
    cli.ok("order", "add", other, "--amount", "88", "--at", "2026-05-01", "--items", "茶具")
    cli.ok("note", buyer, "first visit", "--kind", "visit", "--at", "2026-04-01T10:00")
    cli.ok("order", "add", buyer, "--amount", "-5", "--at", "2026-06-01")
    cli.ok("merge", buyer, other, "--yes")
    events = _json(cli, "timeline", buyer)
    assert [(e["type"], e["kind"]) for e in events] == [
        ("interaction", "visit"),
        ("order", "order"),
        ("order", "refund"),
        ("interaction", "note"),
        ("merge", "merge"),
    ]  # the merge's own conflict note ("merged from #…: name = …") and the merge, last
    assert list(events[0]) == ["at", "type", "id", "kind", "direction", "status", "amount",
                               "currency", "text", "channel", "ref"]  # fmt: skip
    assert events[1]["amount"] == "88.00" and events[1]["text"] == "茶具"
    assert events[-1]["text"] == f"merged #{other}"
    only = _json(cli, "timeline", buyer, "--kind", "order", "--kind", "visit")
    assert [e["kind"] for e in only] == ["visit", "order", "refund"]
    assert [e["kind"] for e in _json(cli, "timeline", buyer, "--kind", "refund")] == ["refund"]
    assert len(_json(cli, "timeline", buyer, "--since", "2026-05-15")) == 3
    assert _json(cli, "timeline", other)[0]["kind"] == "visit"  # the old id redirects
    rows = list(csv.reader(io.StringIO(cli.ok("timeline", buyer))))
    assert rows[0][0] == "at" and len(rows) == 6
    assert cli("timeline", buyer, "--kind", "fax").code == 2
    assert cli("timeline", "999").code == 3
    monkeypatch.setenv("COLUMNS", "200")
    table = cli("timeline", buyer, tty=True).stdout
    assert "2026-04-01 10:00" in table and "-¥5.00" in table


def test_info_and_init_currency(cli, env, tmp_path, monkeypatch) -> None:
    result = cli("init", "--currency", "usd", "--region", "US")
    assert result.code == 0 and "currency USD" in result.stderr
    info = _json(cli, "info")
    assert info["currency"] == "USD" and info["region"] == "US"
    assert info["schema_version"] >= 6 and info["customers"] == 0 and info["orders"] == 0
    cid = cli.ok("add", "--name", "Sam").strip()
    cli.ok("order", "add", cid, "--amount", "19.99")
    text = cli.ok("info")
    assert "orders: 1" in text and "currency: USD" in text and f"path: {env}" in text
    assert "orders: 1 · US$19.99" in cli.ok("show", cid)
    cli.ok("config", "set", "currency", "eur", "--in-db")  # the totals follow the new currency
    assert _json(cli, "show", cid)["order_total"] == "0.00"
    assert "orders: 1 · US$19.99" in cli.ok("show", cid)  # (other currencies apart, never lost)
    assert cli.ok("find", "--spent-over", "10", "--format", "ids") == ""
    cli.ok("config", "set", "currency", "USD", "--in-db")
    assert cli.ok("find", "--spent-over", "10", "--format", "ids") == cid + "\n"
    bad = cli("--db", str(tmp_path / "x.db"), "init", "--currency", "XYZ")
    assert bad.code == 2 and not (tmp_path / "x.db").exists()
    monkeypatch.setenv("CUSTINFO_CURRENCY", "JPY")  # the setting wins for order amounts
    cli.ok("order", "add", cid, "--amount", "500")
    assert _json(cli, "show", cid)["orders_summary"]["totals"]["JPY"] == "500"
    cli.ok("--db", str(tmp_path / "y.db"), "init")  # and is init's default
    assert _json(cli, "--db", str(tmp_path / "y.db"), "info")["currency"] == "JPY"


def test_the_audit_log_names_commands_never_amounts_or_texts(cli, buyer, store) -> None:
    cli.ok("order", "add", buyer, "--amount", "4321.98", "--items", "secret-item-名贵")
    cli.ok("note", buyer, "secret-complaint-投诉", "--kind", "complaint", "--ref", "REF-777")
    case = _json(cli, "show", buyer)["notes"][-1]["id"]
    cli.ok("note", "resolve", str(case), "secret-resolution")
    rows = store.conn.execute("SELECT command, fields, coalesce(detail, '') FROM audit").fetchall()
    text = json.dumps(rows, ensure_ascii=False)
    assert {"order add", "note", "note resolve"} <= {r[0] for r in rows}
    for secret in ("4321", "secret", "REF-777"):
        assert secret not in text


def test_show_stays_light(cli, buyer) -> None:
    """show imports neither phonenumbers nor email_validator, orders or not."""
    import os
    import subprocess
    import sys

    cli.ok("order", "add", buyer, "--amount", "1")
    code = (
        "import sys; from custinfo.cli.main import run; rc = run(['show', '" + buyer + "']);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('phonenumbers', 'email_validator')), file=sys.stderr)"
    )
    env = {**os.environ, "CUSTINFO_DB": str(cli.db), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr.strip().endswith("[]"), proc.stderr
    assert "orders: 1 · ¥1.00" in proc.stdout
