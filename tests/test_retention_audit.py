"""The gated export, retention, the audit viewer, subject's new parts, and restore."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator

import pytest

from tests.conftest import PASSPHRASE
from tests.consent_shop import _sql, shop_fixture, shop_template_fixture  # noqa: F401


# -- the gated export -------------------------------------------------------------------------
def test_gated_export_audits_purpose_counts_hash_and_no_filter_values(cli, shop) -> None:
    done = cli("export", "--for", "sms-marketing", "--city", "上海")
    assert done.code == 0
    assert done.stderr.strip() == (
        "exported 1 customer for sms-marketing; left out 0 without consent, 1 withdrawn, "
        "0 opted out"
    )
    assert "王芳" in done.stdout and "赵敏" not in done.stdout
    (entry,) = json.loads(cli.ok("audit", "exports", "--format", "json"))
    assert entry["purpose"] == "sms-marketing" and entry["count"] == 1
    assert entry["sha256"] == hashlib.sha256(done.stdout.encode()).hexdigest()
    assert entry["filter"] == ["--city"] and len(entry["filter_hmac"]) == 64
    (row,) = _sql(cli.db, "SELECT detail FROM audit WHERE command = 'export'")
    assert "上海" not in row[0]  # the filter value is only in the HMAC
    # "Which exports contained customer wang?" without re-running any query.
    mine = json.loads(cli.ok("audit", "exports", "--customer", str(shop["wang"]), "-f", "json"))
    assert [e["id"] for e in mine] == [entry["id"]]
    assert json.loads(cli.ok("audit", "exports", "--customer", str(shop["li"]), "-f", "json")) == []
    # by channel; a contract purpose exports everyone; an unknown purpose writes nothing
    sms = cli("export", "--for", "sms-marketing", "--channel", "sms", "--format", "json")
    assert sorted(c["id"] for c in json.loads(sms.stdout)) == [shop["wang"], shop["li"]]
    assert "exported 4 customers for orders" in cli("export", "--for", "orders").stderr
    unknown = cli("export", "--for", "nosuch")
    assert unknown.code == 3 and unknown.stdout == ""
    assert cli("export", "--channel", "sms").code == 2
    # Erasing a customer cuts its links: the export entry stays, anonymous.
    cli.ok("purge", str(shop["wang"]), "--yes")
    assert json.loads(cli.ok("audit", "exports", "-f", "json"))[0]["count"] == 1
    gone = cli.ok("audit", "exports", "--customer", str(shop["wang"]), "-f", "json")
    assert json.loads(gone) == []


@pytest.mark.slow
def test_legitimate_interest_leaves_out_only_objections(cli, shop, store_factory) -> None:
    cli.ok("purpose", "add", "newsletter", "--label", "会员通讯", "--basis", "legitimate-interest")
    cli.ok("consent", "withdraw", str(shop["li"]), "newsletter")
    cli.ok("consent", "withdraw", "--phone", "13800138002", "newsletter")
    result = cli("export", "--for", "newsletter", "--format", "ndjson")
    assert result.stderr.strip() == (
        "exported 2 customers for newsletter; left out 0 without consent, 1 withdrawn, 1 opted out"
    )
    # A reader that goes away mid-export: the entry is still written, marked incomplete.
    from custinfo.privacy.gated import export_for

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    store = store_factory()
    with pytest.raises(BrokenPipeError):
        export_for(store, Closed(), "csv", ids=None, purpose="newsletter")
    last = json.loads(cli.ok("audit", "exports", "-f", "json"))[-1]
    assert last["complete"] is False and last["sha256"] is None and last["count"] == 2


@pytest.fixture
def store_factory(cli) -> Iterator[object]:
    from custinfo.store import Store

    opened: list[Store] = []

    def make() -> Store:
        opened.append(Store.open(cli.db, PASSPHRASE.encode()))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


# -- retention --------------------------------------------------------------------------------
def test_retention_check_and_apply(cli, shop) -> None:
    zhao, none = shop["zhao"], shop["none"]
    cli.ok("consent", "withdraw", str(none), "sms-marketing", "--at", "2021-03-01 09:00")
    cli.ok("consent", "give", str(none), "sms-marketing", "--at", "2020-01-01")  # older
    assert cli.ok("retention", "check", "--format", "ids").split() == []  # `orders` covers all
    cli.ok("purpose", "add", "loyalty", "--label", "积分", "--basis", "consent")
    _drop_orders(cli.db)
    due = json.loads(cli.ok("retention", "check", "--format", "json"))
    assert [d["id"] for d in due] == [none]  # zhao withdrew today; wang, li: in force
    assert due[0]["purpose"] == "sms-marketing" and due[0]["rule"] == "2y from withdrawal"
    assert due[0]["since"].startswith("2021-03-01") and due[0]["until"].startswith("2023-03-01")
    assert cli("retention", "apply").code == 2  # no terminal, no --yes
    dry = cli.ok("retention", "apply", "--dry-run")
    assert dry.strip() == "retention: would purge 1 customer (sms-marketing 1)"
    done = cli.ok("retention", "apply", "--yes")
    assert done.startswith("retention: purged 1 customer (sms-marketing 1); purge ids ")
    assert _sql(cli.db, "SELECT reason FROM purge_log") == [("retention:sms-marketing",)]
    assert cli.ok("retention", "apply", "--yes").strip() == "retention: nothing past retention"
    subject = json.loads(cli.ok("subject", str(zhao), "--format", "json"))
    assert subject["retention"]["purpose"] == "sms-marketing"
    assert subject["retention"]["until"] > subject["retention"]["since"]
    assert [p["purpose"] for p in subject["purposes"]] == ["loyalty", "sms-marketing"]
    assert subject["records"]["consents"][0]["state"] == "given"
    assert zhao not in [int(i) for i in cli.ok("retention", "check", "-f", "ids").split()]


def _drop_orders(db) -> None:  # type: ignore[no-untyped-def]
    """Tests only: forget the contract purpose (custinfo has no `purpose remove`)."""
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store, store.db.transaction() as conn:
        conn.execute("DELETE FROM purposes WHERE key = 'orders'")


# (retention's SQL against its Python reference: tests/test_retention_sql.py)


# -- the audit viewer -------------------------------------------------------------------------
@pytest.mark.slow
def test_audit_lists_filters_and_formats(cli, shop) -> None:
    rows = "name,phone\n" + "".join(f"Bulk {i},1370000{i:04d}\n" for i in range(25))
    cli.ok("import", "-", input=rows)
    import csv

    listed = cli.ok("audit", "--command", "import")  # a pipe: CSV
    header, line = csv.reader(io.StringIO(listed))
    assert header == ["id", "at", "command", "count", "ids", "fields", "purpose", "sha256",
                      "detail"]  # fmt: skip
    assert line[4].split("; ")[20:] == ["…"] and len(line[4].split("; ")) == 21
    full = json.loads(cli.ok("audit", "--command", "import", "--format", "json"))
    assert len(full[0]["ids"]) == 25 and full[0]["count"] == 25
    mine = json.loads(cli.ok("audit", "--customer", str(shop["zhao"]), "-f", "json"))
    assert [e["command"] for e in mine] == ["add", "consent give", "consent withdraw"]
    assert cli.ok("audit", "--since", "2999-01-01").splitlines() == [",".join(header)]
    recent = json.loads(cli.ok("audit", "--since", "1d", "--command", "add", "-f", "json"))
    assert len(recent) == 4
    nd = cli.ok("audit", "--command", "purpose add", "--format", "ndjson").splitlines()
    assert [json.loads(x)["detail"] for x in nd] == [
        '{"purpose": "sms-marketing"}', '{"purpose": "orders"}'
    ]  # fmt: skip
    assert cli("audit", "--since", "soon").code == 2
    assert cli("audit", "--customer", "999", "-f", "json").stdout.strip() == "[]"


# -- backup restore ---------------------------------------------------------------------------
def test_restore_reapplies_opt_outs_recorded_after_the_backup(cli, shop) -> None:
    from pathlib import Path

    snap = Path(cli.ok("backup", "create").strip())
    cli.ok("consent", "withdraw", "--phone", "13800138000", "sms-marketing")
    cli.ok("consent", "withdraw", "--email", "gone@example.com", "sms-marketing")
    cli.ok("backup", "restore", str(snap), "--yes")
    assert _sql(cli.db, "SELECT count(*) FROM optouts") == [(2,)]
    ids = cli.ok("find", "--consent", "sms-marketing", "--format", "ids").split()
    assert str(shop["wang"]) not in ids  # re-applied to the restored copy: withdrawn again
    history = json.loads(cli.ok("consent", "show", str(shop["wang"]), "-f", "json"))["history"]
    assert history[-1]["source"] == "opt-out"
    journal = Path(f"{cli.db}.purge-journal").read_text()
    assert "13800138000" not in journal and "gone@example.com" not in journal


@pytest.mark.slow
def test_restore_refuses_a_journal_that_lost_opt_outs_the_database_records(cli, shop) -> None:
    """The databases' opt-out batches are cross-checked against the journal, like purges."""
    from pathlib import Path

    snap = Path(cli.ok("backup", "create").strip())
    cli.ok("consent", "withdraw", "--phone", "13800138000", "sms-marketing")
    journal = Path(f"{cli.db}.purge-journal")
    journal.write_bytes(b"")  # the opt-out's line removed
    refused = cli("backup", "restore", str(snap), "--yes")
    assert refused.code == 13 and "cannot be read in full" in refused.stderr
    assert _sql(cli.db, "SELECT count(*) FROM optouts") == [(1,)]  # nothing changed
