"""The core Store: add/get/edit/note, duplicates, audit, transactions, batched reads.

One database for the whole module (each open derives the key, ~0.1 s); tests use their own
phones and emails and compare counts relative to their start.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custinfo import validation as v
from custinfo.errors import DuplicateError, NotFoundError, ValidationError
from custinfo.store import Store
from custinfo.store.repo import CustomerEdit

KEY = "store test ключ 密码".encode()
_serial = itertools.count(100)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture(scope="module")
def st(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("store") / "private" / "customers.db"
    old = os.umask(0o022)  # the core makes its files private whatever the umask
    try:
        store = Store.create(path, KEY, region="cn")
    finally:
        os.umask(old)
    with store:
        yield store


def mobile() -> str:
    """A fresh valid Chinese mobile number for each call."""
    return f"139{next(_serial):08d}"


def new(name: str = "张伟", **fields: Any) -> Any:
    return v.customer_input(name=name, region="CN", **fields)


def rows(store: Store, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return list(store.conn.execute(sql, params))


def test_region_is_stored_upper_case(st: Store) -> None:
    assert st.region == "CN"


def test_add_and_get(st: Store) -> None:
    phone = mobile()
    cid = st.add(
        new(
            " 张  伟 ",
            phones=[phone, f"010-62345678 转 {next(_serial)}"],
            emails=["Zhang.Wei.Store@Example.COM"],
            company="明辉贸易",
            city="上海",
            birthday="1985-07-01",
            tags=["VIP", "新客"],
            notes=["first visit"],
        )
    )
    got = st.get(cid)
    assert got.id == cid
    assert got.name == "张 伟"
    assert got.phones[0] == f"+86{phone}" and " ext. " in got.phones[1]
    assert got.emails == ["Zhang.Wei.Store@example.com"]
    assert (got.company, got.address, got.city, got.birthday) == (
        "明辉贸易", None, "上海", "1985-07-01",
    )  # fmt: skip
    assert sorted(got.tags) == sorted(["VIP", "新客"])
    assert [n.text for n in got.notes] == ["first visit"]
    assert got.source == "manual"
    assert TIMESTAMP.match(got.created_at) and got.created_at == got.updated_at
    assert got.notes[0].at == got.created_at
    assert list(got.to_dict()) == [
        "id", "name", "phones", "emails", "company", "address", "city", "birthday", "tags",
        "notes", "source", "created_at", "updated_at", "wechat", "qq",
        "order_count", "order_total", "last_order_at", "last_contact_at", "orders_summary",
    ]  # fmt: skip


def test_ids_are_never_reused(st: Store) -> None:
    first = st.add(new("Reuse"))
    st.conn.execute("DELETE FROM customers WHERE id = ?", (first,))
    assert st.add(new("Reuse again")) > first


def test_unknown_id(st: Store) -> None:
    with pytest.raises(NotFoundError, match="no customer with id 999999"):
        st.get(999999)
    with pytest.raises(NotFoundError):
        st.resolve_id(999999)
    with pytest.raises(NotFoundError):
        st.add_note(999999, "x")
    with pytest.raises(NotFoundError):
        st.edit(999999, CustomerEdit(name="x"))


def test_duplicate_phone_is_refused_naming_the_owner(st: Store) -> None:
    phone = mobile()
    owner = st.add(new("Owner", phones=[phone]))
    before = st.count()
    with pytest.raises(DuplicateError) as caught:
        st.add(new("Other", phones=[f"+86 {phone}"], emails=["other.dup@example.com"]))
    assert caught.value.existing_id == owner
    assert f"customer {owner}" in str(caught.value) and caught.value.exit_code == 2
    assert st.count() == before  # nothing saved, not even the email
    assert st.ids_by_email("other.dup@example.com") == []
    second = st.add(new("Other", phones=[phone]), allow_duplicate=True)
    assert st.ids_by_phone(f"+86{phone}") == [owner, second]


def test_duplicate_email_is_case_insensitive(st: Store) -> None:
    owner = st.add(new("Mail", emails=["Dup.Mail@Example.com"]))
    with pytest.raises(DuplicateError) as caught:
        st.add(new("Mail 2", emails=["dup.mail@EXAMPLE.COM"]))
    assert caught.value.existing_id == owner and caught.value.field == "email"
    assert st.ids_by_email("dup.mail@example.com") == [owner]


def test_same_number_with_another_extension_is_not_a_duplicate(st: Store) -> None:
    base = f"021-6{next(_serial):07d}"
    st.add(new("Switchboard", phones=[f"{base} 转 1"]))
    st.add(new("Colleague", phones=[f"{base} 转 2"]))
    with pytest.raises(DuplicateError):
        st.add(new("Same", phones=[f"{base} ext. 1"]))


def test_edit_every_field(st: Store) -> None:
    old_phone, new_phone = mobile(), mobile()
    cid = st.add(
        new("Before", phones=[old_phone], emails=["before.edit@example.com"], company="Old Co",
            city="北京", address="1 Road", birthday="1990-01-01")
    )  # fmt: skip
    created = st.get(cid)
    change = CustomerEdit(
        name=v.normalize_name(" After "),
        add_phones=v.unique_phones([new_phone], "CN"),
        remove_phones=v.unique_phones([old_phone], "CN"),
        add_emails=v.unique_emails(["after.edit@example.com"]),
        remove_emails=v.unique_emails(["BEFORE.EDIT@example.com"]),
        scalars={"company": "New Co", "city": None, "address": None, "birthday": "1991-02-03"},
    )
    assert change.changed_fields() == [
        "name", "phones", "emails", "address", "birthday", "city", "company",
    ]  # fmt: skip
    st.edit(cid, change)
    got = st.get(cid)
    assert got.name == "After"
    assert got.phones == [f"+86{new_phone}"]
    assert got.emails == ["after.edit@example.com"]
    assert (got.company, got.city, got.address, got.birthday) == (
        "New Co", None, None, "1991-02-03",
    )  # fmt: skip
    assert got.created_at == created.created_at and got.updated_at > created.updated_at
    assert st.ids_by_phone(f"+86{old_phone}") == []


def test_edit_refusals_change_nothing(st: Store) -> None:
    phone = mobile()
    cid = st.add(new("Keep", phones=[phone]))
    other = st.add(new("Other", emails=["taken.edit@example.com"]))
    before = st.get(cid)
    with pytest.raises(ValidationError, match="nothing to change"):
        st.edit(cid, CustomerEdit())
    with pytest.raises(ValidationError, match="unknown field"):
        st.edit(cid, CustomerEdit(scalars={"name": "x"}))
    # A missing phone to remove fails the whole edit: the added phone is not kept either.
    with pytest.raises(ValidationError, match=f"customer {cid} has no phone"):
        st.edit(
            cid,
            CustomerEdit(
                add_phones=v.unique_phones([mobile()], "CN"),
                remove_phones=v.unique_phones([mobile()], "CN"),
                scalars={"city": "广州"},
            ),
        )
    with pytest.raises(ValidationError, match="has no email"):
        st.edit(cid, CustomerEdit(remove_emails=v.unique_emails(["nope@example.com"])))
    with pytest.raises(DuplicateError) as caught:
        st.edit(cid, CustomerEdit(add_emails=v.unique_emails(["Taken.Edit@example.com"])))
    assert caught.value.existing_id == other
    assert st.get(cid) == before
    # Its own phone is not a conflict; and allow_duplicate lets the email through.
    st.edit(cid, CustomerEdit(add_phones=v.unique_phones([phone], "CN")))
    st.edit(
        cid,
        CustomerEdit(add_emails=v.unique_emails(["taken.edit@example.com"])),
        allow_duplicate=True,
    )
    assert st.ids_by_email("taken.edit@example.com") == sorted([cid, other])


def test_notes_append_in_order_and_move_updated_at(st: Store) -> None:
    cid = st.add(new("Notes", notes=["one"]))
    created = st.get(cid).updated_at
    st.add_note(cid, "  two \n\n  lines ")
    st.add_note(cid, "three", at="2030-01-01T00:00:00.000000Z")
    got = st.get(cid)
    assert [n.text for n in got.notes] == ["one", "two\nlines", "three"]
    assert got.updated_at > created
    with pytest.raises(ValidationError, match="note must not be empty"):
        st.add_note(cid, " \n ")


def test_audit_has_ids_and_field_names_only(st: Store) -> None:
    secrets = {
        "name": "审计 Secret-Name",
        "phone": mobile(),
        "email": "audit.secret@example.com",
        "company": "SecretCo 机密",
        "city": "SecretCity",
        "note": "secret note 秘密",
    }
    first_audit = rows(st, "SELECT coalesce(max(id), 0) FROM audit")[0][0]
    cid = st.add(
        new(secrets["name"], phones=[secrets["phone"]], emails=[secrets["email"]],
            company=secrets["company"], tags=["SecretTag"], notes=[secrets["note"]])
    )  # fmt: skip
    st.edit(cid, CustomerEdit(scalars={"city": secrets["city"]}))
    st.add_note(cid, secrets["note"] + " again")
    entries = rows(
        st, "SELECT id, command, count, fields, detail FROM audit WHERE id > ?", first_audit
    )
    assert [(e[1], e[2]) for e in entries] == [("add", 1), ("edit", 1), ("note", 1)]
    assert entries[0][3] == '["company", "emails", "name", "notes", "phones", "tags"]'
    assert entries[1][3] == '["city"]' and entries[2][3] == '["notes"]'
    links = rows(st, "SELECT audit_id, customer_id FROM audit_customers WHERE audit_id > ?",
                 first_audit)  # fmt: skip
    assert sorted(links) == [(e[0], cid) for e in entries]
    dump = repr(rows(st, "SELECT * FROM audit")) + repr(rows(st, "SELECT * FROM audit_customers"))
    for value in [*secrets.values(), "SecretTag", "+86" + secrets["phone"], "Secret"]:
        assert value not in dump
    from custinfo.store import audit

    assert [e["command"] for e in audit.entries_for(st.conn, [cid])] == ["add", "edit", "note"]


def test_failed_write_rolls_back_everything(st: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while the gate updates derived data undoes the write, audit included."""
    from custinfo.store import derived

    phone = mobile()
    before = (st.count(), rows(st, "SELECT count(*) FROM audit")[0][0])

    def boom(conn: Any, dirty: Any, gone: Any) -> None:
        raise RuntimeError("derived data failed")

    monkeypatch.setattr(derived, "changed", boom)
    with pytest.raises(RuntimeError):
        st.add(new("Half", phones=[phone], emails=["half@example.com"], tags=["HalfTag"]))
    assert (st.count(), rows(st, "SELECT count(*) FROM audit")[0][0]) == before
    assert st.ids_by_phone(f"+86{phone}") == [] and st.ids_by_email("half@example.com") == []
    assert rows(st, "SELECT count(*) FROM tags WHERE key = 'halftag'") == [(0,)]
    assert not st.conn.in_transaction


