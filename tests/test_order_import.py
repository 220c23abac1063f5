"""order import: shop exports (淘宝/天猫, 有赞, 微信小店, 美团, cash registers) in their
encodings and headers, buyer matching, idempotency on (channel, ref), all-or-nothing,
rejects, dry runs, --create-missing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

TAOBAO = [
    ["订单编号", "买家会员名", "收货人姓名", "联系手机", "宝贝标题", "购买数量", "买家实际支付金额",
     "订单创建时间", "订单付款时间", "订单状态", "店铺名称", "买家留言", "运费"],
    ["T001", "zw123", "张伟", "13800138000", "龙井茶 250g", "2", "￥598.00", "2026-11-01 10:00:00",
     "2026-11-01 10:05:00", "交易成功", "茶香小铺", "请尽快发货", "0"],
    ["T002", "li88", "李娜", "139 1234 5678", "碧螺春", "1", "120.00", "2026-11-02 11:00:00", "",
     "交易关闭", "茶香小铺", "", "0"],
    ["T003", "wf", "王芳", "+86 137-0000-1111", "普洱茶饼", "1", "1,299.00", "2026/11/03 09:00",
     "2026/11/03 09:01", "交易成功", "茶香小铺", "", "10"],
]  # fmt: skip


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.fixture
def shop(cli, db, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Two known buyers (张伟 by phone, Anna by email); returns name -> id."""
    return {
        "张伟": cli.ok("add", "--name", "张伟", "--phone", "13800138000").strip(),
        "Anna": cli.ok("add", "--name", "Anna", "--email", "anna@example.com").strip(),
    }


def _orders(cli) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(cli.ok("order", "list", "--format", "json"))


def test_taobao_gbk_export_all_or_nothing_then_create_missing(cli, shop, tmp_path) -> None:
    path = tmp_path / "淘宝订单.csv"
    path.write_bytes(_csv(TAOBAO).encode("gbk"))
    result = cli("order", "import", str(path))
    assert result.code == 2  # 王芳 is unknown: nothing imported
    assert "line 4, column '联系手机': no customer with phone +8613700001111" in result.stderr
    assert "columns not imported: '运费'" in result.stderr
    assert _orders(cli) == []

    dry = cli("order", "import", str(path), "--create-missing", "--dry-run")
    assert dry.code == 0 and "(dry run: nothing written)" in dry.stderr
    assert _orders(cli) == [] and cli.ok("find", "王芳", "--format", "ids") == ""

    done = cli("order", "import", str(path), "--create-missing")
    assert done.code == 0, done.stderr
    assert ("read 3, imported 2, already there 0, skipped 1 (closed or cancelled), "
            "new customers 1, rejected 0") in done.stderr  # fmt: skip
    orders = _orders(cli)
    assert [(o["ref"], o["amount"], o["items"], o["channel"]) for o in orders] == [
        ("T001", "598.00", "龙井茶 250g ×2", "茶香小铺"),
        ("T003", "1299.00", "普洱茶饼", "茶香小铺"),
    ]
    assert orders[0]["customer_id"] == int(shop["张伟"]) and orders[0]["note"] == "请尽快发货"
    assert orders[0]["at"] == "2026-11-01T10:05:00.000000Z"  # pay time first (TZ is UTC here)
    new = json.loads(cli.ok("show", str(orders[1]["customer_id"]), "--format", "json"))
    assert (new["name"], new["phones"], new["source"]) == ("王芳", ["+8613700001111"],
                                                           "import:淘宝订单.csv")  # fmt: skip
    again = cli("order", "import", str(path), "--create-missing")
    assert "imported 0, already there 2, skipped 1" in again.stderr
    assert len(_orders(cli)) == 2
    after = json.loads(cli.ok("show", str(orders[1]["customer_id"]), "--format", "json"))
    assert after["updated_at"] == new["updated_at"]  # nothing added: not active again


