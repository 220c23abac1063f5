"""Custom fields at the CLI: field add/list/rename/choices/remove, --set/--unset, show,
find --where/--sort, export, import (--map, --create-fields, rejects), merge/unmerge,
subject, purge and dedupe --also-compare."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from custinfo.cli import errors as codes


@pytest.fixture(scope="module")
def declared_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A database with seven fields, one of each type, declared once through the CLI."""
    from tests.conftest import ENV_NAMES, PASSPHRASE, CliRunner

    path = tmp_path_factory.mktemp("declared") / "customers.db"
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_NAMES:
            mp.delenv(name, raising=False)
        mp.setenv("CUSTINFO_DB", str(path))
        mp.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
        cli = CliRunner(path)
        cli.ok("init", "--region", "CN")
        cli.ok("field", "add", "tier", "--type", "choice", "--label", "会员等级",
               "--choices", "金卡,银卡,普通")  # fmt: skip
        cli.ok("field", "add", "points", "--type", "number", "--label", "积分")
        cli.ok("field", "add", "expires", "--type", "date", "--label", "到期日")
        cli.ok("field", "add", "source", "--type", "text", "--label", "客户来源")
        cli.ok("field", "add", "balance", "--type", "money")
        cli.ok("field", "add", "pref", "--type", "multichoice", "--choices", "茶,咖啡,果汁")
        cli.ok("field", "add", "vip", "--type", "bool")
    return path


@pytest.fixture
def declared(cli, declared_template):  # type: ignore[no-untyped-def]
    """A copy of the template at the test's own database path."""
    shutil.copy(declared_template, cli.db)
    return cli.db


def test_fields_are_declared_listed_renamed_and_removed(cli, declared) -> None:  # type: ignore[no-untyped-def]
    for args, message in (
        (("--type", "colour"), "unknown field type 'colour'"),
        (("--type", "choice"), "a choice field needs --choices"),
        (("--type", "number", "--choices", "a,b"), "--choices applies to choice"),
    ):
        result = cli("field", "add", "new", *args)
        assert result.code == codes.USAGE and message in result.stderr
    assert cli("field", "add", "tier", "--type", "text").code == codes.USAGE  # exists
    assert "use up to 32 ASCII letters" in cli("field", "add", "会员", "--type", "text").stderr
    listed = list(csv.reader(io.StringIO(cli.ok("field", "list"))))
    assert listed[0] == ["key", "label", "type", "choices", "count"]
    assert listed[1] == ["tier", "会员等级", "choice", "金卡; 银卡; 普通", "0"]
    cid = cli.ok("add", "--name", "张三", "--set", "tier=金卡", "--set", "pref=茶").strip()
    rows = json.loads(cli.ok("field", "list", "--format", "json"))
    assert rows[0] == {"key": "tier", "label": "会员等级", "type": "choice",
                       "choices": ["金卡", "银卡", "普通"], "count": 1}  # fmt: skip

    cli.ok("field", "rename", "source", "channel", "--label", "渠道")
    assert "渠道" in cli.ok("field", "list")
    assert cli("field", "rename", "nosuch", "x").code == codes.NOT_FOUND
    cli.ok("field", "choices", "tier", "--add", "钻石卡", "--remove", "普通")
    in_use = cli("field", "choices", "tier", "--remove", "金卡")
    assert in_use.code == codes.FAILURE and "1 customer holds it" in in_use.stderr
    held = cli("field", "choices", "pref", "--remove", "茶")
    assert held.code == codes.FAILURE and "1 customer holds it" in held.stderr

    refused = cli("field", "remove", "tier")  # a pipe: no person to confirm
    assert refused.code == codes.USAGE and "--yes" in refused.stderr
    declined = cli("field", "remove", "tier", input="n\n", tty=True)
    assert declined.code != 0 and json.loads(cli.ok("show", cid, "--format", "json"))["fields"]
    result = cli("field", "remove", "tier", "--yes")
    assert result.code == 0 and "1 values erased" in result.stderr
    assert json.loads(cli.ok("show", cid, "--format", "json"))["fields"] == {"pref": ["茶"]}
    from custinfo.store import Store
    from tests.conftest import PASSPHRASE

    with Store.open(declared, PASSPHRASE.encode()) as store:
        entry = store.conn.execute(
            "SELECT fields, detail, count FROM audit WHERE command = 'field remove'"
        ).fetchone()
        texts = " ".join(str(r) for r in store.conn.execute("SELECT * FROM audit"))
    assert json.loads(entry[0]) == ["field:tier"] and "1 values erased" in entry[1]
    assert "金卡" not in texts and "张三" not in texts  # keys and counts, never values


