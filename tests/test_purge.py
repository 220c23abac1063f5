"""purge, suppression, the audit tombstone, the journal and the subject report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from custinfo.errors import UsageError
from custinfo.privacy import journal, purge, suppression
from tests.conftest import PASSPHRASE


def _add(cli, name: str, *extra: str) -> int:
    return int(cli.ok("add", "--name", name, *extra).strip())


def _ids(db: Path) -> list[int]:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return [r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id")]


def _sql(db: Path, sql: str, params=()) -> list[tuple]:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store, store.db.transaction() as conn:
        return list(conn.execute(sql, params))


def test_purge_by_id_erases_everything_and_leaves_a_tombstone(cli, db: Path) -> None:
    a = _add(cli, "张三", "--phone", "13800138000", "--email", "a@example.com", "--tag", "VIP",
             "--note", "likes tea")  # fmt: skip
    b = _add(cli, "Bob", "--phone", "13900139000", "--tag", "VIP")
    cli.ok("note", str(a), "second note")
    plan = cli.ok("purge", str(a), "--dry-run")
    assert "1 phone, 1 email, 2 notes, 1 tag, 2 audit links" in plan  # plural()
    assert plan.startswith("would purge 1 customer (8 rows:")
    out = cli.ok("purge", str(a), "--yes", "--reason", "GDPR request #12")
    assert out.startswith("purged 1 customer (8 rows); purge id ")
    assert _ids(db) == [b]
    for table in ("phones", "emails", "notes", "customer_tags"):
        rows = _sql(db, f"SELECT count(*) FROM {table} WHERE customer_id = ?", (a,))
        assert rows == [(0,)], table
    assert _sql(db, "SELECT count(*) FROM audit_customers WHERE customer_id = ?", (a,)) == [(0,)]
    (tomb,) = _sql(db, "SELECT command, count, fields, detail FROM audit WHERE command='purge'")
    assert tomb[1] == 1 and tomb[2] == "[]"
    detail = json.loads(tomb[3])
    assert set(detail) == {"purge", "reason"} and detail["reason"] == "GDPR request #12"
    (log,) = _sql(db, "SELECT uid, count, reason FROM purge_log")
    assert log[0] == detail["purge"] and log[1] == 1
    assert cli.ok("check").strip() == "ok"
    assert cli("show", str(a)).code == 3


def test_unknown_id_is_exit_3_and_nothing_changes(cli, db: Path) -> None:
    a = _add(cli, "A")
    result = cli("purge", str(a), "999", "--yes")
    assert result.code == 3 and "999" in result.stderr
    assert _ids(db) == [a]


def test_dry_run_counts_and_changes_nothing(cli, db: Path) -> None:
    a = _add(cli, "A", "--phone", "13800138000", "--note", "n")
    out = cli.ok("purge", str(a), "--dry-run")
    assert out.startswith("would purge 1 customer (4 rows: 1 phone, 0 emails, 1 note,")
    assert _ids(db) == [a]


def test_confirmation_on_a_terminal_and_refusal_in_a_pipe(cli, db: Path) -> None:
    a = _add(cli, "A")
    refused = cli("purge", str(a))
    assert refused.code == 2 and "--yes" in refused.stderr
    declined = cli("purge", str(a), tty=True, input="n\n")
    assert declined.code == 1 and "1 customer" in declined.stderr
    assert _ids(db) == [a]
    cli.ok("purge", str(a), tty=True, input="y\n")
    assert _ids(db) == []


def test_selection_needs_exactly_one_kind(cli, db: Path) -> None:
    assert cli("purge", "--yes").code == 2
    assert cli("purge", "1", "--tag", "x", "--yes").code == 2
    assert cli("purge", "--older-than", "3 weeks", "--yes").code == 2


def test_older_than_uses_last_activity(cli, db: Path) -> None:
    old = _add(cli, "Old")
    noted = _add(cli, "Old but noted recently")
    edited = _add(cli, "Old but edited")
    fresh = _add(cli, "Fresh")
    long_ago = "2020-01-01T00:00:00.000000Z"
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store, store.db.transaction() as conn:
        conn.execute(
            "UPDATE customers SET created_at = ?, updated_at = ? WHERE id IN (?, ?, ?)",
            (long_ago, long_ago, old, noted, edited),
        )
        conn.execute(
            "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, 'old')", (noted, long_ago)
        )
        conn.execute(
            "INSERT INTO notes(customer_id, at, text) VALUES (?, ?, 'recent')",
            (noted, "2099-01-01T00:00:00.000000Z"),
        )
    cli.ok("edit", str(edited), "--city", "北京")
    out = cli.ok("purge", "--older-than", "3y", "--dry-run")
    assert out.startswith("would purge 1 customer")
    cli.ok("purge", "--older-than", "3y", "--yes")
    assert _ids(db) == [noted, edited, fresh]
    (reason,) = _sql(db, "SELECT reason FROM purge_log")
    assert reason == ("inactive 3y",)


def test_tag_selection_and_intersection(cli, db: Path) -> None:
    a = _add(cli, "A", "--tag", "lead")
    b = _add(cli, "B", "--tag", "Lead")
    c = _add(cli, "C", "--tag", "vip")
    assert cli.ok("purge", "--tag", "nosuch", "--yes") == ""
    cli.ok("purge", "--tag", "LEAD", "--older-than", "1d", "--yes")  # nobody is a day old
    assert _ids(db) == [a, b, c]
    cli.ok("purge", "--tag", "LEAD", "--yes")
    assert _ids(db) == [c]


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("3y", "2023-02-28T12:00:00.000000Z"),
        ("18m", "2024-08-28T12:00:00.000000Z"),
        ("90d", "2025-11-30T12:00:00.000000Z"),
        ("1M", "2026-01-28T12:00:00.000000Z"),
    ],
)
def test_cutoff(duration: str, expected: str) -> None:
    assert purge.cutoff(duration, datetime(2026, 2, 28, 12, tzinfo=UTC)) == expected


def test_cutoff_clamps_month_ends_and_rejects_garbage() -> None:
    now = datetime(2024, 3, 31, tzinfo=UTC)
    assert purge.cutoff("1m", now).startswith("2024-02-29T")
    for bad in ("", "3", "y", "3w", "-1y", "99999y"):
        with pytest.raises(UsageError):
            purge.cutoff(bad, now)


def test_suppression_refuses_re_adding_unless_allowed(cli, db: Path) -> None:
    a = _add(cli, "A", "--phone", "138 0013 8000", "--email", "Zhang.Wei@Example.com")
    cli.ok("purge", str(a), "--yes")
    assert cli.ok("suppress", "list") == "kind,count\nphones,1\nemails,1\n"
    assert json.loads(cli.ok("suppress", "list", "--format", "json")) == {"phones": 1, "emails": 1}
    refused = cli("add", "--name", "A again", "--phone", "+86 138-0013-8000")
    assert refused.code == 2 and "suppressed" in refused.stderr
    assert "--allow-suppressed" in refused.stderr
    refused = cli("add", "--name", "A again", "--email", "zhang.wei@EXAMPLE.com")
    assert refused.code == 2 and "suppressed" in refused.stderr
    assert cli.ok("suppress", "matches") == ""
    new = _add(cli, "A again", "--email", "zhang.wei@example.com", "--allow-suppressed")
    assert cli.ok("suppress", "matches").split() == [str(new)]
    other = _add(cli, "Someone else", "--phone", "13900139000")  # unrelated contacts pass
    refused = cli("edit", str(other), "--add-phone", "138 0013 8000")
    assert refused.code == 2 and "suppressed" in refused.stderr
    cli.ok("edit", str(other), "--add-phone", "138 0013 8000", "--allow-suppressed")


def test_no_suppress_keeps_nothing(cli, db: Path) -> None:
    a = _add(cli, "A", "--phone", "13800138000")
    cli.ok("purge", str(a), "--yes", "--no-suppress")
    assert json.loads(cli.ok("suppress", "list", "--format", "json")) == {"phones": 0, "emails": 0}
    _add(cli, "A again", "--phone", "13800138000")
    entry = journal.read_journal(Path(f"{db}.purge-journal")).entries[0]
    assert entry["ids"] == [a] and entry["hmacs"] == []


def test_checker_is_usable_per_row_by_bulk_loaders(store, cli) -> None:
    from custinfo import validation

    a = _add(cli, "A", "--phone", "13800138000")
    cli.ok("purge", str(a), "--yes")
    store.conn.execute("SELECT 1").fetchall()
    checker = suppression.Checker(store.conn)
    row = validation.customer_input(region="CN", name="x", phones=["13800138000"])
    assert checker.refusal(row.phones, row.emails) is not None
    ok = validation.customer_input(region="CN", name="y", phones=["13900139000"])
    assert checker.refusal(ok.phones, ok.emails) is None


def test_journal_holds_ids_and_hmacs_only_and_survives_a_torn_line(cli, db: Path) -> None:
    a = _add(cli, "Secret Name", "--phone", "13800138000", "--email", "secret@example.com")
    b = _add(cli, "B")
    cli.ok("purge", str(a), "--yes")
    path = Path(f"{db}.purge-journal")
    assert path.stat().st_mode & 0o777 == 0o600
    raw = path.read_bytes()
    for value in (b"Secret", b"13800138000", b"secret@"):
        assert value not in raw
    with open(path, "ab") as handle:
        handle.write(b'{"v":1,"uid":"torn')  # a crash mid-append
    cli.ok("purge", str(b), "--yes")
    read = journal.read_journal(path)
    assert [e["ids"] for e in read.entries] == [[a], [b]]
    assert read.damage == [] and read.torn == ""  # the remnant is declared by the next line


def test_subject_report_lists_fields_notes_and_audit(cli, db: Path) -> None:
    a = _add(cli, "王小明", "--phone", "13800138000", "--tag", "VIP", "--note", "首次到店")
    cli.ok("edit", str(a), "--city", "上海")
    report = json.loads(cli.ok("subject", str(a), "--format", "json"))
    assert report["customer"]["name"] == "王小明"
    assert report["customer"]["tags"] == ["VIP"]
    assert report["customer"]["notes"][0]["text"] == "首次到店"
    assert report["customer"]["source"] == "manual"
    assert [e["command"] for e in report["audit_events"]] == ["add", "edit"]
    table = cli.ok("subject", str(a))
    assert "王小明" in table and "edit" in table
    assert cli("subject", "999").code == 3
    cli.ok("purge", str(a), "--yes")
    assert cli("subject", str(a)).code == 3


def test_subject_of_a_merged_id_describes_one_person(cli, db: Path) -> None:
    """The id is resolved once; the events of every id merged into the person are listed."""
    keep = _add(cli, "李雷", "--phone", "13800138011")
    old = _add(cli, "Li Lei", "--email", "lilei@example.com")
    older = _add(cli, "LI, Lei", "--city", "北京")
    cli.ok("edit", str(old), "--company", "ACME")
    cli.ok("merge", str(old), str(older), "--yes")  # older → old
    cli.ok("merge", str(keep), str(old), "--yes")  # old (with older inside) → keep
    for asked in (keep, old, older):
        result = cli("subject", str(asked), "--format", "json")
        assert result.code == 0
        report = json.loads(result.stdout)
        assert report["customer"]["id"] == keep
        assert report["requested_id"] == asked
        assert sorted(report["merged_ids"]) == sorted([old, older])
        commands = [e["command"] for e in report["audit_events"]]
        assert commands == ["add", "add", "add", "edit", "merge", "merge"]
        assert [m["merged_ids"] for m in report["merges"]] == [[older], [old]]
    assert "merged into this customer" in cli.ok("subject", str(keep))


def test_import_refuses_suppressed_contacts(cli, db: Path, tmp_path: Path) -> None:
    a = _add(cli, "A", "--phone", "13800138000", "--email", "gone@example.com")
    cli.ok("purge", str(a), "--yes")
    data = tmp_path / "in.csv"
    data.write_text("name,phone,email\nB,13900139000,\nA again,,GONE@example.com\n")
    refused = cli("import", str(data))
    assert refused.code == 2 and "suppressed" in refused.stderr
    assert "--allow-suppressed" in refused.stderr
    assert _ids(db) == []
    cli.ok("import", str(data), "--rejects", str(tmp_path / "rejects.csv"))
    assert len(_ids(db)) == 1
    assert "suppressed" in (tmp_path / "rejects.csv").read_text()
    cli.ok("import", str(data), "--allow-suppressed", "--on-duplicate", "skip")
    assert len(_ids(db)) == 2


def test_purging_a_merged_customer_erases_the_absorbed_ids_too(cli, db: Path) -> None:
    keep = _add(cli, "Zhang Wei", "--phone", "13800138000")
    other = _add(cli, "张伟", "--email", "zw@example.com")
    cli.ok("merge", str(keep), str(other), "--yes")
    refused = cli("purge", str(other), "--yes")
    assert refused.code == 3
    assert f"customer {other} was merged into {keep}: purge {keep}" in refused.stderr
    cli.ok("purge", str(keep), "--yes")
    linked = {r[0] for r in _sql(db, "SELECT customer_id FROM audit_customers")}
    assert not linked & {keep, other}
    assert _sql(db, "SELECT count(*) FROM merges") == [(0,)]
    (entry,) = journal.read_journal(journal.journal_path(db)).entries
    assert entry["ids"] == sorted([keep, other])  # a pre-merge backup loses both on restore
