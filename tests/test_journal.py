"""The purge journal, format 2 (issue 11, break 3): damage is reported, never skipped.

Before the fix `read_journal` skipped every line it could not parse, so a journal replaced by
an export, truncated or filled with garbage re-applied nothing on restore, without a word,
and the erased person came back.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo import backup, dbfiles
from custinfo.privacy import journal
from tests.conftest import PASSPHRASE

KEY = secrets.token_bytes(32)
DB_UID = "d" * 64


def _entry(ids: list[int], n: int = 0) -> dict:
    return {"uid": f"{n:016x}", "at": f"2026-01-0{n % 9 + 1}T00:00:00.000000Z",
            "db_uid": DB_UID, "reason": "删除请求", "ids": ids,
            "hmacs": [[f"{i:064x}", "phone"] for i in ids]}  # fmt: skip


def _write(path: Path, *entries: dict) -> None:
    for entry in entries:
        journal.append_journal(path, entry, KEY)


def _read(path: Path) -> journal.Journal:
    return journal.read_journal(path, {DB_UID: KEY})


def test_round_trip_in_parts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(journal, "PART_IDS", 3)
    path = tmp_path / "j"
    _write(path, _entry([1, 2, 3, 4, 5, 6, 7], 1), _entry([9], 2))
    assert len(path.read_bytes().splitlines()) == 4  # 3 parts + 1
    read = _read(path)
    assert read.damage == [] and read.torn == "" and read.unverified == 0
    assert [(e["uid"], e["ids"], e["complete"]) for e in read.entries] == [
        (f"{1:016x}", [1, 2, 3, 4, 5, 6, 7], True), (f"{2:016x}", [9], True)
    ]  # fmt: skip
    assert read.entries[0]["hmacs"][6] == [f"{7:064x}", "phone"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_old_format_journals_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "j"
    old = [{"v": 1, **_entry([4], 1)}, {"v": 1, **_entry([5, 6], 2)}]
    path.write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in old))
    read = _read(path)
    assert read.damage == [] and read.legacy == 2
    assert [e["ids"] for e in read.entries] == [[4], [5, 6]]
    _write(path, _entry([7], 3))  # the first new-format line covers the old ones too
    assert [e["ids"] for e in _read(path).entries] == [[4], [5, 6], [7]]
    with open(path, "ab") as handle:  # an old-format line after it: not written by custinfo
        handle.write(json.dumps({"v": 1, **_entry(list(range(1, 99)), 4)}).encode() + b"\n")
    read = _read(path)
    assert read.damage == ["line 4 is in the old format after new-format entries"]
    assert len(read.entries) == 3


def _tampered(path: Path, how: str) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    if how == "changed id":
        lines[1] = lines[1].replace(b'"ids":[2]', b'"ids":[3]')
    elif how == "removed line":
        del lines[1]
    elif how == "reordered":
        lines[0], lines[1] = lines[1], lines[0]
    elif how == "garbage line":
        lines.insert(1, b"not json\n")
    elif how == "forged line":
        forged = json.loads(lines[2])
        forged.update(uid="f" * 16, ids=list(range(1, 1000)))
        lines.append(json.dumps(forged).encode() + b"\n")
    elif how == "replaced by an export":
        lines = [b"id,name,phones\n", b"1,Zhang Wei,+8613800138000\n"]
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize(
    ("how", "damage"),
    [
        ("changed id", "line 2 fails its check (changed or forged)"),
        ("removed line", "line 2 follows lines that were changed, removed or reordered"),
        ("reordered", "line 1 follows lines that were changed, removed or reordered"),
        ("garbage line", "line 2 is not a journal entry"),
        ("forged line", "line 4 fails its check (changed or forged)"),
        ("replaced by an export", "line 1 is not a journal entry"),
    ],
)
def test_damage_is_reported(tmp_path: Path, how: str, damage: str) -> None:
    """Regression (break 3): each was read as a journal with fewer entries, silently."""
    path = tmp_path / "j"
    _write(path, _entry([1], 1), _entry([2], 2), _entry([3], 3))
    _tampered(path, how)
    read = _read(path)
    assert read.damage and read.damage[0] == damage


def test_a_torn_last_line_is_not_damage_and_the_next_append_declares_it(tmp_path) -> None:
    path = tmp_path / "j"
    _write(path, _entry([1], 1))
    whole = path.read_bytes()
    _write(path, _entry([2], 2))
    path.write_bytes(path.read_bytes()[: len(whole) + 40])  # killed during the append
    read = _read(path)
    assert read.damage == [] and read.torn.startswith("line 2 is incomplete")
    assert [e["ids"] for e in read.entries] == [[1]]
    _write(path, _entry([3], 3))  # the remnant is now in the middle, declared as torn
    read = _read(path)
    assert read.damage == [] and read.torn == ""
    assert [e["ids"] for e in read.entries] == [[1], [3]]


def test_parts_before_a_tear_are_applied_but_a_cut_at_a_line_end_is_damage(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(journal, "PART_IDS", 2)
    path = tmp_path / "j"
    _write(path, _entry([1, 2, 3, 4, 5], 1))
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + lines[2][:30])  # a crash in the third part
    read = _read(path)
    assert read.damage == [] and read.torn  # erring towards erasure: ids 1-4 are applied
    assert [(e["ids"], e["complete"]) for e in read.entries] == [([1, 2, 3, 4], False)]
    path.write_bytes(b"".join(lines[:2]))  # cut exactly at a line end: removed, not torn
    assert _read(path).damage == [f"purge {1:016x} lacks some of its lines"]


def test_lines_of_another_database_are_read_but_not_checked(tmp_path: Path) -> None:
    path = tmp_path / "j"
    _write(path, {**_entry([1], 1), "db_uid": "other"})
    read = _read(path)
    assert read.damage == [] and read.unverified == 1 and read.entries[0]["db_uid"] == "other"
    assert read.problems(set(), have_key=True) == []  # restore never applies them
    assert read.problems({f"{1:016x}"}, have_key=True)  # but not for a purge it records
    assert journal.read_journal(path).unverified == 1  # no key at all: nothing is checked
    # A line claiming to be from a database whose key is known must pass that key's check
    # (restoring a backup of another database: its lines are checked with the backup's key).
    forged = journal.read_journal(path, {DB_UID: KEY, "other": secrets.token_bytes(32)})
    assert forged.damage == ["line 1 fails its check (changed or forged)"]


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_damage_or_changes_nothing(tmp_path_factory, offset, bit) -> None:
    path = tmp_path_factory.mktemp("flip") / "j"
    _write(path, _entry([1, 2], 1), _entry([3], 2))
    clean = _read(path).entries
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 1 << bit
    path.write_bytes(bytes(data))
    read = _read(path)
    problems = read.problems({e["uid"] for e in clean}, have_key=True)
    assert problems or read.torn or read.entries == clean


# -- restore ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def purged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database: customers 1-3, a backup of them, then customer 2 purged (journalled)."""
    from custinfo import validation
    from custinfo.privacy import purge
    from custinfo.store import Store

    db = tmp_path_factory.mktemp("purged") / "shop" / "customers.db"
    db.parent.mkdir()
    with Store.create(db, PASSPHRASE.encode(), region="CN") as store:
        for name, phone in (("甲", "13800138001"), ("乙 Erased", "13800138002"), ("丙", "")):
            row = validation.customer_input(region="CN", name=name, phones=[phone] if phone else [])
            store.add(row, command="add")
        backup.create(store, PASSPHRASE.encode(), db.parent / "backups")
        purge.purge(store, [2], reason="erasure request")
    return db


