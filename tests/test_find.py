"""find at the CLI: formats, pipes vs terminal, matching rules, ranking, limit, sort."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import PASSPHRASE, run_process

ROWS = [
    ("王小明", ["139 1234 5678"], ["Xiaoming.Wang@Example.COM"], "上海", "明辉贸易有限公司",
     ["VIP"], "首次到店，对新品感兴趣"),
    ("张伟", ["13800138000"], ["zhang.wei@qq.com"], "北京", None, ["VIP", "wholesale"], None),
    ("张伟明", ["+86 21 6234 5678"], [], "上海市", None, ["潜在客户"], None),
    ("李明", [], ["li.ming@example.com"], "杭州", "张伟贸易", [], None),
    ("John Smith", ["+1 415 555 0123"], ["john@smith.example"], "Boston", "Acme Ltd",
     ["wholesale"], "Prefers email"),
    ("Smithers Jones", [], [], "London", None, [], "met John at the fair"),
    ("Anna Goldsmith", [], ["anna@example.com"], "Zürich", None, ["vip"], None),
]  # fmt: skip


@pytest.fixture(scope="module")
def people_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The small database, built once per module through the CLI: (path, name -> id)."""
    from tests.conftest import ENV_NAMES, CliRunner

    path = tmp_path_factory.mktemp("people") / "customers.db"
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_NAMES:
            mp.delenv(name, raising=False)
        mp.setenv("CUSTINFO_DB", str(path))
        mp.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
        cli = CliRunner(path)
        cli.ok("init", "--region", "CN")
        ids = {}
        for name, phones, emails, city, company, tags, note in ROWS:
            args = ["add", "--name", name, "--city", city]
            for p in phones:
                args += ["--phone", p]
            for e in emails:
                args += ["--email", e]
            for t in tags:
                args += ["--tag", t]
            if company:
                args += ["--company", company]
            if note:
                args += ["--note", note]
            ids[name] = int(cli.ok(*args, "--allow-duplicate").strip())
    return path, ids


@pytest.fixture
def people(cli, people_template):  # type: ignore[no-untyped-def]
    """A copy of the small database at the test's own path; returns name -> id."""
    import shutil

    path, ids = people_template
    shutil.copy(path, cli.db)
    return dict(ids)


def find_ids(cli, *args: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(line) for line in cli.ok("find", *args, "--format", "ids").split()]


def test_pipe_gets_csv_with_header_and_joined_multi_values(cli, people):
    out = cli.ok("find", "VIP-never-matches-anything-x") + cli.ok("find", "--tag", "vip")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["id", "name", "phones"]
    # First the header alone (no match), then the header and the two VIPs with joined tags.
    assert rows[1] == rows[0]
    by_name = {r[1]: r for r in rows[2:]}
    assert set(by_name) == {"王小明", "张伟", "Anna Goldsmith"}
    assert by_name["张伟"][8] == "VIP;wholesale"


def test_terminal_gets_table_and_no_match_is_empty_exit_0(cli, people):
    out = cli.ok("find", "小明", tty=True)
    assert "王小明" in out and "┃" in out  # a Rich table
    result = cli("find", "没有这个人", tty=True)
    assert result.code == 0 and result.stdout == "" and "no customer matched" in result.stderr
    for fmt, expected in (("ids", ""), ("ndjson", ""), ("json", "[]\n")):
        assert cli.ok("find", "没有这个人", "--format", fmt) == expected


def test_terminal_pages_but_pipe_gets_everything(cli, db, store):
    from custinfo import validation

    for i in range(60):
        store.add(validation.customer_input(name=f"Pager Person {i:02d}", region="CN"))
    tty = cli("find", "pager", "--format", "ids", tty=True)
    assert len(tty.stdout.split()) == 50
    assert "10 more matched" in tty.stderr
    assert len(cli.ok("find", "pager", "--format", "ids").split()) == 60
    limited = cli("find", "pager", "--format", "ids", "--limit", "55", tty=True)
    assert len(limited.stdout.split()) == 55 and "more matched" not in limited.stderr


def test_json_and_ndjson(cli, people):
    records = json.loads(cli.ok("find", "smith", "--format", "json"))
    assert [r["name"] for r in records] == ["Smithers Jones", "John Smith", "Anna Goldsmith"]
    lines = cli.ok("find", "smith", "--format", "ndjson").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in records]


def test_chinese_two_character_queries(cli, people):
    assert set(find_ids(cli, "张伟")) == {people["张伟"], people["张伟明"], people["李明"]}
    assert set(find_ids(cli, "上海")) == {people["王小明"], people["张伟明"]}
    assert find_ids(cli, "小明") == [people["王小明"]]
    assert find_ids(cli, "新品") == [people["王小明"]]  # a word from a note


def test_ranking_exact_then_prefix_then_elsewhere(cli, people):
    # 张伟 exactly, then 张伟明 (prefix), then 李明 (company 张伟贸易).
    assert find_ids(cli, "张伟") == [people["张伟"], people["张伟明"], people["李明"]]
    # A name starting with the query ranks first; every other match follows in id order.
    assert find_ids(cli, "smith") == [people["Smithers Jones"], people["John Smith"],
                                      people["Anna Goldsmith"]]  # fmt: skip
    assert find_ids(cli, "john smith")[0] == people["John Smith"]