def test_overlapping_monthly_exports_add_no_order_twice(cli, shop, tmp_path) -> None:
    header = ["订单号", "下单时间", "实付金额", "商品名称", "收货人手机", "店铺"]
    rows = [[f"YZ{m}{d:02d}", f"2026-{m:02d}-{d:02d} 12:00", "10.00", "茶", "13800138000", "有赞"]
            for m in (9, 10, 11) for d in (1, 15)]  # fmt: skip
    first, second = tmp_path / "sep-oct.csv", tmp_path / "oct-nov.csv"
    first.write_text(_csv([header, *rows[:4]]), encoding="utf-8-sig")
    second.write_text(_csv([header, *rows[2:]]), encoding="utf-8-sig")
    assert "imported 4, already there 0" in cli("order", "import", str(first)).stderr
    assert "imported 2, already there 2" in cli("order", "import", str(second)).stderr
    assert len(_orders(cli)) == 6
    summary = json.loads(cli.ok("show", shop["张伟"], "--format", "json"))["orders_summary"]
    assert summary == {"count": 6, "totals": {"CNY": "60.00"},
                       "first_at": "2026-09-01T12:00:00.000000Z",
                       "last_at": "2026-11-15T12:00:00.000000Z"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "header", "encoding", "delimiter"),
    [
        (
            "有赞",
            ["订单号", "下单时间", "订单金额", "商品名称", "收货人手机", "收货人"],
            "utf-16",
            "\t",
        ),
        (
            "微信小店",
            ["订单编号", "创建时间", "实收款", "商品", "联系电话", "买家昵称"],
            "utf-8-sig",
            ",",
        ),
        (
            "美团",
            ["订单编号", "下单时间", "实付金额", "菜品名称", "手机号", "顾客"],
            "gb18030",
            ";",
        ),
        (
            "cash register",
            ["流水号", "交易时间", "实收金额", "品名", "会员手机", "会员名"],
            "gbk",
            ",",
        ),
        (
            "English",
            ["Order No", "Order Date", "Total", "Product", "Phone", "Customer"],
            "utf-8",
            ",",
        ),
    ],
)
def test_shop_headers_and_encodings(cli, shop, tmp_path, name, header, encoding, delimiter) -> None:
    rows = [header, ["A-1", "2026-11-11 20:00", "88.80", "茶点", "138 0013 8000", "张伟"],
            ["A-2", "2026-11-12", "-8.80", "退款", "13800138000", "张伟"]]  # fmt: skip
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(rows, delimiter).encode(encoding))
    result = cli("order", "import", str(path), "--channel", name)
    assert result.code == 0, (name, result.stderr)
    orders = _orders(cli)
    assert [(o["ref"], o["amount"], o["channel"]) for o in orders] == [
        ("A-1", "88.80", name), ("A-2", "-8.80", name)]  # fmt: skip
    record = json.loads(cli.ok("show", shop["张伟"], "--format", "json"))
    assert (record["order_count"], record["order_total"]) == (1, "80.00")  # a refund is no order


def test_rejects_file_keeps_the_input_columns(cli, shop, tmp_path) -> None:
    rows = [
        ["ref", "at", "amount", "email"],
        ["1", "2026-11-01", "5", "anna@example.com"],
        ["2", "2026-13-01", "5", "anna@example.com"],
        ["3", "2026-11-02", "5.555", "anna@example.com"],
        ["4", "2026-11-03", "7", "nobody@example.com"],
    ]
    path = tmp_path / "orders.csv"
    path.write_text(_csv(rows))
    rejects = tmp_path / "rejects.csv"
    result = cli("order", "import", str(path), "--rejects", str(rejects))
    assert result.code == 0 and "imported 1" in result.stderr and "rejected 3" in result.stderr
    bad = list(csv.reader(rejects.open(encoding="utf-8")))
    assert bad[0] == ["ref", "at", "amount", "email", "error"]
    assert [r[0] for r in bad[1:]] == ["2", "3", "4"]
    assert "not a real date" in bad[1][4] and "at most 2 decimal places" in bad[2][4]
    assert "no customer with email nobody@example.com" in bad[3][4]
    assert oct(rejects.stat().st_mode & 0o777) == "0o600"
    assert cli("order", "import", str(path), "--rejects", str(rejects)).code == 2  # exists


