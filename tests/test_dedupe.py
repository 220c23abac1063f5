"""dedupe: matching in small hand-made cases, output shape, review loop, --auto, add warning."""

from __future__ import annotations

import json

import pytest


def _add(cli, *args: str) -> int:
    return int(cli.ok("add", "--allow-duplicate", *args).strip())


def _groups(cli, *args: str) -> list[dict]:
    return json.loads(cli.ok("dedupe", "--format", "json", *args))


@pytest.fixture
def tty(monkeypatch):
    from custinfo.cli import terminal

    monkeypatch.setattr(terminal, "person_present", lambda: True)


def test_pinyin_and_characters_match(cli, db):
    a = _add(cli, "--name", "张伟", "--birthday", "1980-02-03", "--address",
             "上海市浦东新区张江路100号", "--city", "上海")  # fmt: skip
    b = _add(cli, "--name", "Wei Zhang", "--birthday", "1980-02-03", "--address",
             "浦东新区张江路100号", "--city", "Shanghai")  # fmt: skip
    groups = _groups(cli)
    assert [g["ids"] for g in groups] == [[a, b]]
    reasons = " | ".join(groups[0]["reasons"])
    assert "names 张伟 / Wei Zhang match by pinyin" in reasons
    assert "same birthday 1980-02-03" in reasons
    assert "same address" in reasons  # "上海市" before the district is ignored


def test_order_swap_typo_and_email_case(cli, db):
    a = _add(cli, "--name", "John Smith", "--email", "john.smith@example.com")
    b = _add(cli, "--name", "Smith, Jonh", "--email", "John.Smith@EXAMPLE.com")
    (group,) = _groups(cli)
    assert group["ids"] == [a, b]
    assert any("emails differ only in case" in r for r in group["reasons"])
    assert 0.0 <= group["score"] <= 1.0


def test_same_phone_typed_differently(cli, db):
    a = _add(cli, "--name", "李娜", "--phone", "138 0013 8000")
    b = _add(cli, "--name", "李娜", "--phone", "+86-138-0013-8000")
    (group,) = _groups(cli)
    assert group["ids"] == [a, b]
    assert any(r.startswith("same phone +8613800138000 (+") for r in group["reasons"])


def test_namesakes_kept_apart(cli, db):
    _add(cli, "--name", "张伟", "--birthday", "1980-01-01", "--phone", "13800138000",
         "--city", "上海")  # fmt: skip
    _add(cli, "--name", "张伟", "--birthday", "1991-05-05", "--phone", "13900139000",
         "--city", "上海")  # fmt: skip
    _add(cli, "--name", "Zhang Wei", "--email", "zw@example.com")
    _add(cli, "--name", "张伟", "--email", "other@example.com")
    assert _groups(cli) == []


def test_no_chaining_through_a_weak_link(cli, db):
    # b shares a's phone; c shares b's name but has another birthday than a: two people.
    a = _add(cli, "--name", "王芳", "--phone", "13800138000", "--birthday", "1980-01-01")
    b = _add(cli, "--name", "王芳", "--phone", "13800138000")
    c = _add(cli, "--name", "王芳", "--birthday", "1975-07-07", "--address", "北京市朝阳区1号")
    ids = [g["ids"] for g in _groups(cli)]
    assert [a, b] in ids
    assert not any(c in g and a in g for g in ids)


def test_formats(cli, db):
    _add(cli, "--name", "Ann Lee", "--email", "ann@example.com")
    _add(cli, "--name", "Ann Lee", "--email", "ANN@example.com")
    (group,) = _groups(cli)
    assert set(group) == {"ids", "score", "reasons"}
    csv_out = cli.ok("dedupe", "--format", "csv").splitlines()
    assert csv_out[0] == "ids,score,reasons" and csv_out[1].startswith("1 2,")
    assert "1 2" in cli.ok("dedupe", "--format", "table")
    assert _groups(cli, "--min-score", "1") == []


def test_review_merge_skip_quit(cli, db, tty):
    pairs = []
    for i, name in enumerate(("Alice Wong", "Bob Chan", "Carol Ho")):
        email = f"person{i}@example.com"
        pairs.append((_add(cli, "--name", name, "--email", email),
                      _add(cli, "--name", name, "--email", email.upper())))  # fmt: skip
    result = cli("dedupe", "--review", input="2\ns\nq\n", tty=True)
    assert result.code == 0, result.stderr
    assert "group 1/3" in result.stderr and "group 3/3" in result.stderr
    assert "1 group merged" in result.stderr  # plural(), never "(s)"
    (a1, a2), (b1, b2), (c1, c2) = pairs
    assert json.loads(cli.ok("show", str(a1), "--format", "json"))["id"] == a2  # kept the 2nd
    for cid in (b1, b2, c1, c2):
        assert json.loads(cli.ok("show", str(cid), "--format", "json"))["id"] == cid
    assert len(_groups(cli)) == 2  # quitting kept the merge, the rest is still there


