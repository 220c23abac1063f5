"""order import of large CSV inputs: blocks of text parsed and converted by a worker
(`importer.order_blocks`) give exactly what the same input gives read record by record in
one process: orders and their ids, new customers, counts, problems and the rejects file,
with quoted fields spanning lines (and blocks), stray quotes, CRLF, cancelled, invalid and
unknown buyers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PASSPHRASE

HEADER = ["订单编号", "下单时间", "实付金额", "商品名称", "买家手机", "邮箱", "收货人", "备注",
          "订单状态"]  # fmt: skip


TRIGGERS = ["order_days_delete", "order_days_insert", "order_days_update"]


def _triggers(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]  # fmt: skip


def _rows() -> list[list[str]]:
    rows = []
    for i in range(70):  # most rows: a buyer known by phone (whole blocks take the fast path)
        phone = ["13800138000", "138 0013 8001", "+86 139 0013 9000"][i % 10 // 9 * 2 or i % 2]
        phone, email = ("", "anna@example.com") if i % 17 == 3 else (phone, "")
        phone = "12345" if i == 23 else phone
        note = 'line one\nline "two"\r\nthree' if i % 6 == 1 else ""  # quoted, spans lines
        amount = "1.234" if i == 41 else f"{i}.50"
        status = "已取消" if i % 19 == 5 else "交易成功"
        ref = "" if i == 50 else f"B{i % 60}"
        rows.append([ref, f"2026-11-{i % 28 + 1:02d} 10:{i % 60:02d}", amount, "茶, 壶", phone,
                     email, f"买家{i % 4}", note, status])  # fmt: skip
    return rows


def _data(rows: list[list[str]], stray: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    text = out.getvalue()
    if stray:  # a quote inside an unquoted field: the quote count no longer tells
        text = text.replace("B33,", 'B33 12",', 1)
    return text.encode("utf-8-sig")


def _run(tmp_path: Path, name: str, data: bytes, workers: int, attempts: int = 2) -> tuple:
    from custinfo.importer.order_load import OrderImportOptions, run_order_import
    from custinfo.importer.rejects import RejectsWriter
    from custinfo.store import Store

    path = tmp_path / f"{name}-{workers}.db"
    with Store.create(path, PASSPHRASE.encode(), region="CN") as store:
        from custinfo import validation

        store.add(validation.customer_input(name="A", phones=["13800138000"], region="CN"))
        store.add(validation.customer_input(name="B", phones=["13800138001"], region="CN"))
        store.add(validation.customer_input(name="Anna", emails=["anna@example.com"], region="CN"))
        out = []
        for attempt in range(attempts):  # the second import finds every order already there
            rejects = RejectsWriter(tmp_path / f"{name}-{workers}-{attempt}.csv")
            options = OrderImportOptions(workers=workers, rejects=rejects, create_missing=True,
                                         source_name="x.csv")  # fmt: skip
            summary = run_order_import(store, io.BytesIO(data), options)
            rejects.close(keep=True)
            out.append((summary.line(), summary.problems, summary.without_ref,
                        rejects.path.read_text(encoding="utf-8-sig")))  # fmt: skip
        conn = store.conn
        out.append(conn.execute("SELECT * FROM orders ORDER BY id").fetchall())
        out.append(conn.execute("SELECT id, name, source FROM customers ORDER BY id").fetchall())
        from custinfo.activity import aggregates, order_days

        assert aggregates.stale(conn) == [] and order_days.stale(conn) == []
        assert _triggers(conn) == TRIGGERS
    return tuple(out)


@pytest.mark.parametrize("stray", [False, True], ids=["blocks", "stray-quote"])
def test_blocks_give_what_one_process_gives(tmp_path, monkeypatch, stray) -> None:
    from custinfo.importer import order_blocks, order_load, order_parallel

    monkeypatch.setattr(order_load, "CHUNK", 3)
    monkeypatch.setattr(order_parallel, "IN_PROCESS", 1)
    monkeypatch.setattr(order_parallel, "REST_CHUNK", 4)
    monkeypatch.setattr(order_blocks, "BLOCK_LINES", 5)
    monkeypatch.setattr(order_blocks, "GROW_LINES", 2)
    from custinfo.activity import order_days

    monkeypatch.setattr(order_days, "BULK", 10)  # the days in one statement (checked exact)
    data = _data(_rows(), stray)
    attempts = 1 if stray else 2
    alone, pooled = _run(tmp_path, "a", data, 0, attempts), _run(tmp_path, "p", data, 1, attempts)
    assert alone == pooled
    if stray:
        return
    first, again, orders, customers = alone
    assert "imported 56, already there 8, skipped 4" in first[0], first[0]
    assert "new customers 1, rejected 2" in first[0] and first[2] == 1  # one without a ref
    assert "imported 1, already there 63" in again[0]  # (the order without a ref again)
    assert [p[0] for p in first[1]] == [33, 57] and len(first[3].splitlines()) == 3
    assert [c[2] for c in customers] == ["manual"] * 3 + ["import:x.csv"]
    assert sum('line one\nline "two"\nthree' in o for o in orders) == 9  # (CRLF: LF)


def test_a_block_ending_inside_a_quoted_field_is_found() -> None:
    from custinfo.importer.order_blocks import parse_block

    assert parse_block(1, 'a,"b\nc",d\n', ",") == [(2, ["a", "b\nc", "d"])]
    assert parse_block(1, 'a,"b\n', ",") is None  # the field goes on in the next block
    assert parse_block(1, 'a 1",b\n"c,d\n', ",") is None  # a stray quote
    assert parse_block(7, "x;y\r\n\r\nz;w", ";") == [(8, ["x", "y"]), (10, ["z", "w"])]


def test_the_insert_trigger_comes_back_whatever_the_import_ends_with(store, monkeypatch) -> None:
    """A big import inserts without the `order_days` triggers (`order_days.bulk`): after a
    dry run, an all-or-nothing failure and a success they are there, and the days exact."""
    from custinfo import validation
    from custinfo.activity import order_days
    from custinfo.importer.order_load import OrderImportOptions, run_order_import

    monkeypatch.setattr(order_days, "BULK", 2)  # (these inputs are big)
    dropped = []
    real = order_days.bulk
    monkeypatch.setattr(
        order_days, "bulk", lambda conn, size: dropped.append(size) or real(conn, size)
    )
    store.add(validation.customer_input(name="A", phones=["13800138000"], region="CN"))
    good = "订单号,下单时间,实付金额,手机\nX1,2026-11-01,100,13800138000\n"
    good += "X2,2026-11-01,-5,13800138000\n"
    bad = good + "X3,2026-11-02,abc,13800138000\n"
    for data, options in ((good, OrderImportOptions(dry_run=True)), (bad, OrderImportOptions()),
                          (good, OrderImportOptions()), (good, OrderImportOptions())):  # fmt: skip
        run_order_import(store, io.BytesIO(data.encode()), options)
        assert _triggers(store.conn) == TRIGGERS and order_days.stale(store.conn) == []
    assert store.conn.execute("SELECT orders, refunds, net FROM order_days").fetchall() == [
        (1, 1, 9500)
    ]
    assert dropped == [2, 3, 2, 2]


def test_a_bad_byte_late_in_a_large_input_names_the_same_line(store, monkeypatch) -> None:
    from custinfo.errors import UsageError
    from custinfo.importer import order_blocks, order_load, order_parallel
    from custinfo.importer.order_load import OrderImportOptions, run_order_import

    monkeypatch.setattr(order_load, "CHUNK", 3)
    monkeypatch.setattr(order_parallel, "IN_PROCESS", 1)
    monkeypatch.setattr(order_blocks, "BLOCK_LINES", 5)
    from custinfo import validation
    from custinfo.activity import order_days

    monkeypatch.setattr(order_days, "BULK", 2)  # the error comes inside `bulk`

    store.add(validation.customer_input(name="A", phones=["13800138000"], region="CN"))
    lines = "".join(f"R{i},2026-11-01,1,13800138000\n" for i in range(1200))
    data = ("订单号,下单时间,实付金额,手机\n" + lines).encode() + b"R\xff,2026-11-01,1,1\n"
    messages = []
    for workers in (0, 1):
        with pytest.raises(UsageError) as caught:
            run_order_import(
                store, io.BytesIO(data), OrderImportOptions(workers=workers, encoding="utf-8")
            )
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "not valid utf-8" in messages[0], messages
    line = int(messages[0].split("after line ")[1].split(")")[0])
    assert 1000 < line <= 1202  # (text is decoded 8 KiB at a time: near the bad byte)
    assert _triggers(store.conn) == TRIGGERS and order_days.stale(store.conn) == []
    assert store.conn.execute("SELECT count(*) FROM orders").fetchone() == (0,)


#: Per column: values a row may hold (often empty), valid and not.
_VALUES = {
    "订单号": ["", "T1", " T2 "], "下单时间": ["", " ", "2026-11-01 10:00", "2026/11/03", "xx"],
    "付款时间": ["", "2026-11-02 09:30:15", "2026-02-30 24:00:00", "2062-01-01", "2026-1-2 9:3"],
    "实付金额": ["12.5", "-3", "1.234"],
    "币种": ["", "USD", "JPY", "zz"], "商品名称": ["", "茶", " 壶  盖 "], "数量": ["", "3", "x"],
    "手机": ["", " ", "13800138000"], "收货人手机": ["", " ", "139001"], "邮箱": ["", "a@b.cn"],
    "订单状态": ["", "已取消", "交易成功"], "店铺": ["", "淘宝"], "x": ["", "?"],
}  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(header=st.permutations(list(_VALUES)), width=st.integers(6, 13), data=st.data())
def test_the_fast_conversion_is_the_general_one(header, width, data) -> None:
    """Each row gives the same Candidate or error by `Converter.convert` (its fast path or
    the fallback) as by the field-by-field `_general`; two columns feed the time and two
    the phone; some rows are short."""
    from custinfo.errors import UsageError, ValidationError
    from custinfo.importer.orders import Cancelled, Converter, plan

    header = header[:width]
    try:
        converter = Converter(header, plan(header, {}), currency="CNY", channel="")
    except UsageError:
        return  # (no amount, time or buyer column)
    rnd = data.draw(st.randoms(use_true_random=False))
    for _ in range(12):
        cells = [rnd.choice(_VALUES[name]) for name in header]
        cells = cells[: rnd.randint(len(cells) - 2, len(cells))]
        outcomes = []
        for convert in (converter.convert, converter._general):
            try:
                outcomes.append(convert(1, cells))
            except (Cancelled, ValidationError) as exc:
                outcomes.append((type(exc), str(exc), getattr(exc, "field", None)))
        assert outcomes[0] == outcomes[1]


def test_the_fast_conversion_takes_the_next_column_when_the_first_is_empty() -> None:
    from custinfo.importer.orders import Converter, plan

    header = ["实付金额", "下单时间", "付款时间", "收货人手机", "手机"]
    converter = Converter(header, plan(header, {}), currency="CNY", channel="")
    c = converter.convert(1, ["12.5", "2026-11-01 10:00", " ", "", "13800138000"])
    assert (c.phone, c.at) == (
        "13800138000",
        converter._general(1, ["12.5", "2026-11-01 10:00"]).at,
    )
