"""custinfo export at the CLI: formats, files, --id, --excel, vCard."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

from custinfo.models import CUSTOMER_FIELDS


def add_two(cli) -> tuple[str, str]:
    first = cli.ok(
        "add", "-n", "王小明", "-p", "13912345678", "-p", "010-62345678 ext 23",
        "-e", "wxm@example.com", "--company", "=HYPERLINK(\"x\")", "--address", "朝阳区 1号",
        "--city", "北京", "--birthday", "1990-01-02", "-t", "vip", "-t", "a;b",
        "--note", "long note " + "很长的备注" * 20,
    ).strip()  # fmt: skip
    second = cli.ok("add", "-n", "Anna Lee", "-e", "anna@example.com").strip()
    return first, second


def test_csv_header_and_cells(cli, db) -> None:
    add_two(cli)
    out = cli.ok("export")
    table = list(csv.reader(io.StringIO(out)))
    assert tuple(table[0]) == CUSTOMER_FIELDS
    row = dict(zip(table[0], table[1], strict=True))
    assert row["phones"] == "+8613912345678;+861062345678 ext. 23"
    assert row["tags"] == "a\\;b;vip"
    assert row["company"] == '=HYPERLINK("x")'  # plain CSV is lossless: no neutralising


def test_json_and_ndjson_match_show(cli, db) -> None:
    first, _ = add_two(cli)
    shown = json.loads(cli.ok("show", first, "--format", "json"))
    assert shown.pop("next_followup") is None  # show's own last key (the agenda's view)
    lines = cli.ok("export", "--format", "ndjson").splitlines()
    exported = json.loads(lines[0])
    records = exported.pop("records")  # then the kinds show does not list, as subject has them
    assert exported == shown
    subject = json.loads(cli.ok("subject", first, "--format", "json"))
    assert records == subject["records"] and records["orders"] == []
    array = json.loads(cli.ok("export", "--format", "json"))
    assert array[0] == {**shown, "records": records} and len(array) == 2


def test_select_by_id(cli, db) -> None:
    first, second = add_two(cli)
    out = cli.ok("export", "--format", "ndjson", "--id", second, "--id", first, "--id", second)
    assert [json.loads(line)["id"] for line in out.splitlines()] == [int(second), int(first)]
    missing = cli("export", "--id", "12345")
    assert missing.code == 3


def test_output_file_is_private_and_not_overwritten(cli, db, tmp_path: Path) -> None:
    add_two(cli)
    target = tmp_path / "out.csv"
    cli.ok("export", "-o", target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    before = target.read_bytes()
    refused = cli("export", "-o", target, "--format", "json")
    assert refused.code == 2 and "--force" in refused.stderr
    assert target.read_bytes() == before
    cli.ok("export", "-o", target, "--format", "json", "--force")
    assert json.loads(target.read_text())[0]["name"] == "王小明"


def test_excel_bom_crlf_and_formula_rule(cli, db, tmp_path: Path) -> None:
    add_two(cli)
    target = tmp_path / "excel.csv"
    cli.ok("export", "--excel", "-o", target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,name,")
    assert b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = dict(zip(table[0], table[1], strict=True))
    assert row["company"] == '\'=HYPERLINK("x")'
    assert row["phones"] == "+8613912345678;+861062345678 ext. 23"  # phones stay intact
    assert cli("export", "--excel", "--format", "json").code == 2


def test_neutralize_rule() -> None:
    from custinfo.export.tabular import neutralize, unneutralize

    cases = {
        "=1+1": "'=1+1", "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0", "-2+3": "'-2+3",
        "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "+8613800138000": "+8613800138000",
        "-5": "-5", "'=x": "''=x", "'plain": "'plain", "plain": "plain", "": "",
    }  # fmt: skip
    for cell, expected in cases.items():
        assert neutralize(cell) == expected
        assert unneutralize(neutralize(cell)) == cell


def test_vcard(cli, db) -> None:
    add_two(cli)
    out = cli.ok("export", "--format", "vcard", "--vcard-version", "4.0")
    assert out.count("BEGIN:VCARD\r\n") == 2 and out.count("END:VCARD\r\n") == 2
    assert "\n" not in out.replace("\r\n", "")
    for line in out.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = out.replace("\r\n ", "")
    assert "VERSION:4.0\r\n" in unfolded
    assert "FN:王小明\r\n" in unfolded and "N:王;小明;;;\r\n" in unfolded
    assert "TEL;VALUE=uri;TYPE=cell;X-GUESSED=TRUE:tel:+8613912345678\r\n" in unfolded
    assert "TEL;VALUE=uri;TYPE=voice;X-GUESSED=TRUE:tel:+861062345678;ext=23\r\n" in unfolded
    assert "EMAIL:wxm@example.com\r\n" in unfolded
    assert 'ORG:=HYPERLINK("x")\r\n' in unfolded
    assert "ADR:;;朝阳区 1号;北京;;;\r\n" in unfolded
    assert "BDAY:19900102\r\n" in unfolded
    assert "CATEGORIES:a\\;b,vip\r\n" in unfolded
    assert "NOTE:" in unfolded and "很长的备注" * 20 in unfolded
    assert "N:Lee;Anna;;;\r\n" in unfolded


def test_vcard_fold_is_utf8_safe() -> None:
    from custinfo.export.vcard import fold

    line = "NOTE:" + "é好😀" * 40
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert folded.replace("\r\n ", "").removesuffix("\r\n") == line


def test_export_to_stdout_in_a_real_process(tmp_path: Path) -> None:
    from tests.conftest import PASSPHRASE, run_process

    env = {"CUSTINFO_DB": str(tmp_path / "c.db"), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    assert run_process("init", env=env).returncode == 0
    assert run_process("add", "-n", "张三", env=env).returncode == 0
    done = run_process("export", "--format", "csv", env=env)
    assert done.returncode == 0
    assert done.stdout.decode("utf-8").splitlines()[1].startswith("1,张三,")


def test_find_filters_select_what_is_exported(cli, db) -> None:
    add_two(cli)
    cli.ok("add", "-n", "Bob Vip", "-t", "vip", "--city", "Berlin")
    by_tag = [
        json.loads(x)["name"] for x in cli.ok("export", "-f", "ndjson", "--tag", "vip").splitlines()
    ]
    assert sorted(by_tag) == ["Bob Vip", "王小明"]
    by_city = cli.ok("export", "-f", "ndjson", "--city", "berlin").splitlines()
    assert [json.loads(x)["name"] for x in by_city] == ["Bob Vip"]
    by_text = cli.ok("export", "Anna").splitlines()
    assert len(by_text) == 2 and by_text[1].split(",")[1] == "Anna Lee"
    assert cli.ok("export", "--tag", "nobody-has-this").splitlines() == [",".join(CUSTOMER_FIELDS)]
    assert cli("export", "--id", "1", "--tag", "vip").code == 2
