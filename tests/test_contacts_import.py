"""The files owners really have, imported with no flags (issue 18).

Fixtures in tests/fixtures/contacts/ are built from each format's documented columns:
Google Contacts CSV (legacy and 2023+ layouts), Outlook CSV, a phone's .vcf in 2.1 (with
QUOTED-PRINTABLE and CHARSET), 3.0 (Apple labels, escapes, folding) and 4.0, a Chinese
客户 sheet in GBK and as .xlsx, and a 淘宝 order export.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "contacts"


def people(cli) -> dict[str, dict]:
    out = cli.ok("export", "--format", "ndjson")
    return {c["name"]: c for c in map(json.loads, out.splitlines())}


def records(store, cid: int) -> dict:
    from custinfo.privacy.access_report import report

    return report(store, cid)["records"]


def imported(cli, name: str, *args: str) -> str:
    result = cli("import", FIXTURES / name, *args)
    assert result.code == 0, result.stderr
    assert "rejected 0" in result.stderr
    return result.stderr


def test_google_legacy_layout(cli, db) -> None:
    err = imported(cli, "google_legacy.csv")
    assert "read 3, imported 3" in err
    got = people(cli)
    anna = got["Anna Schmidt"]
    assert anna["birthday"] == "--04-22"  # Google's year-less birthday
    assert anna["phones"] == ["+4915123456789", "+49301234567"]  # read in the row's Germany
    assert anna["emails"] == ["anna.schmidt@example.de", "anna@example.org"]
    assert (anna["company"], anna["city"]) == ("Beispiel GmbH", "Berlin")
    assert anna["address"].startswith("Hauptstraße 5") and "10115" in anna["address"]
    assert anna["tags"] == ["Suppliers"]  # "* myContacts" is not a tag
    zhang = got["张伟"]
    assert zhang["phones"] == ["+8613800138000", "+8613912345678"]  # ' ::: ' multi-value
    assert (zhang["address"], zhang["city"]) == ("中山路100号", "上海")  # 中国: no country text
    bob = got["Bob Lee"]
    assert bob["phones"] == ["+14155550132"]  # the row says United States
    assert bob["tags"] == ["starred"]
    assert "Address 1 - Country: United States" in bob["notes"][0]["text"]


def test_only_googles_mark_is_dropped_from_labels(cli, db, tmp_path: Path) -> None:
    """Regression: every leading "*" was stripped, so a tag "*" vanished and "*VIP" lost its
    star; only Google's "* " system-group mark goes (found by the vCard round trip)."""
    sheet = tmp_path / "google.csv"
    sheet.write_text(
        "Name,Labels\nAnna,* myContacts ::: *VIP ::: * ::: * starred\n", encoding="utf-8"
    )
    imported(cli, str(sheet))
    assert people(cli)["Anna"]["tags"] == ["*", "*VIP", "starred"]  # (in tag order)


def test_google_2023_layout(cli, db, store) -> None:
    err = imported(cli, "google_2023.csv")
    got = people(cli)
    john = got["John Q Smith"]
    assert john["phones"] == ["+12125550100", "+12125550101", "+12125550199"]
    assert john["emails"] == ["john.smith@acme.example", "jqs@example.com"]
    assert john["company"] == "Acme Corp" and john["birthday"] == "--12-03"
    assert john["tags"] == ["VIP", "Wholesale", "客户等级:A"]  # labels and a custom field
    assert john["city"] == "New York" and "350 Fifth Avenue" in john["address"]
    assert john["notes"][0]["text"] == "Prefers email\nCall after 5pm"
    labels = {(r["kind"], r["value"]): r["label"] for r in records(store, john["id"])[
        "contact_labels"]}  # fmt: skip
    assert labels[("phone", "+12125550100")] == "cell"
    assert labels[("phone", "+12125550199")] == "work"
    assert labels[("email", "jqs@example.com")] == "home"
    nana = got["欧阳娜娜"]  # family name and given name of a Chinese name, no space
    assert (nana["phones"], nana["city"]) == (["+8613812345678"], "杭州")
    assert got["Marie Dupont"]["phones"] == ["+33142685300"]
    assert "read as FR numbers (the row's own country)" in err