def test_values_are_typed_validated_shown_by_label_and_in_json(cli, declared) -> None:  # type: ignore[no-untyped-def]
    cid = cli.ok(
        "add", "--name", "王小明", "--set", "tier=金卡", "--set", "points=1200",
        "--set", "expires=2027/1/2", "--set", "balance=¥1,299.5", "--set", "pref=咖啡;茶",
        "--set", "vip=是", "--set", "source=抖音直播",
    ).strip()  # fmt: skip
    record = json.loads(cli.ok("show", cid, "--format", "json"))
    assert list(record)[-2:] == ["fields", "next_followup"]  # fields, then show's own key
    assert record["fields"] == {"tier": "金卡", "points": 1200, "expires": "2027-01-02",
                                "source": "抖音直播", "balance": "1299.50",
                                "pref": ["茶", "咖啡"], "vip": True}  # fmt: skip
    shown = cli.ok("show", cid)
    assert "会员等级: 金卡" in shown and "积分: 1200" in shown and "pref: 茶;咖啡" in shown
    for item, message in (  # every type's messages: tests/test_fields_core.py
        ("tier=铜卡", "field tier: '铜卡' is not one of 金卡, 银卡, 普通"),
        ("pref=茶;酒", "'酒' is not one of 茶, 咖啡, 果汁"),
        ("grade=A", "unknown field 'grade' in --set"),
    ):
        result = cli("add", "--name", "坏值", "--set", item)
        assert result.code == codes.USAGE, item
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "custinfo field add grade" in cli("edit", cid, "--set", "grade=A").stderr
    cli.ok("edit", cid, "--set", "points=1300.5", "--unset", "pref", "--set", "tier=银卡")
    cli.ok("edit", cid, "--set", "vip=")  # an empty value clears, as for the fixed fields
    fields = json.loads(cli.ok("show", cid, "--format", "json"))["fields"]
    assert fields["points"] == 1300.5 and fields["tier"] == "银卡"
    assert "pref" not in fields and "vip" not in fields
    assert cli("edit", cid, "--set", "tier=金卡", "--unset", "tier").code == codes.USAGE


def test_find_export_and_dedupe_filter_with_where_and_sort_by_field(cli, declared) -> None:  # type: ignore[no-untyped-def]
    people = [
        ("甲", ["tier=金卡", "points=1200", "expires=2026-06-01", "source=抖音直播"]),
        ("乙", ["tier=金卡", "points=800", "expires=2026-06-01", "source=抖音"]),
        ("丙", ["tier=金卡", "points=5000", "expires=2027-06-01", "source=抖音"]),
        ("丁", ["tier=银卡", "points=3000", "source=小红书"]),
        ("戊", []),
    ]
    ids = {}
    for name, sets in people:
        args = [a for item in sets for a in ("--set", item)]
        ids[name] = cli.ok("add", "--name", name, *args).strip()
    where = ["--where", "tier=金卡", "--where", "points>=1000", "--where",
             "expires<2027-01-01", "--where", "source~抖音"]  # fmt: skip
    assert cli.ok("find", *where, "--format", "ids").split() == [ids["甲"]]

    def found(*args: str) -> list[str]:
        return cli.ok("find", *args, "--format", "ids").split()

    assert found("--where", "!expires?") == [ids["丁"], ids["戊"]]
    assert found("--where", "tier!=金卡") == [ids["丁"], ids["戊"]]
    assert found("--where", "points?", "--sort", "-field:points") == [
        ids["丙"], ids["丁"], ids["甲"], ids["乙"]]  # fmt: skip
    assert found("--sort", "field:points")[-1] == ids["戊"]  # no value: last
    assert found("--where", "tier>=银卡") == [ids["丁"]]  # choices compare in their order
    bad = cli("find", "--where", "grade=A")
    assert bad.code == codes.USAGE and "declare it first" in bad.stderr
    assert cli("find", "--sort", "colour").code == codes.USAGE

    exported = list(csv.reader(io.StringIO(cli.ok("export", "--where", "tier=金卡"))))
    assert [r[1] for r in exported[1:]] == ["甲", "乙", "丙"]
    listed = list(csv.reader(io.StringIO(cli.ok("find", "--where", "tier=金卡"))))
    assert listed == exported  # find's CSV has the same field:KEY columns
    assert cli("export", "--id", ids["甲"], "--where", "tier=金卡").code == codes.USAGE
    result = cli("dedupe", "--where", "tier=银卡", "--format", "json")
    assert result.code == 0 and json.loads(result.stdout) == []