def test_review_needs_terminal(cli, db):
    assert cli("dedupe", "--review").code == 2


def test_auto(cli, db, tty):
    a = _add(cli, "--name", "Ann Lee", "--email", "ann@example.com", "--phone", "13800138000")
    b = _add(cli, "--name", "ANN LEE", "--email", "Ann@example.com", "--phone", "138 0013 8000")
    _add(cli, "--name", "Bo Li", "--email", "bo@example.com")
    assert cli("dedupe", "--auto", "--review", "--yes").code == 2
    assert cli("dedupe", "--auto", input="n\n", tty=True).code == 1
    out = cli.ok("dedupe", "--auto", "--yes")
    assert out.split() == [str(a), str(b)]
    assert json.loads(cli.ok("show", str(b), "--format", "json"))["id"] == a
    assert _groups(cli) == []


def test_auto_refuses_off_terminal(cli, db):
    _add(cli, "--name", "Ann Lee", "--email", "ann@example.com")
    assert cli("dedupe", "--auto").code == 2


def test_add_warns_about_likely_duplicate(cli, db):
    a = _add(cli, "--name", "张伟", "--email", "zw@example.com", "--birthday", "1980-02-03")
    result = cli("add", "--name", "Zhang Wei", "--birthday", "1980-02-03", "--email",
                 "ZW@example.com", "--allow-duplicate")  # fmt: skip
    assert result.code == 0
    assert f"possible duplicate of customer {a}:" in result.stderr
    assert "emails differ only in case" in result.stderr
    clean = cli("add", "--name", "Someone Else", "--email", "else@example.com")
    assert clean.code == 0 and "possible duplicate" not in clean.stderr


def test_migration_computes_keys_for_old_database(env):
    """A v2 database (no dedupe tables) gets blocking keys for its customers when opened."""
    from custinfo.store import Store
    from custinfo.store.db import open_database
    from tests.test_migrations import KEY, database_at, insert_sample

    old = database_at(env, 2)
    insert_sample(old)  # customer 7: 张伟 with a phone and an email
    old.close()
    with Store(open_database(env, KEY)) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] >= 3
        rows = store.conn.execute("SELECT count(*) FROM dedupe_keys WHERE customer_id = 7")
        assert rows.fetchone()[0] > 0


def test_likely_duplicates_core(store):
    from custinfo import validation
    from custinfo.dedupe import likely_duplicates

    first = validation.customer_input(name="Müller Hans", region="DE", phones=["030 1234567"])
    cid = store.add(first)
    again = validation.customer_input(name="hans muller", region="DE", phones=["+49 30 1234567"])
    ((found, score, reasons),) = likely_duplicates(store, again)
    assert found == cid and score > 0.9
    assert any(r.startswith("same phone +49301234567 (+") for r in reasons)


def test_normalised_name_keys():
    from custinfo.dedupe.normalize import name_key

    assert name_key("张伟") == name_key("Wei Zhang") == name_key("ZHANG, Wei") == "wei zhang"
    assert name_key("欧阳 方国") == name_key("欧阳方国") == name_key("Ouyang Fangguo")
    assert name_key("夏 晓俊") == name_key("夏晓俊")


def test_find_filters_restrict_the_search(cli, db):
    """Find filters select who is compared: a group is listed when all its members match."""
    a = _add(cli, "--name", "张伟", "--phone", "13800138000", "--city", "上海", "--tag", "VIP")
    b = _add(cli, "--name", "Zhang Wei", "--phone", "+86 138-0013-8000", "--city", "上海")
    c = _add(cli, "--name", "John Smith", "--email", "j@x.com", "--city", "北京")
    d = _add(cli, "--name", "JOHN SMITH", "--email", "J@X.com", "--city", "北京")
    assert sorted(g["ids"] for g in _groups(cli)) == [[a, b], [c, d]]
    assert [g["ids"] for g in _groups(cli, "--city", "上海")] == [[a, b]]
    assert [g["ids"] for g in _groups(cli, "--email", "@x.com")] == [[c, d]]
    assert _groups(cli, "--tag", "VIP") == []  # only one member carries the tag
    assert _groups(cli, "--tag", "no-such-tag") == []