def test_outlook(cli, db) -> None:
    err = imported(cli, "outlook.csv")
    got = people(cli)
    mary = got["Mary Johnson"]
    assert mary["phones"] == ["+12155550147", "+12155550111"]  # not Shanghai numbers
    assert mary["emails"] == ["mary.johnson@contoso.example", "mjohnson@example.net"]
    assert mary["birthday"] is None  # 0/0/00 is Outlook's empty birthday
    assert (mary["city"], mary["company"]) == ("Philadelphia", "Contoso Ltd")
    assert mary["address"].startswith("1 Market Street")
    assert mary["tags"] == ["Clients", "VIP"]
    assert "Job Title: Purchasing Manager" in mary["notes"][1]["text"]
    assert not any("Normal" in n["text"] for n in mary["notes"])  # Outlook's defaults
    li = got["Li Na"]
    assert li["birthday"] == "1988-04-22" and li["phones"] == ["+861062345678", "+8613900139000"]
    assert got["Tom Baker"]["phones"] == ["+447911123456"]  # Home Country/Region: UK
    assert got["Tom Baker"]["birthday"] == "1975-12-25"
    assert "2 numbers without a country code were read as US numbers" in err
    assert "M/D/YYYY (month first, as '4/22/1988' shows)" in err


def test_phone_vcards_21_30_40(cli, db, store) -> None:
    err = imported(cli, "phone_21.vcf")
    assert "read 2, imported 2" in err and "1 photo skipped" in err
    assert "3 numbers without a country code were read as CN numbers" in err
    imported(cli, "phone_30.vcf")
    imported(cli, "phone_40.vcf")
    got = people(cli)
    wang = got["王小明"]  # 2.1: QUOTED-PRINTABLE, CHARSET=UTF-8, a soft line break
    assert wang["phones"] == ["+8613912345678", "+861062345678"]
    assert (wang["company"], wang["city"], wang["birthday"]) == (
        "北京某某科技",
        "北京",
        "1980-02-03",
    )
    assert wang["address"] == "中关村大街1号 100080"
    assert wang["notes"][0]["text"] == "老客户\n喜欢喝茶"
    assert got["李四"]["phones"] == ["+8613800138000", "+862155550147"]  # CHARSET=GBK in N
    john = got["John Q Smith"]  # 3.0 from an iPhone
    assert john["phones"] == ["+12125550100", "+12125550199", "+12125550101"]
    assert john["notes"][0]["text"] == "Prefers email\nCall after 5pm, not before"
    assert john["birthday"] == "--12-03"  # X-APPLE-OMIT-YEAR
    assert john["wechat"] == ["jsmith_88"] and john["tags"] == ["VIP", "Wholesale"]
    assert "Title: Buyer" in john["notes"][1]["text"]
    labels = {r["value"]: r["label"] for r in records(store, john["id"])["contact_labels"]}
    assert labels["+12125550100"] == "cell" and labels["+12125550101"] == "Warehouse"
    sima = got["司马光"]
    assert sima["qq"] == ["12345678", "87654321"]  # IMPP with X-SERVICE-TYPE=QQ, X-QQ
    assert sima["notes"][0]["text"].endswith("过年送茶叶礼盒。")  # a folded line
    nana = got["欧阳娜娜"]  # 4.0: tel: URIs with ext=, year-less --0422
    assert nana["phones"] == ["+8613812345679", "+861062345678 ext. 23"]
    assert nana["birthday"] == "--04-22" and nana["tags"] == ["老客户"]
    assert got["Marie Dupont"]["birthday"] == "1979-03-15"


def test_chinese_business_sheet_in_gbk(cli, db) -> None:
    result = cli("import", FIXTURES / "kehu_gbk.csv", "--dry-run")
    assert result.code == 0, result.stderr
    assert "  company        <- '客户名称'\n" in result.stderr  # 客户名称 + 联系人: a business
    assert "  name           <- '联系人'\n" in result.stderr
    imported(cli, "kehu_gbk.csv")
    got = people(cli)
    chen = got["陈静"]
    assert chen["company"] == "杭州某某贸易有限公司"
    assert chen["phones"] == ["+8613805710001", "+8657188886666"]
    assert (chen["wechat"], chen["qq"]) == (["chenjing_hz"], ["12345678"])
    assert chen["tags"] == ["客户等级:A", "客户类型:批发", "性别:女"]
    assert (chen["address"], chen["city"]) == ("浙江省西湖区文三路90号", "杭州市")
    assert chen["birthday"] == "1980-03-15"
    assert chen["created_at"] == "2021-05-06T00:00:00.000000Z"  # 录入日期
    assert got["刘洋"]["birthday"] == "--05-12"  # 5月12日
    assert got["刘洋"]["created_at"] == "2022-01-18T09:30:00.000000Z"
    assert got["王芳"]["phones"] == [] and got["王芳"]["company"] == "个体户"