def test_order_export_reimports_idempotently_by_id(cli, shop, tmp_path) -> None:
    cli.ok("order", "add", shop["Anna"], "--amount", "9.90", "--ref", "R1", "--channel", "web",
           "--items", "Tea; \"green\", 绿茶", "--note", "two\nlines")  # fmt: skip
    cli.ok("order", "add", shop["张伟"], "--amount", "1", "--currency", "USD", "--ref", "R2")
    for fmt in ("csv", "json", "ndjson"):
        exported = cli.ok("order", "export", "--format", fmt)
        result = cli("order", "import", "-", "--match", "id", input=exported)
        assert result.code == 0 and "imported 0, already there 2" in result.stderr, fmt
    exported = cli.ok("order", "export")
    assert exported.splitlines()[0] == "id,customer_id,at,amount,currency,items,channel,ref,note"
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "init")
    for _ in range(2):
        cli.ok("--db", str(other), "add", "--name", "x")
    cli.ok("--db", str(other), "order", "import", "-", "--match", "id", input=exported)
    assert cli.ok("--db", str(other), "order", "export") == exported  # lossless, same ids
    only = cli.ok("order", "export", "--email", "anna@example.com", "--format", "ndjson")
    assert [json.loads(line)["ref"] for line in only.splitlines()] == ["R1"]
    assert cli.ok("order", "export", "--spent-over", "100").splitlines()[1:] == []


def test_matching_modes_merged_ids_and_mapping(cli, shop, tmp_path) -> None:
    other = cli.ok("add", "--name", "Old", "--phone", "13912345678").strip()
    cli.ok("merge", shop["张伟"], other, "--yes")
    rows = [["单号", "日期", "金额", "客户ID", "手机", "邮箱", "Extra"],
            ["m1", "2026-11-01", "1", other, "", "", "x"],  # merged id: the kept customer
            ["m2", "2026-11-01", "2", "", "13912345678", "anna@example.com", "y"],
            ["m3", "2026-11-01", "3", "", "", "anna@example.com", "z"]]  # fmt: skip
    path = tmp_path / "o.csv"
    path.write_text(_csv(rows))
    assert cli("order", "import", str(path), "--match", "phone").code == 2  # m1, m3: no phone
    result = cli("order", "import", str(path), "--map", "Extra=note", "--dry-run")
    assert (
        result.code == 0 and "imported 3" in result.stderr and "not imported" not in result.stderr
    )
    cli.ok("order", "import", str(path), "--map", "Extra=note")
    got = {o["ref"]: (o["customer_id"], o["note"]) for o in _orders(cli)}
    assert got == {"m1": (int(shop["张伟"]), "x"), "m2": (int(shop["张伟"]), "y"),
                   "m3": (int(shop["Anna"]), "z")}  # fmt: skip
    for args, message in [
        (["--map", "Nope=note"], "not in the header"),
        (["--map", "Extra=price"], "unknown field 'price'"),
        (["--match", "email", "--map", "邮箱=ignore"], "no email column"),
    ]:
        bad = cli("order", "import", str(path), *args)
        assert bad.code == 2 and message in bad.stderr, args
    missing = tmp_path / "m.csv"
    missing.write_text("ref,phone\n1,13800138000\n")
    bad = cli("order", "import", str(missing))
    assert bad.code == 2 and "no amount column" in bad.stderr
    assert cli("order", "import", str(tmp_path / "none.csv")).code == 2


def test_rows_without_order_numbers_are_warned_about(cli, shop) -> None:
    data = "date,amount,phone\n2026-11-01,5,13800138000\n"
    result = cli("order", "import", "-", input=data)
    assert result.code == 0 and "1 orders have no order number" in result.stderr
    cli.ok("order", "import", "-", input=data)
    assert len(_orders(cli)) == 2  # nothing to recognise them by