@pytest.fixture
def shop(purged: Path, tmp_path: Path, env: Path, monkeypatch) -> Path:
    db = tmp_path / "shop" / "customers.db"
    shutil.copytree(purged.parent, db.parent)
    monkeypatch.setenv("CUSTINFO_DB", str(db))
    return db


def _snap(db: Path) -> Path:
    (snap,) = (db.parent / "backups").glob("*.db")
    return snap


def _customers(db: Path) -> list[int]:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return [c.id for c in store.iter_all()]


@pytest.mark.parametrize("how", ["replaced by an export", "deleted"])
def test_restore_refuses_a_damaged_journal(shop: Path, cli, how: str) -> None:
    """Regression (break 3): restore exited 0 and the purged customer 2 was back."""
    path = dbfiles.journal_path(shop)
    if how == "deleted":
        path.unlink()
    else:
        _tampered(path, how)
    before = shop.read_bytes()
    result = cli("backup", "restore", str(_snap(shop)), "--yes")
    assert result.code == 13, result.stderr
    assert f"the purge journal {path} cannot be read in full" in result.stderr
    assert "--ignore-damaged-journal" in result.stderr and result.stderr.count("\n") == 1
    assert shop.read_bytes() == before and not list(shop.parent.glob("*.pre-restore-*"))