def test_interrupt_rolls_back(st: Store) -> None:
    before = (st.count(), rows(st, "SELECT count(*) FROM audit")[0][0])
    with pytest.raises(KeyboardInterrupt), st.write("test") as w:
        w.add_customer(new("Interrupted"), source="test")
        raise KeyboardInterrupt
    assert (st.count(), rows(st, "SELECT count(*) FROM audit")[0][0]) == before
    assert not st.conn.in_transaction


def test_nested_writes_join_the_outer_one(st: Store) -> None:
    before = st.count()
    with pytest.raises(ValueError), st.write("outer") as w:
        w.add_customer(new("Outer"), source="test")
        with st.write("inner") as inner:
            inner.add_customer(new("Inner"), source="test")
        raise ValueError
    assert st.count() == before
    audits = rows(st, "SELECT count(*) FROM audit")[0][0]
    with st.write("outer") as w:
        a = w.add_customer(new("Outer ok"), source="test")
        with st.write("inner") as inner:
            b = inner.add_customer(new("Inner ok"), source="test")
    assert [c.name for c in st.get_many([a, b])] == ["Outer ok", "Inner ok"]
    assert rows(st, "SELECT count(*) FROM audit")[0][0] == audits + 2  # one entry each


def test_the_gate_updates_derived_data_once_per_write(
    st: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custinfo.store import derived

    calls: list[dict[str, list[int]]] = []
    real = derived.changed

    def spy(conn: Any, dirty: dict[str, set[int]], gone: set[int]) -> None:
        calls.append({kind: sorted(ids) for kind, ids in dirty.items()})
        real(conn, dirty, gone)

    monkeypatch.setattr(derived, "changed", spy)
    cid = st.add(new("Hooked", phones=[mobile()], tags=["t"], notes=["n"]))
    st.edit(cid, CustomerEdit(scalars={"city": "杭州"}))
    st.add_note(cid, "hi")
    assert calls == [
        {"customer": [cid], "phones": [cid], "tags": [cid], "notes": [cid]},
        {"customer": [cid]},
        {"notes": [cid], "customer": [cid]},
    ]


def test_one_audit_entry_per_write_with_field_names(st: Store) -> None:
    from custinfo.store import audit

    cid = st.add(new("Audited", phones=[mobile()], emails=["aud@example.com"], city="上海"))
    st.edit(cid, CustomerEdit(scalars={"city": "杭州"}))
    entries = audit.entries_for(st.conn, [cid])
    assert [(e["command"], e["count"]) for e in entries] == [("add", 1), ("edit", 1)]
    assert entries[0]["fields"] == ["city", "emails", "name", "phones"]
    assert entries[1]["fields"] == ["city"]


def test_missing_ids(st: Store) -> None:
    with st.write("test") as w:
        ids = [w.add_customer(new(f"M{i}"), source="test") for i in range(3)]
    assert st.missing_ids([]) == []
    assert st.missing_ids([ids[2], ids[0], ids[0]]) == []
    assert st.missing_ids([999_998, ids[1], 999_997, 999_998, -1]) == [-1, 999_997, 999_998]
    many = list(range(10**6, 10**6 + 1200))  # more than one IN (...) chunk
    assert st.missing_ids([*many, *ids]) == many


def test_get_many_keeps_the_order_given(st: Store) -> None:
    with st.write("test") as w:
        ids = [w.add_customer(new(f"Order {i}"), source="test") for i in range(4)]
    wanted = [ids[3], ids[0], 999_999, ids[2], ids[0]]
    assert [c.id for c in st.get_many(wanted)] == [ids[3], ids[0], ids[2], ids[0]]
    assert st.get_many([]) == []


def test_get_many_across_chunks(st: Store) -> None:
    with st.write("test") as w:
        ids = [w.add_customer(new(f"Bulk {i}", tags=["bulk"]), source="test")
               for i in range(620)]  # fmt: skip
    got = st.get_many(list(reversed(ids)))
    assert [c.id for c in got] == list(reversed(ids))
    assert all(c.tags == ["bulk"] for c in got)


def test_iter_all_is_every_customer_in_id_order(st: Store) -> None:
    expected = [r[0] for r in rows(st, "SELECT id FROM customers ORDER BY id")]
    assert [c.id for c in st.iter_all(batch=7)] == expected
    assert [c.id for c in st.iter_all()] == expected
    assert len(expected) == st.count()


def test_add_customer_keeps_source_and_time(st: Store) -> None:
    with st.write("test") as w:
        cid = w.add_customer(new("Bulk", notes=["n"]), source="import:x.csv", at="2020-01-01Z")
    got = st.get(cid)
    assert (got.source, got.created_at, got.notes[0].at) == ("import:x.csv",) + ("2020-01-01Z",) * 2


def test_tags_are_matched_case_insensitively(st: Store) -> None:
    from custinfo.store import records

    with st.write("test"):
        first = records.tag_id(st.conn, "Gold 客户")
        assert records.tag_id(st.conn, "GOLD 客户") == first
        assert records.tag_id(st.conn, "never-seen", create=False) is None
    cid = st.add(new("Tagged", tags=["gold 客户"]))
    assert st.get(cid).tags == ["Gold 客户"]  # the first spelling is kept


def test_database_file_is_private(st: Store) -> None:
    path = Path(st.db.path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for suffix in ("-wal", "-shm"):  # they exist while the store is open (WAL mode)
        assert Path(f"{path}{suffix}").stat().st_mode & 0o777 == 0o600