def test_wechat_ids_are_searchable(cli, db) -> None:
    imported(cli, "kehu_gbk.csv")
    out = cli.ok("find", "chenjing_hz", "--format", "ids")
    assert out.split() == [str(people(cli)["陈静"]["id"])]


def test_reimport_adds_nobody_also_without_phone_or_email(cli, db) -> None:
    imported(cli, "kehu_gbk.csv")
    again = imported(cli, "kehu_gbk.csv")
    assert "imported 0, merged 0, skipped 3" in again
    assert "skipped 3 already present" in again and "--on-duplicate merge" in again
    assert len(people(cli)) == 3
    merged = imported(cli, "kehu_gbk.csv", "--on-duplicate", "merge")
    assert "imported 0, merged 3" in merged


def test_contactless_rows_differ_when_a_value_differs(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("姓名,地址,城市\n王芳,中山路1号,南京\n王芳,中山路1号,\n王芳,解放路2号,南京\n")
    err = imported(cli, str(src))
    # The second row has no city: every value present on both sides is equal.
    assert "imported 2, merged 0, skipped 1" in err


def test_xlsx_first_sheet_and_named_sheet(cli, db) -> None:
    imported(cli, "kehu.xlsx")
    got = people(cli)
    chen = got["陈静"]
    assert chen["phones"] == ["+8613805710001"]  # a number cell
    assert chen["qq"] == ["12345678"] and chen["tags"] == ["客户级别:A"]
    assert chen["birthday"] == "1980-03-15"  # a date cell
    assert chen["created_at"] == "2021-05-06T14:30:00.000000Z"
    assert got["刘洋"]["phones"] == ["+8613916220002"]  # a float cell: no ".0"
    assert got["王芳"]["birthday"] == "--05-12"
    imported(cli, "kehu.xlsx", "--sheet", "老客户")
    assert people(cli)["赵六"]["phones"] == ["+8613700137000"]
    missing = cli("import", FIXTURES / "kehu.xlsx", "--sheet", "nope")
    assert missing.code == 2 and "no sheet 'nope'" in missing.stderr and "'客户'" in missing.stderr


def test_xlsx_from_stdin(cli, db) -> None:
    import io
    import sys

    from custinfo.cli.main import run

    data = (FIXTURES / "kehu.xlsx").read_bytes()
    saved = sys.stdin  # bytes on stdin, as a pipe gives them
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="latin-1")
    try:
        assert run(["import", "-"]) == 0
    finally:
        sys.stdin = saved
    assert "陈静" in people(cli)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97-2003"),
        ("sheet.numbers", None, "Apple Numbers"),
        ("page.xls", b"<html><table><tr><td>x</td></tr></table></html>", "web page"),
    ],
)
def test_unreadable_workbooks_say_what_to_do(cli, db, tmp_path: Path, name, data, message) -> None:
    path = tmp_path / name
    if data is None:  # a .numbers file is a zip package with Index/ entries
        import zipfile

        with zipfile.ZipFile(path, "w") as package:
            package.writestr("Index/Document.iwa", b"\0")
    else:
        path.write_bytes(data)
    result = cli("import", path)
    assert result.code == 2
    assert message in result.stderr and ("xlsx" in result.stderr or "CSV" in result.stderr)
    assert "Traceback" not in result.stderr


def test_taobao_buyers(cli, db) -> None:
    err = imported(cli, "taobao.csv")
    assert "read 3, imported 2, merged 0, skipped 1" in err  # two orders of one buyer
    got = people(cli)
    zhou = got["周小明"]
    assert zhou["phones"] == ["+8613905710003"]  # the "'" Excel guard dropped
    assert zhou["city"] == "杭州市" and zhou["address"].startswith("浙江省 杭州市 余杭区")
    assert "订单编号: 1234567890123456" in zhou["notes"][0]["text"]  # ="…" unwrapped
    lily = got["李莉"]
    assert lily["phones"] == []  # a masked number is kept as note text, not stored
    assert "联系手机: 138****0004" in lily["notes"][0]["text"]


