"""custinfo import at the CLI, with real files in tmp_path."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

HEADER_ZH = "姓名,手机,邮箱,公司,城市,备注\n"


def rows(cli, *args: str) -> list[dict]:
    out = cli.ok("export", "--format", "ndjson", *args)
    return [json.loads(line) for line in out.splitlines()]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_gbk_file_with_chinese_headers(cli, db, tmp_path: Path) -> None:
    text = (
        HEADER_ZH
        + "王小明,139 1234 5678,wxm@example.com,北京某某科技有限公司,北京,老客户，喜欢喝茶\n"
    )
    src = write(tmp_path / "客户.csv", text, "gbk")
    result = cli("import", src)
    assert result.code == 0, result.stderr
    assert "read 1, imported 1" in result.stderr
    [c] = rows(cli)
    assert c["name"] == "王小明"
    assert c["phones"] == ["+8613912345678"]
    assert c["company"] == "北京某某科技有限公司"
    assert c["notes"][0]["text"] == "老客户，喜欢喝茶"
    assert c["source"] == "import:客户.csv"


def test_forced_encoding(cli, db, tmp_path: Path) -> None:
    src = write(tmp_path / "a.csv", "name,phone\n张三,13800138000\n", "gb18030")
    cli.ok("import", src, "--encoding", "gbk")
    assert rows(cli)[0]["name"] == "张三"


def test_utf8_bom_and_crlf(cli, db, tmp_path: Path) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbfName,E-mail\r\nAnna Lee,Anna@Example.COM\r\n")
    cli.ok("import", src)
    [c] = rows(cli)
    assert c["name"] == "Anna Lee" and c["emails"] == ["Anna@example.com"]


def test_utf16_excel_unicode_text(cli, db, tmp_path: Path) -> None:
    src = write(tmp_path / "u16.txt", "姓名\t电话\n李四\t+86 138 0013 8000\n", "utf-16")
    cli.ok("import", src)
    assert rows(cli)[0]["phones"] == ["+8613800138000"]


def test_semicolon_and_tsv(cli, db, tmp_path: Path) -> None:
    write(tmp_path / "semi.csv", "name;phone;city\nA One;13800138001;Berlin, Mitte\n")
    write(tmp_path / "tabs.tsv", "name\tphone\nB Two\t13800138002\n")
    cli.ok("import", tmp_path / "semi.csv")
    cli.ok("import", tmp_path / "tabs.tsv", "--format", "tsv")
    got = {c["name"]: c for c in rows(cli)}
    assert got["A One"]["city"] == "Berlin, Mitte"
    assert got["B Two"]["phones"] == ["+8613800138002"]


def test_quoted_newlines_several_phone_columns_and_first_last(cli, db, tmp_path: Path) -> None:
    text = (
        "First Name,Last Name,Mobile,Work Phone,Notes,Tags\n"
        'Ada,Lovelace,13800138003,"+44 20 7946 0018","line one\nline two","vip, 批发"\n'
    )
    cli.ok("import", write(tmp_path / "q.csv", text))
    [c] = rows(cli)
    assert c["name"] == "Ada Lovelace"
    assert c["phones"] == ["+8613800138003", "+442079460018"]
    assert c["notes"][0]["text"] == "line one\nline two"
    assert sorted(c["tags"]) == ["vip", "批发"]


def test_unknown_columns_are_kept_as_a_note(cli, db, tmp_path: Path) -> None:
    result = cli("import", write(tmp_path / "x.csv", "name,鞋码,Shoe size\nZ,42,EU 42\n"))
    assert result.code == 0
    assert "'鞋码'" in result.stderr and "'Shoe size'" in result.stderr
    [c] = rows(cli)
    assert c["notes"][0]["text"] == "鞋码: 42\nShoe size: EU 42"


def test_map_overrides_and_ignore(cli, db, tmp_path: Path) -> None:
    src = write(tmp_path / "m.csv", "who,contact,junk\nKim,13800138004,zzz\n")
    cli.ok("import", src, "--map", "who=name", "--map", "contact=phone", "--map", "junk=ignore")
    [c] = rows(cli)
    assert (c["name"], c["phones"], c["notes"]) == ("Kim", ["+8613800138004"], [])


def test_no_name_column_is_a_usage_error(cli, db, tmp_path: Path) -> None:
    result = cli("import", write(tmp_path / "n.csv", "phone\n13800138000\n"))
    assert result.code == 2 and "no name column" in result.stderr


BROKEN = (
    "name,phone,email\n"
    "Good One,13800138010,good@example.com\n"
    "Bad Phone,123,\n"
    ",13800138011,\n"
    "Bad Mail,,not-an-email\n"
    '"Multi\nLine",13800138012\n'
    "Ragged,13800138013,r@example.com,extra\n"
    "Good Two,13800138014,\n"
)


def test_all_or_nothing_reports_every_bad_row(cli, db, tmp_path: Path) -> None:
    result = cli("import", write(tmp_path / "b.csv", BROKEN))
    assert result.code == 2
    err = result.stderr
    assert "line 3, column 'phone'" in err
    assert "line 4, column 'name'" in err
    assert "line 5, column 'email'" in err
    assert "line 6, column 'row'" in err  # the quoted newline: the record starts on line 6
    assert "line 8, column 'row'" in err
    assert "nothing imported" in err
    assert rows(cli) == []


def test_rejects_file(cli, db, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = cli("import", write(tmp_path / "b.csv", BROKEN), "--rejects", rejects)
    assert result.code == 0, result.stderr
    assert "imported 2" in result.stderr and "rejected 5" in result.stderr
    assert sorted(c["name"] for c in rows(cli)) == ["Good One", "Good Two"]
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,phone,email,error"
    assert lines[1].startswith("Bad Phone,123,,phone: ")
    # Fix and re-import: the error column is ignored.
    fixed = rejects.read_text(encoding="utf-8").replace("Bad Phone,123", "Bad Phone,13800138020")
    fixed_path = write(tmp_path / "fixed.csv", fixed)
    again = cli("import", fixed_path, "--rejects", tmp_path / "rejects2.csv")
    # Bad Phone is fixed; the short row was padded with empty cells, so it is valid now.
    assert "imported 2" in again.stderr and "rejected 3" in again.stderr
    assert {"Bad Phone", "Multi Line"} <= {c["name"] for c in rows(cli)}
    refused = cli("import", fixed_path, "--rejects", rejects)
    assert refused.code == 2 and "already exists" in refused.stderr


def test_dry_run_writes_nothing(cli, db, tmp_path: Path) -> None:
    src = write(tmp_path / "d.csv", "name,phone\nA,13800138030\nB,13800138030\n")
    result = cli("import", src, "--dry-run")
    assert result.code == 0
    assert "read 2, imported 1, merged 0, skipped 1, rejected 0 (dry run" in result.stderr
    assert rows(cli) == []
    bad = cli("import", write(tmp_path / "e.csv", BROKEN), "--dry-run", "--rejects", tmp_path / "r")
    assert bad.code == 0 and not (tmp_path / "r").exists()


def test_duplicate_policies(cli, db, tmp_path: Path) -> None:
    cli.ok("add", "-n", "Old Name", "-p", "13800138040", "--city", "上海", "-t", "old")
    text = (
        "name,phone,email,company,city,tags\n"
        "New Name,13800138040,new@example.com,ACME,北京,new\n"
        "In File,13800138041,,,,\n"
        "In File Again,13800138041,,,,\n"
    )
    src = write(tmp_path / "dup.csv", text)
    skipped = cli("import", src, "--dry-run")
    assert "imported 1, merged 0, skipped 2" in skipped.stderr
    merged = cli("import", src, "--on-duplicate", "merge")
    assert "imported 1, merged 2, skipped 0" in merged.stderr
    got = {c["name"]: c for c in rows(cli)}
    assert set(got) == {"Old Name", "In File"}
    old = got["Old Name"]
    assert old["emails"] == ["new@example.com"]
    assert old["company"] == "ACME" and old["city"] == "上海"  # filled, not overwritten
    assert sorted(old["tags"]) == ["new", "old"]
    cli.ok("import", src, "--on-duplicate", "add")
    assert len(rows(cli)) == 5


def test_stdin_csv_and_ndjson(cli, db) -> None:
    cli.ok("import", input="name,phone\nFrom Stdin,13800138050\n")
    cli.ok("import", "-", input='{"name": "J Son", "phones": ["13800138051"], "tags": ["a"]}\n')
    got = {c["name"]: c for c in rows(cli)}
    assert got["From Stdin"]["source"] == "import:stdin"
    assert got["J Son"]["tags"] == ["a"]


def test_json_array_and_bad_ndjson_line(cli, db, tmp_path: Path) -> None:
    src = write(
        tmp_path / "a.json", '[{"name": "One"},\n {"name": "Two", "email": "t@example.com"}]'
    )
    cli.ok("import", src)
    assert len(rows(cli)) == 2
    bad = write(tmp_path / "b.ndjson", '{"name": "Three"}\n{oops\n')
    result = cli("import", bad)
    assert result.code == 2 and "line 2" in result.stderr
    rejects = tmp_path / "rej.ndjson"
    cli.ok("import", bad, "--rejects", rejects)
    assert json.loads(rejects.read_text())["input"] == "{oops"


def test_audit_entry_has_no_values(cli, db, store, tmp_path: Path) -> None:
    text = "name,phone,city\nSecret Person,13800138060,\nOther One,13800138061,杭州\n"
    cli.ok("import", write(tmp_path / "a.csv", text))
    store.conn.execute("PRAGMA wal_checkpoint")
    command, count, fields, detail = store.conn.execute(
        "SELECT command, count, fields, detail FROM audit WHERE command = 'import'"
    ).fetchone()
    assert (command, count) == ("import", 2)
    assert json.loads(fields) == ["city", "name", "phones"]  # a field first seen on row 2
    assert "Secret" not in detail and "138" not in detail


@pytest.mark.parametrize("workers", [0, 2])
def test_parallel_validation_matches_sequential(db, store, tmp_path: Path, workers: int) -> None:
    """Large inputs are validated by worker processes; results and line numbers agree."""
    from custinfo.importer import ImportOptions, run_import
    from custinfo.importer.parallel import CHUNK

    lines = ["name,phone"] + [f"P{i},1380013{i % 10000:04d}" for i in range(int(CHUNK * 2.5))]
    lines[CHUNK + 7] = "Broken,12"
    data = ("\n".join(lines) + "\n").encode()
    src = tmp_path / "big.csv"
    src.write_bytes(data)
    options = ImportOptions(workers=workers, on_duplicate="add", dry_run=True)
    with src.open("rb") as stream:
        summary = run_import(store, stream, options)
    assert summary.read == int(CHUNK * 2.5)
    assert [p[0] for p in summary.problems] == [CHUNK + 8]
    assert store.count() == 0


def test_progress_bar_only_on_a_terminal() -> None:
    import io

    from custinfo.cli.cmd_import import _progress
    from custinfo.cli.output import Output
    from tests.conftest import TtyStringIO

    pipe = Output(stdout=io.StringIO(), stderr=io.StringIO())
    with _progress(pipe, 100) as update:
        assert update is None
    term = Output(stdout=io.StringIO(), stderr=TtyStringIO())
    with _progress(term, 100) as update:
        update(10, 50)
        update(20, 100)
    assert "rows/s" in term.stderr.getvalue()  # rows, rate and ETA (cmd_import.progress_line)


def test_real_process_stdin_gbk_round_trip(tmp_path: Path) -> None:
    from tests.conftest import PASSPHRASE, run_process

    env = {"CUSTINFO_DB": str(tmp_path / "c.db"), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    assert run_process("init", env=env).returncode == 0
    data = "姓名,手机,标签\n周八,13600136000,老客户\n".encode("gbk")
    done = run_process("import", "-", env=env, input=data)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b""
    assert "imported 1" in done.stderr.decode()
    out = run_process("export", "--format", "ndjson", env=env).stdout.decode("utf-8")
    record = json.loads(out)
    assert (record["name"], record["tags"], record["source"]) == (
        "周八",
        ["老客户"],
        "import:stdin",
    )


def test_short_gbk_file_with_english_headers(cli, db, tmp_path: Path) -> None:
    """Tiny GBK samples look Korean to statistical detection; they must still read as GBK."""
    src = write(tmp_path / "g.csv", "name,phone\n张三,13800138000\n李四,13900139000\n", "gbk")
    cli.ok("import", src)
    assert sorted(c["name"] for c in rows(cli)) == ["张三", "李四"]


def test_suppressed_contacts_are_refused_unless_allowed(cli, db, tmp_path: Path) -> None:
    erased = cli.ok("add", "-n", "Erased", "-p", "13800138070", "-e", "gone@example.com").strip()
    cli.ok("purge", erased, "--yes")
    text = (
        "name,phone,email\nBack Again,+86 138 0013 8070,\nOther,13800138071,\n"
        "Mail,,GONE@example.com\n"
    )
    src = write(tmp_path / "s.csv", text)
    refused = cli("import", src)
    assert refused.code == 2
    assert "line 2, column 'phone'" in refused.stderr and "suppressed" in refused.stderr
    assert "line 4, column 'email'" in refused.stderr
    rejects = tmp_path / "r.csv"
    result = cli("import", src, "--rejects", rejects)
    assert "imported 1" in result.stderr and "rejected 2" in result.stderr
    assert "suppressed" in rejects.read_text()
    cli.ok("import", src, "--allow-suppressed", "--on-duplicate", "add")
    assert len(rows(cli)) == 4
