"""Schema migrations: every upgrade path ends at the schema of a fresh database.

Generic over `custinfo.store.migrations.available()`, so it covers the migrations that other
features add (v002 search, v003 dedupe/merge, v004 purge/backup) without changes.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from custinfo.errors import UsageError
from custinfo.store import db as dbmod
from custinfo.store import migrations
from custinfo.store.db import APPLICATION_ID, Database, create_database, open_database
from tests.conftest import PASSPHRASE, run_process

KEY = PASSPHRASE.encode()  # a raw key: no key derivation per open
LATEST = migrations.latest_version()


def schema(conn: Any) -> list[tuple[str, str, str, str]]:
    """Everything in sqlite_master except the page numbers."""
    return sorted(conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master"))


def database_at(path: Path, version: int) -> Database:
    """A new custinfo database file migrated only up to `version` (0: empty schema)."""
    dbmod.secure_create(path)
    conn = dbmod._connect(path, KEY)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    dbmod._configure(conn)
    db = Database(conn, path)
    assert migrations.migrate(db, target=version) == version
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    return db


def insert_sample(db: Database) -> None:
    """Data valid from v1 on, written with the v1 columns only."""
    with db.transaction() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('region', 'CN')")
        conn.execute(
            "INSERT INTO customers(id, name, city, source, created_at, updated_at) "
            "VALUES (7, '张伟', '上海', 'manual', '2024-01-01T00:00:00.000000Z', "
            "'2024-01-01T00:00:00.000000Z')"
        )
        conn.execute("INSERT INTO phones(customer_id, e164, ext) VALUES (7, '+8613800138000', '')")
        conn.execute(
            "INSERT INTO emails(customer_id, address, key) "
            "VALUES (7, 'Z@example.com', 'z@example.com')"
        )
        conn.execute("INSERT INTO tags(id, name, key) VALUES (1, 'VIP', 'vip')")
        conn.execute("INSERT INTO customer_tags(customer_id, tag_id) VALUES (7, 1)")
        conn.execute("INSERT INTO notes(customer_id, at, text) VALUES (7, '2024-01-01Z', '回访')")


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str, str]]:
    path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    db = create_database(path, KEY, region="CN")
    try:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        return schema(db.conn)
    finally:
        db.close()


def test_versions_are_contiguous_and_well_formed() -> None:
    found = migrations.available()
    assert [v for v, _ in found] == list(range(1, LATEST + 1))
    for _, module in found:
        assert isinstance(module.STATEMENTS, list)
        assert all(isinstance(s, str) for s in module.STATEMENTS)


@pytest.mark.parametrize("start", range(LATEST))
def test_upgrade_from_every_earlier_version(
    start: int, tmp_path: Path, fresh_schema: list[tuple[str, str, str, str]]
) -> None:
    path = tmp_path / f"v{start}.db"
    db = database_at(path, start)
    if start >= 1:
        insert_sample(db)
    db.close()
    # Opening runs the pending migrations (what a user upgrading custinfo gets).
    upgraded = open_database(path, KEY)
    try:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert schema(upgraded.conn) == fresh_schema
        assert upgraded.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        if start >= 1:
            from custinfo.store import Store

            got = Store(upgraded).get(7)
            assert (got.name, got.city, got.phones, got.emails, got.tags) == (
                "张伟", "上海", ["+8613800138000"], ["Z@example.com"], ["VIP"],
            )  # fmt: skip
            assert [(n.text, n.kind) for n in got.notes] == [("回访", "note")]  # (v008)
            activity = (Store(upgraded).currency, got.order_count, got.order_total)
            assert activity == ("CNY", 0, "0.00")
        if 1 <= start < 16:  # v016 computed the forms, v018 the keys from them
            from custinfo.dedupe.keys import unpack_keys

            conn = upgraded.conn
            keys = [k for (k,) in conn.execute("SELECT key FROM dedupe_keys WHERE customer_id = 7")]
            (packed,) = conn.execute(
                "SELECT keys FROM dedupe_forms WHERE customer_id = 7"
            ).fetchone()
            assert keys and keys == sorted(unpack_keys(packed))
        if 1 <= start < 5:  # v005 computed the export cells of the existing customer
            cells = upgraded.conn.execute(
                "SELECT phones_cell, emails_cell, cell, notes_cell FROM customers"
                " JOIN tag_cells ON tag_cells.customer_id = customers.id"
            ).fetchall()
            assert cells == [("+8613800138000", "Z@example.com", "VIP", "2024-01-01Z 回访")]
    finally:
        upgraded.close()


def test_migrate_is_a_no_op_at_the_latest_version(tmp_path: Path) -> None:
    db = create_database(tmp_path / "c.db", KEY, region="CN")
    try:
        before = schema(db.conn)
        assert migrations.migrate(db) == LATEST
        assert schema(db.conn) == before
    finally:
        db.close()


def test_a_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = database_at(tmp_path / "c.db", LATEST)
    before = schema(db.conn)
    broken = types.ModuleType("v999_broken")
    broken.STATEMENTS = ["CREATE TABLE half_done (x)", "THIS IS NOT SQL"]  # type: ignore[attr-defined]
    real, names = migrations.available(), migrations.versions()
    monkeypatch.setattr(migrations, "available", lambda: [*real, (LATEST + 1, broken)])
    monkeypatch.setattr(migrations, "versions", lambda: [*names, (LATEST + 1, "v999_broken")])
    try:
        with pytest.raises(Exception, match="syntax error"):
            migrations.migrate(db)
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert schema(db.conn) == before
        assert not db.conn.in_transaction
    finally:
        db.close()


def test_two_processes_upgrading_at_once(tmp_path: Path) -> None:
    """The loser of the race for the write lock finds the work done and skips it."""
    path = tmp_path / "race.db"
    first = database_at(path, 0)
    other = open_database(path, KEY, migrate=False)
    real = first.transaction

    def racing() -> Any:
        migrations.migrate(other)  # the other process migrates while this one waits
        return real()

    first.transaction = racing  # type: ignore[method-assign]
    try:
        assert migrations.migrate(first) == LATEST
        assert first.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    finally:
        first.close()
        other.close()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    db = create_database(path, PASSPHRASE.encode(), region="CN")
    db.conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    db.close()
    with pytest.raises(UsageError, match=f"schema version {LATEST + 1} is newer than this"):
        open_database(path, PASSPHRASE.encode())
    done = run_process(
        "show", "1", env={"CUSTINFO_DB": str(path), "CUSTINFO_PASSPHRASE": PASSPHRASE}
    )
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"custinfo: error: database schema version {LATEST + 1} is newer than this custinfo "
        f"({LATEST}); upgrade custinfo\n"
    )
