"""Export cells (`custinfo.export.cells`): the stored phones/emails/tags/notes CSV cells equal
what the exporter computed from the child tables before v005, after every write path, and
the CSV export is byte-identical to the old grouped computation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo import export as exporter
from custinfo import money
from custinfo.export import cells as export_cells
from custinfo.models import CUSTOMER_FIELDS
from custinfo.store import Store
from custinfo.store.bulk import BulkCustomer
from tests.budget import examples
from tests.conftest import PASSPHRASE


# -- the pre-v005 exporter, verbatim: customers + one grouped pass per child table ---------
def _escaped(expr: str) -> str:
    return f"replace(replace({expr}, '\\', '\\\\'), ';', '\\;')"


_OLD_CUSTOMERS = """SELECT id, name, coalesce(company, ''), coalesce(address, ''),
  coalesce(city, ''), coalesce(birthday, ''), source, created_at, updated_at
  FROM customers"""
_OLD_CELLS = (
    """SELECT customer_id, e164 || CASE WHEN ext != '' THEN ' ext. ' || ext ELSE '' END
       FROM phones WHERE customer_id {where} ORDER BY customer_id, id""",
    """SELECT customer_id, address FROM emails WHERE customer_id {where}
       ORDER BY customer_id, id""",
    f"""SELECT ct.customer_id, {_escaped("t.name")} FROM customer_tags ct
        JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id {{where}}
        ORDER BY ct.customer_id, t.key""",
    f"""SELECT customer_id, at || ' ' || {_escaped("text")} FROM notes
        WHERE customer_id {{where}} ORDER BY customer_id, at, id""",
)


#: The messenger-handle columns appended since (issue 18), grouped the same way.
_HANDLES = """SELECT customer_id, handle FROM im_handles WHERE kind = '{kind}'
    AND customer_id {where} ORDER BY customer_id, id"""


def _old_cells(conn: Any, sql: str, params: list[int]) -> dict[int, str]:
    rows = conn.execute(sql, params).fetchall()
    return {k: ";".join(v for _, v in g) for k, g in groupby(rows, itemgetter(0))}


def old_csv_rows(conn: Any) -> Iterator[tuple]:
    last = 0
    while True:
        rows = conn.execute(_OLD_CUSTOMERS + " WHERE id > ? ORDER BY id LIMIT 2000", (last,))
        rows = rows.fetchall()
        if not rows:
            return
        span = [rows[0][0], rows[-1][0]]
        phones, emails, tags, notes, wechat, qq = (
            _old_cells(conn, q.format(where="BETWEEN ? AND ?"), span)
            for q in (*_OLD_CELLS, _HANDLES.format(kind="wechat", where="{where}"),
                      _HANDLES.format(kind="qq", where="{where}"))
        )  # fmt: skip
        activity = {
            r[0]: (r[1], money.to_text(r[2], "CNY"), r[3] or "", r[4] or "")
            for r in conn.execute(
                "SELECT customer_id, order_count, spent, last_order_at, last_contact_at "
                "FROM customer_activity WHERE customer_id BETWEEN ? AND ?",
                span,
            )
        }  # (the activity columns, derived from orders and interactions)
        for i, name, company, address, city, birthday, source, created, updated in rows:
            cells = phones.get(i, ""), emails.get(i, ""), tags.get(i, ""), notes.get(i, "")
            yield (i, name, *cells[:2], company, address, city, birthday, *cells[2:], source,
                   created, updated, wechat.get(i, ""), qq.get(i, ""),
                   *activity.get(i, (0, "0.00", "", "")))  # fmt: skip
        last = rows[-1][0]


def old_csv(conn: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CUSTOMER_FIELDS)
    writer.writerows(old_csv_rows(conn))
    return out.getvalue()


def new_csv(store: Store) -> str:
    out = io.StringIO()
    exporter.export(store, out, "csv")
    return out.getvalue()


def assert_consistent(store: Store) -> None:
    """Stored cells == the old computation for every customer, and the CSV is identical."""
    conn = store.conn
    stored = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT id, phones_cell, emails_cell, coalesce(cell, ''), notes_cell FROM customers"
            " LEFT JOIN tag_cells ON tag_cells.customer_id = customers.id"
        )
    }
    expected = {r[0]: (r[2], r[3], r[8], r[9]) for r in old_csv_rows(conn)}
    assert stored == expected
    assert export_cells.stale(conn) == []
    old = old_csv(conn)
    assert new_csv(store) == old
    # An id list (find's export, in the order given) renders the same lines.
    wanted = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id DESC LIMIT 40")]
    out, expected = io.StringIO(), io.StringIO()
    exporter.export(store, out, "csv", ids=wanted)
    by_id = {r[0]: r for r in old_csv_rows(conn)}
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(CUSTOMER_FIELDS)
    writer.writerows(by_id[i] for i in wanted)
    assert out.getvalue() == expected.getvalue()


# -- the pure function ------------------------------------------------------------------------
def test_cells_from_values() -> None:
    got = export_cells.cells(
        [("+8613800138000", ""), ("+861062345678", "23"), ("+8613800138000", "")],
        [("A@x.com", "a@x.com"), ("a@X.com", "a@x.com"), ("b@x.com", "b@x.com")],
        [("vip", "VIP"), ("a;b", "a;b"), ("vip", "VIP"), ("c\\d", "c\\d")],
        [("2024-02-01T00:00:00.000000Z", "second"), ("2024-01-01T00:00:00.000000Z", "x;y\\z"),
         ("2024-02-01T00:00:00.000000Z", "third")],
    )  # fmt: skip
    assert got == (
        "+8613800138000;+861062345678 ext. 23",
        "A@x.com;b@x.com",
        "a\\;b;c\\\\d;VIP",
        "2024-01-01T00:00:00.000000Z x\\;y\\\\z;2024-02-01T00:00:00.000000Z second;"
        "2024-02-01T00:00:00.000000Z third",
    )
    assert export_cells.cells((), (), (), ()) == ("", "", "", "")


# -- hypothesis: awkward values through insert_bulk and the validated write paths -------------
AWKWARD = st.text(
    alphabet=st.sampled_from(list(";\\\n\"',= +-@\tabAB中文客户😀é")), min_size=1, max_size=12
)
PHONES = st.sampled_from([("+8613800138000", ""), ("+8613800138000", "12"), ("+861062345678", "")])
EMAILS = st.sampled_from([("A@x.com", "a@x.com"), ("a@x.com", "a@x.com"), ("b@x.com", "b@x.com")])
TIMES = st.sampled_from([f"2024-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3)])
ROWS = st.lists(
    st.builds(
        BulkCustomer,
        name=AWKWARD,
        company=st.none() | AWKWARD,
        address=st.none() | AWKWARD,
        city=st.none() | AWKWARD,
        birthday=st.none() | st.just("1990-01-02"),
        created_at=TIMES,
        updated_at=TIMES,
        phones=st.lists(PHONES, max_size=4).map(tuple),
        emails=st.lists(EMAILS, max_size=4).map(tuple),
        tags=st.lists(
            AWKWARD.map(lambda t: t.replace(",", "").strip() or "t")
            | st.sampled_from(["VIP", "vip", "Vip", "客户"]),
            max_size=4,
        ).map(tuple),
        notes=st.lists(st.tuples(TIMES, AWKWARD), max_size=4).map(tuple),
        handles=st.lists(st.tuples(st.sampled_from(("wechat", "qq")), AWKWARD), max_size=2).map(
            tuple
        ),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("cells") / "cells.db"
    with Store.create(path, PASSPHRASE.encode(), region="CN") as store:
        yield store


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_insert_bulk_cells_equal_the_old_computation(shared_store: Store, rows: list) -> None:
    store = shared_store
    with store.write("test") as w:
        w.insert_bulk(rows, source="test", tag_ids={})
    assert_consistent(store)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tags=st.lists(st.sampled_from(["VIP", "vip", "a;b", "c\\d", "=x", "客户😀"]), max_size=3),
    notes=st.lists(AWKWARD, max_size=2),
    note=AWKWARD,
    company=AWKWARD,
)
def test_validated_writes_keep_cells(
    shared_store: Store, tags: list[str], notes: list[str], note: str, company: str
) -> None:
    from custinfo import tags as tagmod
    from custinfo import validation
    from custinfo.errors import ValidationError
    from custinfo.store.repo import CustomerEdit

    store = shared_store
    try:
        customer = validation.customer_input(
            name="张伟", region="CN", phones=["13800138000"], emails=["Z@x.com"],
            company=company, tags=tags, notes=notes,
        )  # fmt: skip
    except ValidationError:
        return
    cid = store.add(customer, allow_duplicate=True)
    if note.strip():
        store.add_note(cid, note)
    tagmod.add(store, "=x", [cid])
    phone = validation.normalize_phone("010-62345678", "CN")
    store.edit(cid, CustomerEdit(add_phones=[phone]), allow_duplicate=True)
    assert_consistent(store)


# -- every write path, through the CLI ---------------------------------------------------------
def _check(db: Path) -> None:
    with Store.open(db, PASSPHRASE.encode()) as store:
        assert_consistent(store)


def test_every_write_path_keeps_the_cells(cli, db: Path, tmp_path: Path) -> None:
    a = cli.ok("add", "-n", "王小明", "-p", "13912345678", "-e", "wxm@example.com",
               "-t", "vip", "-t", "a;b", "--note", "first; note\\ \n二行").strip()  # fmt: skip
    b = cli.ok("add", "-n", "Anna", "-p", "13800138000", "-t", "VIP", "-t", "z").strip()
    c = cli.ok("add", "-n", "Carl", "-e", "carl@example.com", "--note", "=1+1").strip()
    _check(db)
    cli.ok("edit", a, "--add-phone", "010-62345678 ext 23", "--add-email", "W2@example.com")
    cli.ok("edit", a, "--remove-phone", "13912345678", "--remove-email", "wxm@example.com")
    _check(db)
    cli.ok("note", a, "second 😀 note")
    cli.ok("note", b, "a\\;b")
    _check(db)
    cli.ok("tag", "add", "New;Tag", a, b, c)
    cli.ok("tag", "remove", "z", b)
    _check(db)
    cli.ok("tag", "rename", "vip", "AAA")  # plain rename: every holder's cell and order
    _check(db)
    cli.ok("tag", "rename", "a;b", "aaa")  # merge into an existing tag (case-insensitive)
    _check(db)
    cli.ok("merge", a, b, c, "--yes")
    _check(db)
    cli.ok("unmerge", a)
    _check(db)

    source = tmp_path / "in.csv"
    source.write_text(
        "name,phone,email,tags,notes\n"
        'Anna again,13800138000,anna@new.com,"x, Y",imported note\n'  # duplicate of b
        'Dora,13700137000,dora@example.com,vip,"n;1"\n',
        encoding="utf-8",
    )
    for policy in ("skip", "merge", "add"):
        cli.ok("import", source, "--on-duplicate", policy)
        _check(db)
    cli.ok("purge", b, "--yes")
    _check(db)
    with Store.open(db, PASSPHRASE.encode()) as store:
        from custinfo.demo import load_synthetic

        assert load_synthetic(store, 40) > 30
        assert_consistent(store)


def test_export_by_ids_and_excel_use_the_cells(cli, db: Path) -> None:
    a = cli.ok("add", "-n", "A", "-p", "13912345678", "-t", "=cmd", "--note", "x;y").strip()
    b = cli.ok("add", "-n", "B", "-e", "b@example.com").strip()
    rows = list(csv.reader(io.StringIO(cli.ok("export", "--id", b, "--id", a, "--id", b))))
    assert [r[0] for r in rows[1:]] == [b, a]
    assert rows[2][CUSTOMER_FIELDS.index("tags")] == "=cmd"
    excel = cli.ok("export", "--excel", "--id", a)
    assert excel.startswith("\ufeff") and "\r\n" in excel
    row = list(csv.reader(io.StringIO(excel.lstrip("\ufeff"))))[1]
    assert row[CUSTOMER_FIELDS.index("tags")] == "'=cmd"
    assert row[CUSTOMER_FIELDS.index("phones")] == "+8613912345678"


def test_stale_finds_drift(store: Store) -> None:
    from custinfo import validation

    cid = store.add(validation.customer_input(name="X", region="CN", tags=["t"]))
    assert export_cells.stale(store.conn) == []
    store.conn.execute("UPDATE tag_cells SET cell = 'wrong' WHERE customer_id = ?", (cid,))
    assert export_cells.stale(store.conn) == [cid]
    with store.db.transaction() as conn:
        export_cells.refresh(conn, [cid])
    store.conn.execute("UPDATE customers SET notes_cell = 'wrong' WHERE id = ?", (cid,))
    assert export_cells.stale(store.conn) == [cid]
    with store.db.transaction() as conn:
        export_cells.refresh(conn, [cid])
    assert export_cells.stale(store.conn) == []
    assert json.loads(json.dumps(store.get(cid).tags)) == ["t"]


def test_v005_backfills_an_older_database(tmp_path: Path) -> None:
    from custinfo.store import migrations
    from custinfo.store.db import Database
    from tests.test_migrations import KEY, database_at

    db = database_at(tmp_path / "old.db", 4)
    now = "2024-01-01T00:00:00.000000Z"
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('region', 'CN')")
        for i in range(1, 8):
            conn.execute(
                "INSERT INTO customers(id, name, source, created_at, updated_at) "
                "VALUES (?, ?, 'manual', ?, ?)",
                (i, f"客户{i}", now, now),
            )
        conn.executemany(
            "INSERT INTO phones(customer_id, e164, ext) VALUES (?, ?, ?)",
            [(1, "+8613800138000", ""), (1, "+861062345678", "23"), (3, "+8613700137000", "")],
        )
        conn.executemany(
            "INSERT INTO emails(customer_id, address, key) VALUES (?, ?, ?)",
            [(2, "B@x.com", "b@x.com"), (2, "a@x.com", "a@x.com")],
        )
        conn.executemany(
            "INSERT INTO tags(id, name, key) VALUES (?, ?, ?)",
            [(1, "VIP", "vip"), (2, "a;b", "a;b"), (3, "c\\d", "c\\d")],
        )
        conn.executemany(
            "INSERT INTO customer_tags(customer_id, tag_id) VALUES (?, ?)",
            [(1, 1), (1, 2), (1, 3), (4, 1)],
        )
        conn.executemany(
            "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, ?)",
            [(5, "2024-02-01Z", "later"), (5, "2024-01-01Z", "x;y\n\\z"), (1, now, "=1")],
        )
    db.close()
    upgraded = Store.open(tmp_path / "old.db", KEY)
    try:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] >= 5
        assert isinstance(upgraded.db, Database) and migrations.latest_version() >= 5
        assert_consistent(upgraded)
        assert upgraded.conn.execute(
            "SELECT cell, notes_cell FROM customers JOIN tag_cells ON customer_id = id WHERE id = 1"
        ).fetchone() == ("a\\;b;c\\\\d;VIP", now + " =1")
    finally:
        upgraded.close()


def test_a_cell_written_by_another_tool_exports_as_csv_writer_writes_it(
    shared_store: Store,
) -> None:
    """SQLite quotes the CSV cells; a file written by another tool may hold text custinfo
    never stores (a control character beside a comma and quotes)."""
    from custinfo import validation

    cid = shared_store.add(validation.customer_input(name="甲", region="CN"))
    shared_store.conn.execute("UPDATE customers SET name = 'a\x1fb, \"c\"' WHERE id = ?", (cid,))
    assert_consistent(shared_store)
    assert f'\n{cid},"a\x1fb, ""c""",' in new_csv(shared_store)