def test_map_resolves_the_conflicts_it_reports(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("客户名称,联系人,公司名称,手机\n某某公司,陈静,某某有限公司,13805710001\n")
    refused = cli("import", src)
    assert refused.code == 2
    assert "'客户名称', '公司名称' all map to company" in refused.stderr
    assert "--map COLUMN=company" in refused.stderr
    imported(cli, str(src), "--map", "客户名称=company")
    chen = people(cli)["陈静"]
    assert chen["company"] == "某某公司" and chen["notes"][0]["text"] == "公司名称: 某某有限公司"


def test_dry_run_prints_the_mapping_grouped(cli, db) -> None:
    result = cli("import", FIXTURES / "outlook.csv", "--dry-run")
    lines = result.stderr.splitlines()
    start = lines.index("mapping of 65 columns:")
    phones = next(line for line in lines[start:] if line.lstrip().startswith("phones"))
    assert "'Mobile Phone' (cell)" in phones and "'Business Phone' (work)" in phones
    assert any(line.lstrip().startswith("kept as notes") for line in lines[start:])
    assert "(dry run: nothing written)" in result.stderr
    assert people(cli) == {}
    quiet = cli("import", FIXTURES / "outlook.csv")  # not a terminal, not a dry run
    assert "mapping of" not in quiet.stderr
    person = cli("import", FIXTURES / "google_2023.csv", tty=True)  # a terminal: before it starts
    assert person.code == 0 and "mapping of 38 columns:" in person.stderr
    assert person.stderr.index("mapping of") < person.stderr.index("read 3")


def test_numbers_read_in_the_default_region_are_counted(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "us.csv"
    src.write_text("name,phone\nMary,(215) 555-0147\nBob,+1 215 555 0111\n")
    err = imported(cli, str(src))
    assert "1 number without a country code was read as CN numbers" in err
    assert people(cli)["Mary"]["phones"] == ["+862155550147"]  # what the summary says


def test_ambiguous_and_contradicting_date_orders(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_text("name,birthday\nA,4/5/1990\nB,6/7/1991\n")
    err = imported(cli, str(src), "--dry-run")
    assert "nothing in the first 2 rows tells: give --date-order dmy" in err
    imported(cli, str(src), "--date-order", "dmy")
    assert people(cli)["A"]["birthday"] == "1990-05-04"
    both = tmp_path / "both.csv"
    both.write_text("name,birthday\nC,13/5/1990\nD,5/13/1990\n")
    result = cli("import", both)
    assert result.code == 2 and "two day/month orders" in result.stderr


def test_vcard_named_with_format_and_a_broken_card(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "contacts.txt"
    shutil.copy(FIXTURES / "phone_40.vcf", src)
    imported(cli, str(src), "--format", "vcard")
    bad = tmp_path / "bad.vcf"
    bad.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ok Person\nTEL:13800138111\nEND:VCARD\n"
                   "BEGIN:VCARD\nVERSION:3.0\nFN:No End\n")  # fmt: skip
    result = cli("import", bad)
    assert result.code == 2 and "has no END:VCARD" in result.stderr


def test_import_modules_load_their_parsers_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys, custinfo.importer.engine, custinfo.export\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('vobject', 'openpyxl')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == ["[]"]


@pytest.mark.parametrize(
    ("raw", "order", "stored"),
    [("--04-22", None, "--04-22"), ("--0422", None, "--04-22"), ("1985-04-22", None, "1985-04-22"),
     ("0/0/00", "M/D/YYYY", None), ("4/22/1985", "M/D/YYYY", "1985-04-22"),
     ("22/4/1985", "D/M/YYYY", "1985-04-22"), ("2023/5/6", "M/D/YYYY", "2023-05-06"),
     ("1985年4月22日", "M/D/YYYY", "1985-04-22"), ("4月22日", "M/D/YYYY", "--04-22"),
     ("--02-29", None, "--02-29")],
)  # fmt: skip
def test_birthdays_as_files_write_them(raw: str, order: str | None, stored: str | None) -> None:
    from custinfo import validation

    assert validation.normalize_birthday(raw, order) == stored


@pytest.mark.parametrize(
    ("raw", "order", "reason"),
    [("31.01.1990", None, "expected a date as YYYY-MM-DD"), ("4/22/1985", None, "expected"),
     ("22/4/1985", "M/D/YYYY", "not a date in this file's order M/D/YYYY"),
     ("--02-30", None, "not a real date"), ("2999-01-01", None, "is in the future")],
)  # fmt: skip
def test_birthdays_that_are_refused(raw: str, order: str | None, reason: str) -> None:
    from custinfo import validation
    from custinfo.errors import ValidationError

    with pytest.raises(ValidationError, match=reason):
        validation.normalize_birthday(raw, order)


def test_year_less_birthdays_for_the_agenda_and_dedupe() -> None:
    from custinfo import dates

    assert dates.month_day("--04-22") == dates.month_day("1985-04-22") == (4, 22)
    assert dates.compare_birthdays("--04-22", "1985-04-22") == 0
    assert dates.compare_birthdays("--04-22", "1985-04-23") == -1
    assert dates.compare_birthdays("1985-04-22", "1985-04-22") == 1