def test_export_writes_fields_as_columns_json_and_vcard_properties(cli, declared) -> None:  # type: ignore[no-untyped-def]
    from custinfo.models import CUSTOMER_FIELDS

    cid = cli.ok("add", "--name", "Anna Lee", "--set", "tier=金卡", "--set", "balance=12.5",
                 "--set", "pref=茶;果汁", "--set", "vip=no",
                 "--set", 'source=门店, "老客" 介绍')  # fmt: skip
    cid = cid.strip()
    cli.ok("add", "--name", "No Fields")
    text = cli.ok("export")
    table = list(csv.reader(io.StringIO(text)))
    rendered = io.StringIO()  # (SQLite renders the lines: byte for byte csv.writer's)
    csv.writer(rendered, lineterminator="\n").writerows(table)
    assert rendered.getvalue() == text
    fields = ["field:tier", "field:points", "field:expires", "field:source", "field:balance",
              "field:pref", "field:vip"]  # fmt: skip
    assert table[0] == [*CUSTOMER_FIELDS, *fields]
    assert table[1][len(CUSTOMER_FIELDS) :] == [
        "金卡", "", "", '门店, "老客" 介绍', "12.50", "茶;果汁", "no"
    ]  # fmt: skip
    assert table[2][len(CUSTOMER_FIELDS) :] == [""] * 7
    line = json.loads(cli.ok("export", "--format", "ndjson", "--id", cid))
    assert line["fields"] == {"tier": "金卡", "source": '门店, "老客" 介绍', "balance": "12.50",
                              "pref": ["茶", "果汁"], "vip": False}  # fmt: skip
    card = cli.ok("export", "--format", "vcard", "--id", cid)
    assert "X-CUSTINFO-TIER:金卡\r\n" in card and "X-CUSTINFO-PREF:茶\\;果汁\r\n" in card
    assert "X-CUSTINFO-BALANCE:12.50\r\n" in card and "X-CUSTINFO-VIP:no\r\n" in card


def test_import_maps_columns_to_fields_creates_fields_and_rejects_bad_values(
    cli, db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    cli.ok("field", "add", "tier", "--type", "choice", "--choices", "金卡,银卡,普通",
           "--label", "会员等级")  # fmt: skip
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "姓名,电话,客户等级,积分,到期日,客户来源,会员号,偏好\n"
        "赵六,13912345678,金卡,1200,2027-01-01,抖音,000123,茶;咖啡\n"
        "钱七,13912345679,银卡,300,2026/5/6,小红书,000124,果汁\n"
        "孙八,,金卡,,,抖音,000125,\n",
        encoding="utf-8",
    )
    dry = cli("import", str(sheet), "--map", "客户等级=field:tier", "--create-fields",
              "--dry-run")  # fmt: skip
    assert dry.code == 0, dry.stderr
    assert "column '积分' → field jifen (number, would be created)" in dry.stderr
    assert cli.ok("field", "list").count("\n") == 2  # the dry run declared nothing
    result = cli("import", str(sheet), "--map", "客户等级=field:tier", "--create-fields")
    assert result.code == 0, result.stderr
    for line in ("column '客户等级' → field tier (choice)",
                 "column '积分' → field jifen (number, created)",
                 "column '到期日' → field daoqiri (date, created)",
                 "column '客户来源' → field kehulaiyuan (choice, created)",
                 "column '会员号' → field huiyuanhao (text, created)",
                 "column '偏好' → field pianhao (text, created)"):  # fmt: skip
        assert line in result.stderr
    assert "unknown columns" not in result.stderr  # nothing went to a note
    first = json.loads(cli.ok("export", "--format", "ndjson").splitlines()[0])
    assert first["fields"] == {"tier": "金卡", "jifen": 1200, "daoqiri": "2027-01-01",
                               "kehulaiyuan": "抖音", "huiyuanhao": "000123",
                               "pianhao": "茶;咖啡"}  # fmt: skip
    assert first["notes"] == []
    listed = cli.ok("field", "list")
    assert "kehulaiyuan,客户来源,choice,抖音; 小红书,3" in listed
    # An attribute column of a Chinese sheet (客户类型: a tag 客户类型:批发 otherwise) goes to
    # the field declared with its label.
    cli.ok("field", "add", "kind", "--type", "text", "--label", "客户类型")
    kinds = tmp_path / "kinds.csv"
    kinds.write_text("姓名,客户类型\n周九,批发\n", "utf-8")
    imported = cli("import", str(kinds))
    assert imported.code == 0 and "column '客户类型' → field kind (text)" in imported.stderr
    last = json.loads(cli.ok("export", "--format", "ndjson").splitlines()[-1])
    assert (last["fields"], last["tags"]) == ({"kind": "批发"}, [])

    # A header that is a field's label maps by itself; values that do not fit are rejects.
    again = tmp_path / "again.csv"
    again.write_text("name,会员等级,field:jifen\nA,铜卡,12\nB,金卡,x\nC,银卡,5\n", "utf-8")
    rejects = tmp_path / "rejects.csv"
    result = cli("import", str(again), "--rejects", str(rejects))
    assert "read 3, imported 1, merged 0, skipped 0, rejected 2" in result.stderr
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[1][-1].startswith("会员等级: field tier: '铜卡' is not one of 金卡, 银卡, 普通")
    assert "field jifen: 'x' is not a decimal" in rows[2][-1]
    merge = tmp_path / "merge.csv"
    merge.write_text("姓名,电话,field:jifen,field:memo\n钱七,13912345679,999,新备注\n", "utf-8")
    cli.ok("field", "add", "memo", "--type", "text")
    result = cli("import", str(merge), "--on-duplicate", "merge")
    assert "merged 1" in result.stderr, result.stderr
    qian = json.loads(cli.ok("find", "钱七", "--format", "json"))[0]["fields"]
    assert qian["jifen"] == 300 and qian["memo"] == "新备注"  # filled in, never overwritten
    undeclared = tmp_path / "undeclared.csv"
    undeclared.write_text("name,field:grade\nA,x\n", "utf-8")
    result = cli("import", str(undeclared))
    assert result.code == codes.USAGE and "use --create-fields" in result.stderr
    assert cli("import", str(undeclared), "--map", "grade=field:").code == codes.USAGE