def test_a_suppressed_buyer_is_not_created(cli, shop, tmp_path) -> None:
    gone = cli.ok("add", "--name", "Gone", "--phone", "13700001111").strip()
    cli.ok("purge", gone, "--yes")
    data = "ref,at,amount,phone\n1,2026-11-01,5,13700001111\n"
    result = cli("order", "import", "-", "--create-missing", input=data)
    assert result.code == 2 and "suppressed" in result.stderr


def test_the_import_is_audited_without_values(cli, shop, store, tmp_path) -> None:
    path = tmp_path / "淘宝.csv"
    path.write_bytes(_csv(TAOBAO).encode("gbk"))
    cli.ok("order", "import", str(path), "--create-missing")
    command, fields, detail, count = store.conn.execute(
        "SELECT command, fields, detail, count FROM audit ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert (command, json.loads(fields), count) == ("order import", ["name", "orders", "phones"], 2)
    assert "598" not in detail and "龙井" not in detail and "imported 2" in detail


def test_core_api(store, tmp_path: Path) -> None:
    from custinfo import validation
    from custinfo.importer.order_load import OrderImportOptions, run_order_import

    cid = store.add(validation.customer_input(name="A", phones=["13800138000"], region="CN"))
    data = (
        "订单号,下单时间,实付金额,手机\n"
        "X1,2026-11-01,100,13800138000\nX2,2026-11-02,50,13800138000\n"
    )
    summary = run_order_import(store, io.BytesIO(data.encode()), OrderImportOptions())
    assert (summary.read, summary.imported, summary.committed) == (2, 2, True)
    from custinfo.activity import aggregates

    assert aggregates.stale(store.conn) == []
    row = store.conn.execute("SELECT * FROM customer_activity").fetchone()
    assert row[:3] == (cid, 2, 15000)


def test_worker_conversion_gives_the_same_result(store, monkeypatch) -> None:
    """Large inputs are converted in a worker process: same orders, rejects and counts."""
    from custinfo import validation
    from custinfo.importer import order_load, order_parallel
    from custinfo.importer.order_load import OrderImportOptions, run_order_import

    store.add(validation.customer_input(name="A", phones=["13800138000"], region="CN"))
    lines = ["订单号,下单时间,实付金额,手机,订单状态"]
    for i in range(40):  # every 7th amount is bad, every 5th order cancelled
        amount = "1.234" if i % 7 == 3 else f"{i}.50"
        lines.append(f"P{i},2026-11-{i % 28 + 1:02d} 10:00,{amount},13800138000,"
                     + ("已取消" if i % 5 == 4 else "交易成功"))  # fmt: skip
    lines += [  # a repeat (already there), phones typed otherwise, unknown or invalid
        "P1,2026-11-02 10:00,1.50,13800138000,交易成功",
        "Q1,2026-11-02 10:00,2.00,138 0013 8000,交易成功",
        "Q2,2026-11-02 10:00,2.00,+86 139 0013 9000,交易成功",
        "Q3,2026-11-02 10:00,2.00,12345,交易成功",
    ]
    data = "\n".join(lines).encode()
    monkeypatch.setattr(order_load, "CHUNK", 3)
    monkeypatch.setattr(order_parallel, "IN_PROCESS", 1)
    results = []
    for workers in (0, 1):

        class Rejects:  # (a dry run writes none: the problems are compared)
            def start_csv(self, *args: Any) -> None: ...

        options = OrderImportOptions(workers=workers, rejects=Rejects(), dry_run=True)
        summary = run_order_import(store, io.BytesIO(data), options)
        results.append((summary.line(), summary.problems))
    assert results[0] == results[1]
    assert "imported 28, already there 1" in results[0][0] and "skipped 8" in results[0][0]
    assert len(results[0][1]) == 7 and "decimal places" in results[0][1][0][2]
    assert [p[1] for p in results[0][1][-2:]] == ["手机", "手机"]  # unknown, invalid