def test_ignore_damaged_journal_restores_what_can_be_read_and_is_audited(shop: Path, cli) -> None:
    path = dbfiles.journal_path(shop)
    path.write_bytes(b"garbage\n" + path.read_bytes())
    result = cli("backup", "restore", str(_snap(shop)), "--yes", "--ignore-damaged-journal")
    assert result.code == 0, result.stderr
    assert "purge journal damage ignored: line 1 is not a journal entry" in result.stderr
    assert _customers(shop) == [1, 3]  # the readable entry was re-applied
    from custinfo.store import Store

    with Store.open(shop, PASSPHRASE.encode()) as store:
        (detail,) = [
            json.loads(r[0])
            for r in store.conn.execute("SELECT detail FROM audit WHERE command = 'restore'")
        ]
    assert detail["ignored_damaged_journal"] is True and detail["reapplied"] == 1


def test_restore_with_a_torn_last_line_warns_and_reapplies_the_rest(shop: Path, cli) -> None:
    path = dbfiles.journal_path(shop)
    with open(path, "ab") as handle:
        handle.write(b'{"at":"2026-')  # killed during a later purge's append
    result = cli("backup", "restore", str(_snap(shop)), "--yes")
    assert result.code == 0, result.stderr
    assert "line 2 is incomplete" in result.stderr and "run it again" in result.stderr
    assert _customers(shop) == [1, 3]


def test_an_old_format_journal_is_still_reapplied(shop: Path, cli) -> None:
    path = dbfiles.journal_path(shop)
    (entry,) = journal.read_journal(path).entries
    old = {k: entry[k] for k in ("uid", "at", "db_uid", "reason", "ids", "hmacs")}
    path.write_bytes(json.dumps({"v": 1, **old}).encode() + b"\n")
    cli.ok("backup", "restore", str(_snap(shop)), "--yes")
    assert _customers(shop) == [1, 3]


def test_the_journal_copy_beside_the_backups_restores_on_a_new_machine(shop: Path, cli) -> None:
    """`backup create` keeps a copy of the journal in the backup folder; a restore onto a
    machine without the database and its journal uses it, so customer 2 stays erased."""
    cli.ok("backup", "create")
    copy = backup.journal_copy(shop.parent / "backups", "customers")
    assert copy.read_bytes() == dbfiles.journal_path(shop).read_bytes()
    snap = sorted((shop.parent / "backups").glob("*.db"))[0]  # the one from before the purge
    for path in shop.parent.glob("customers.db*"):
        path.unlink()
    result = cli("backup", "restore", str(snap), "--yes")
    assert result.code == 0, result.stderr
    assert f"the purge journal was missing: used its copy {copy}" in result.stderr
    assert _customers(shop) == [1, 3]
    assert dbfiles.journal_path(shop).read_bytes() == copy.read_bytes()  # installed again