def test_merge_keeps_the_kept_value_notes_the_other_and_unmerge_restores(cli, declared) -> None:  # type: ignore[no-untyped-def]
    keep = cli.ok("add", "--name", "周一", "--set", "tier=金卡", "--set", "points=10").strip()
    other = cli.ok("add", "--name", "周一", "--set", "tier=银卡", "--set", "points=10",
                   "--set", "expires=2027-01-01").strip()  # fmt: skip
    before = [json.loads(cli.ok("show", c, "--format", "json")) for c in (keep, other)]
    cli.ok("merge", keep, other, "--yes")
    merged = json.loads(cli.ok("show", keep, "--format", "json"))
    assert merged["fields"] == {"tier": "金卡", "points": 10, "expires": "2027-01-01"}
    assert [n["text"] for n in merged["notes"]] == [f"merged from #{other}: tier = 银卡"]
    subject = json.loads(cli.ok("subject", keep, "--format", "json"))
    assert subject["customer"]["fields"]["expires"] == "2027-01-01"
    assert "fields" not in subject["records"]  # listed once, in the customer record
    cli.ok("unmerge", keep)
    after = [json.loads(cli.ok("show", c, "--format", "json")) for c in (keep, other)]
    assert [a["fields"] for a in after] == [b["fields"] for b in before]
    assert after[0]["notes"] == []
    plan = cli.ok("purge", other, "--dry-run")
    assert "fields" in plan
    cli.ok("purge", other, "--yes")
    assert cli("show", other).code == codes.NOT_FOUND


def test_dedupe_compares_a_field_only_when_asked(cli, db) -> None:  # type: ignore[no-untyped-def]
    cli.ok("field", "add", "member_no", "--type", "text")
    a = cli.ok("add", "--name", "李雷", "--phone", "13912345678", "--set", "member_no=A1")
    b = cli.ok("add", "--name", "李雷", "--phone", "13912345678", "--set", "member_no=B2",
               "--allow-duplicate").strip()  # fmt: skip
    c = cli.ok("add", "--name", "韩梅梅", "--set", "member_no=c 3")
    d = cli.ok("add", "--name", "韩梅梅", "--set", "member_no=C3", "--allow-duplicate")
    pair, other = [int(a), int(b)], [int(c), int(d)]

    def groups(*args: str) -> dict[tuple[int, ...], dict]:
        got = json.loads(cli.ok("dedupe", "--format", "json", *args))
        return {tuple(g["ids"]): g for g in got}

    plain = groups()
    assert list(plain) == [tuple(pair)]  # the field is not used unless asked
    asked = groups("--also-compare", "field:member_no")
    assert set(asked) == {tuple(pair), tuple(other)}  # a name alone, but the same number
    assert asked[tuple(pair)]["score"] < plain[tuple(pair)]["score"]  # numbers differ
    assert any(r.startswith("member_no differs: A1 / B2 (−") for r in asked[tuple(pair)]["reasons"])
    assert any(r.startswith("same member_no") for r in asked[tuple(other)]["reasons"])
    explained = json.loads(cli.ok("dedupe", "--explain", c.strip(), d.strip(), "--format", "json",
                                  "--also-compare", "field:member_no"))  # fmt: skip
    row = explained["fields"][-1]
    assert row["field"] == "field:member_no" and row["level"] == "same" and row["weight"] > 0
    cli.ok("edit", b, "--set", "member_no=A1")
    same = groups("--also-compare", "field:member_no")
    assert same[tuple(pair)]["score"] > plain[tuple(pair)]["score"]
    assert cli("dedupe", "--also-compare", "member_no").code == codes.USAGE
    assert cli("dedupe", "--also-compare", "field:nosuch").code == codes.USAGE