def test_several_words_must_all_match(cli, people):
    assert find_ids(cli, "john smith") == [people["John Smith"], people["Smithers Jones"]]
    assert find_ids(cli, "john boston") == [people["John Smith"]]
    assert find_ids(cli, "john nowhere") == []


def test_case_insensitive_latin_and_diacritics_kept(cli, people):
    assert find_ids(cli, "SMITH") == find_ids(cli, "smith")
    assert find_ids(cli, "zürich") == [people["Anna Goldsmith"]]
    assert find_ids(cli, "ZÜRICH") == [people["Anna Goldsmith"]]


@pytest.mark.parametrize("typed", ["138 0013 8000", "+86 138-0013-8000", "8613800138000"])
def test_phone_typed_three_ways(cli, people, typed):
    assert find_ids(cli, typed) == [people["张伟"]]
    assert find_ids(cli, "--phone", typed) == [people["张伟"]]


def test_phone_suffix(cli, people):
    assert set(find_ids(cli, "--phone", "5678")) == {people["王小明"], people["张伟明"]}
    assert find_ids(cli, "8000") == [people["张伟"]]
    result = cli("find", "--phone", "12")
    assert result.code == 2 and "4" in result.stderr


def test_email_exact_case_insensitive_and_domain(cli, people):
    assert find_ids(cli, "XIAOMING.wang@example.com") == [people["王小明"]]
    assert find_ids(cli, "--email", "@example.com") == [people["王小明"], people["李明"],
                                                         people["Anna Goldsmith"]]  # fmt: skip
    assert find_ids(cli, "--email", "@EXAMPLE.com", "--city", "上海") == [people["王小明"]]
    assert find_ids(cli, "--email", "john@") == [people["John Smith"]]


def test_tag_filters_all_any_not(cli, people):
    assert set(find_ids(cli, "--tag", "vip")) == {people["王小明"], people["张伟"],
                                                  people["Anna Goldsmith"]}  # fmt: skip
    assert find_ids(cli, "--tag", "VIP", "--tag", "Wholesale") == [people["张伟"]]
    assert set(find_ids(cli, "--any-tag", "潜在客户", "--any-tag", "wholesale")) == {
        people["张伟"], people["张伟明"], people["John Smith"]}  # fmt: skip
    assert set(find_ids(cli, "--tag", "vip", "--not-tag", "wholesale")) == {
        people["王小明"], people["Anna Goldsmith"]}  # fmt: skip
    assert find_ids(cli, "--tag", "no-such-tag") == []
    assert find_ids(cli, "张伟", "--not-tag", "vip") == [people["张伟明"], people["李明"]]


def test_city_company_and_dates(cli, people):
    assert set(find_ids(cli, "--city", "上海")) == {people["王小明"], people["张伟明"]}
    assert find_ids(cli, "--company", "贸易", "--city", "杭州") == [people["李明"]]
    assert find_ids(cli, "--company", "acme") == [people["John Smith"]]
    assert len(find_ids(cli, "--added-since", "2000-01-01")) == len(people)
    assert find_ids(cli, "--updated-since", "2999-01-01") == []
    result = cli("find", "--added-since", "yesterday")
    assert result.code == 2 and "YYYY-MM-DD" in result.stderr


def test_limit_and_sort(cli, people):
    everyone = find_ids(cli)
    assert everyone == sorted(people.values())
    assert find_ids(cli, "--limit", "2") == everyone[:2]
    by_name = find_ids(cli, "--sort", "name")
    assert by_name[0] == people["Anna Goldsmith"]
    assert find_ids(cli, "--sort", "created")[0] == max(people.values())
    cli.ok("note", str(people["李明"]), "called back")
    assert find_ids(cli, "--sort", "updated")[0] == people["李明"]
    assert cli("find", "--limit", "0").code == 2
    assert cli("find", "--sort", "bogus").code == 2


def test_find_ids_pipe_into_tag_add(cli, people):
    ids = cli.ok("find", "--city", "上海", "--format", "ids")
    cli.ok("tag", "add", "shanghai", input=ids)
    assert set(find_ids(cli, "--tag", "SHANGHAI")) == {people["王小明"], people["张伟明"]}


def test_edit_keeps_index_in_step(cli, people):
    cid = str(people["John Smith"])
    cli.ok("edit", cid, "--name", "Johann Schmidt", "--add-phone", "+1 415 555 0199")
    assert find_ids(cli, "smith") == [people["Smithers Jones"], people["Anna Goldsmith"]]
    assert find_ids(cli, "schmidt") == [int(cid)]
    assert find_ids(cli, "--phone", "0199") == [int(cid)]


def test_real_process_pipe(db, tmp_path):
    env = {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    added = run_process("add", "--name", "管道测试", env=env)
    assert added.returncode == 0
    found = run_process("find", "管道", env=env)
    assert found.returncode == 0
    assert found.stdout.decode().splitlines()[1].startswith(added.stdout.decode().strip() + ",")


def test_find_help_is_fast_to_import():
    """The CLI module keeps heavy imports inside the command."""
    import subprocess
    import sys

    code = (
        "import sys, custinfo.cli.cmd_find, custinfo.cli.cmd_tag;"
        "bad = [m for m in ('sqlcipher3', 'phonenumbers', 'rich.table') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