def test_stored_forms_equal_computed_ones(store, monkeypatch):
    """The matching forms a run reads from `dedupe_forms` equal the ones computed from the
    customers (same ids, same strings), for the whole table and a subset, and a missing
    row makes the run compute them."""
    import numpy as np

    from custinfo import dedupe, validation
    from custinfo.dedupe import table

    people = [
        dict(name="张伟", phones=["13800138000"], birthday="1980-02-03", city="上海",
             address="上海市浦东新区世纪大道100号"),
        dict(name="Zhang Wei", phones=["138-0013-8000"], birthday="1980-02-03",
             company="ACME Ltd", address="1 Main St", city="Shanghai"),
        dict(name="Wei ZHANG", company="Acme", address="1 main street", city="杭州"),
        dict(name="Christy Winters", phones=["13900139000"]),
        dict(name="winters christy", phones=["+86 139 0013 9000"], address="Apt 5, 12 Oak Rd"),
        dict(name="欧阳娜娜", address="12 Oak Road"),
    ]  # fmt: skip
    ids = [
        store.add(validation.customer_input(region="CN", **p), allow_duplicate=True) for p in people
    ]
    attrs = ("name_id", "name_strings", "name_cjk", "name_first", "name_last", "name_family",
             "name_surname", "name_ntok", "name_raw_id", "name_key_id", "addr_id", "addr_strings",
             "addr_house", "comp_id", "comp_strings", "city_id", "city_strings")  # fmt: skip

    def forms(only: set[int] | None, stored: bool) -> list:
        t = table.load(store.conn, only, defer=True)
        assert (t.stored is not None) == stored
        if not stored:
            t.stored = None
        needed = np.ones(len(t), dtype=bool)
        needed[1] = False  # place forms only where pairs need them
        t.prepare(needed)
        return [np.asarray(getattr(t, a)).tolist() for a in attrs]

    for only in (None, set(ids[1:])):
        read = forms(only, True)
        monkeypatch.setattr("custinfo.dedupe.forms.read", lambda *args: None)
        monkeypatch.setattr("custinfo.dedupe.forms.fetch_ranges", lambda conn: iter(()))
        assert forms(only, False) == read
        monkeypatch.undo()
    before = [(g.ids, g.score, g.reasons) for g in dedupe.find_groups(store)]
    assert len(before) >= 2
    store.conn.execute("DELETE FROM dedupe_forms WHERE customer_id = ?", (ids[0],))
    assert table.load(store.conn, None, defer=True).stored is None
    assert [(g.ids, g.score, g.reasons) for g in dedupe.find_groups(store)] == before


def test_joined_read_equals_row_by_row_read(store, monkeypatch):
    """The read that joins each column in SQLite gives the same Table as the row-by-row read,
    and falls back to it when a stored value holds the separator."""
    from custinfo import validation
    from custinfo.dedupe import table

    people = [
        dict(name="张伟", phones=["13800138000", "+86 139 0013 9000"], city="上海",
             emails=["Zw@Example.com"], birthday="1980-02-03"),
        dict(name="Zhang Wei", company="ACME", address="1 Main St", phones=["138-0013-8000"]),
        dict(name="Christy Winters", emails=["c@x.com", "C.W@y.org"], city="上海"),
    ]  # fmt: skip
    ids = [
        store.add(validation.customer_input(region="CN", **p), allow_duplicate=True) for p in people
    ]
    fields = ("names", "companies", "addresses", "cities", "birthdays")

    def snapshot(defer: bool = False) -> tuple:
        t = table.load(store.conn, None, defer=defer)
        multi = [(m.pos.tolist(), m.values) for m in (t.phones, t.emails, t.email_keys)]
        return t.ids.tolist(), [getattr(t, f) for f in fields], multi

    joined = snapshot()
    assert joined[0] == ids and joined[1][1] == [None, "ACME", None]
    deferred = snapshot(defer=True)  # with the stored forms: no company or address text
    assert deferred[1][1:3] == [None, None]
    assert [deferred[1][i] for i in (0, 3, 4)] == [joined[1][i] for i in (0, 3, 4)]
    monkeypatch.setattr(table, "_concat_columns", lambda *args, **kwargs: None)
    assert snapshot() == joined and snapshot(defer=True) == deferred
    monkeypatch.undo()
    store.conn.execute("UPDATE customers SET company = 'A\x1fB' WHERE id = ?", (ids[2],))
    fallback = snapshot()
    assert fallback[1][1] == [None, "ACME", "A\x1fB"] and fallback[2] == joined[2]
