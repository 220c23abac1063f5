"""merge / unmerge: lossless, exactly reversible, ids redirect, history erased with the kept."""

from __future__ import annotations

import json

import pytest


def _add(cli, *args: str) -> int:
    return int(cli.ok("add", "--allow-duplicate", *args).strip())


def _show(cli, cid: int) -> dict:
    return json.loads(cli.ok("show", str(cid), "--format", "json"))


@pytest.fixture
def three(cli, db):
    a = _add(cli, "--name", "张伟", "--phone", "138 0013 8000", "--email", "zhang.wei@example.com",
             "--company", "ACME Ltd", "--tag", "VIP", "--note", "first visit")  # fmt: skip
    cli.ok("note", str(a), "called back")
    b = _add(cli, "--name", "Zhang Wei", "--phone", "+86 139 1234 5678", "--email",
             "Zhang.Wei@Example.com", "--email", "zw@work.cn", "--company", "Acme Trading",
             "--city", "上海", "--birthday", "1980-02-03", "--tag", "Gold", "--note",
             "prefers email")  # fmt: skip
    c = _add(cli, "--name", "WEI Zhang", "--address", "上海市浦东新区张江路100号", "--tag", "vip",
             "--note", "met at fair")  # fmt: skip
    return a, b, c


def test_merge_is_lossless(cli, three):
    a, b, c = three
    before = {cid: _show(cli, cid) for cid in three}
    result = cli("merge", str(a), str(b), str(c), "--yes")
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == str(a)
    after = _show(cli, a)
    for cid, old in before.items():
        for phone in old["phones"]:
            assert phone in after["phones"]
        keys = {e.casefold() for e in after["emails"]}
        for email in old["emails"]:
            assert email.casefold() in keys
        for tag in old["tags"]:
            assert tag.casefold() in {t.casefold() for t in after["tags"]}
        for note in old["notes"]:
            assert note in after["notes"], "notes keep their original timestamps"
        texts = "\n".join(n["text"] for n in after["notes"])
        for field in ("name", "company", "address", "city", "birthday"):
            value = old[field]
            if value and value != after[field]:
                assert f"merged from #{cid}: {field} = {value}" in texts
    assert after["name"] == "张伟" and after["company"] == "ACME Ltd"
    assert after["city"] == "上海" and after["birthday"] == "1980-02-03"  # filled from others
    assert after["address"] == "上海市浦东新区张江路100号"
    assert f"merged from #{b}: email = {before[b]['emails'][0]}" in texts
    assert len(after["tags"]) == 2  # VIP and vip are one tag


def test_unmerge_restores_exact_records(cli, three):
    a, b, c = three
    before = {cid: _show(cli, cid) for cid in three}
    cli.ok("merge", str(a), str(b), str(c), "--yes")
    out = cli.ok("unmerge", str(a))
    assert out.split() == [str(b), str(c)]
    for cid in three:
        assert _show(cli, cid) == before[cid]
    assert cli("unmerge", str(a)).code == 2  # nothing left to undo


def test_old_id_redirects(cli, three):
    a, b, _ = three
    cli.ok("merge", str(a), str(b), "--yes")
    result = cli("show", str(b), "--format", "json")
    assert result.code == 0
    assert f"customer {b} was merged into {a}" in result.stderr
    assert json.loads(result.stdout)["id"] == a
    cli.ok("note", str(b), "added through the old id")
    assert any(n["text"] == "added through the old id" for n in _show(cli, a)["notes"])
    assert cli("show", "999").code == 3


def test_merge_refusals(cli, three):
    a, b, _ = three
    assert cli("merge", str(a), str(b)).code == 2  # no terminal, no --yes
    assert cli("merge", str(a), str(a), "--yes").code == 2
    assert cli("merge", str(a), "999", "--yes").code == 3
    cli.ok("merge", str(a), str(b), "--yes")
    assert cli("merge", str(a), str(b), "--yes").code == 2  # already merged


def test_merge_confirmation_on_terminal(cli, three, monkeypatch):
    from custinfo.cli import terminal

    a, b, _ = three
    monkeypatch.setattr(terminal, "person_present", lambda: True)
    assert cli("merge", str(a), str(b), input="n\n", tty=True).code == 1
    assert _show(cli, b)["id"] == b
    cli.ok("merge", str(a), str(b), input="y\n", tty=True)
    assert _show(cli, b)["id"] == a


def test_nested_merges_unwind(cli, three):
    a, b, c = three
    before = {cid: _show(cli, cid) for cid in three}
    cli.ok("merge", str(a), str(b), "--yes")
    cli.ok("merge", str(c), str(a), "--yes")
    assert _show(cli, b)["id"] == c
    cli.ok("unmerge", str(c))
    assert _show(cli, b)["id"] == a  # the redirect follows a back
    cli.ok("unmerge", str(a))
    for cid in three:
        assert _show(cli, cid) == before[cid]


def test_history_erased_with_kept_customer(cli, three, store):
    a, b, _ = three
    cli.ok("merge", str(a), str(b), "--yes")
    conn = store.conn
    assert conn.execute("SELECT count(*) FROM merges").fetchone()[0] == 1
    with store.write("test") as w:
        w.erase([a])
    assert conn.execute("SELECT count(*) FROM merges").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM merged_ids").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM dedupe_keys").fetchone()[0] > 0  # c's keys


def test_merge_audited_without_values(cli, three, store):
    from custinfo.store import audit

    a, b, _ = three
    cli.ok("merge", str(a), str(b), "--yes")
    entry = audit.entries_for(store.conn, [b])[-1]
    assert entry["command"] == "merge" and entry["count"] == 2
    assert "phones" in entry["fields"] and "notes" in entry["fields"]
    assert "Zhang" not in json.dumps(entry)
