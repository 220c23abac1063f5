"""Consent per purpose: the ledger's state rules (Python and SQL twins), opt-outs by
contact and how every road respects them, consent import, find filters."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo.privacy import consent as core
from custinfo.privacy.consent import ANY, SPECIFIC, Entry
from tests.budget import examples
from tests.conftest import PASSPHRASE
from tests.consent_shop import _sql, shop_fixture, shop_template_fixture  # noqa: F401


# -- the state rules --------------------------------------------------------------------------
def _e(at: int, channel: str, state: str, source: str = "manual") -> Entry:
    return Entry(f"2024-01-{at:02d}T00:00:00.000000Z", at, channel, state, source)


def test_latest_entry_decides_per_channel_and_for_every_channel() -> None:
    ledger = [_e(1, ANY, "given"), _e(2, "sms", "withdrawn")]
    assert core.state(ledger, "email") == "given"
    assert core.state(ledger, "sms") == "withdrawn"
    assert core.state(ledger, None) == "withdrawn"  # a later withdrawal on any channel
    assert core.in_force(ledger)  # email still given
    ledger.append(_e(3, "sms", "given"))
    assert core.state(ledger, "sms") == "given"
    assert core.state(ledger, None) == "withdrawn"  # every channel needs a later `any` give
    assert core.state([_e(1, "sms", "given")], None) is None
    assert not core.in_force([_e(1, ANY, "given"), _e(2, ANY, "withdrawn")])


def test_opt_outs_block_channels_and_say_which_entries_are_needed() -> None:
    assert core.blocked([_e(1, ANY, "withdrawn")]) == set(SPECIFIC)
    assert core.blocked([_e(1, ANY, "withdrawn"), _e(2, "sms", "given")]) == set(SPECIFIC) - {"sms"}
    assert core.needed([], set(SPECIFIC)) == [ANY]
    assert core.needed([_e(1, ANY, "withdrawn")], set(SPECIFIC)) == []
    assert core.needed([_e(1, ANY, "given")], {"sms"}) == ["sms"]
    assert core.needed([_e(1, "sms", "withdrawn")], {"sms"}) == []


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from custinfo import validation
    from custinfo.store import Store

    path = tmp_path_factory.mktemp("ledger") / "ledger.db"
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    store.add(validation.customer_input(name="Ledger Person", region="CN"))
    yield store
    store.close()


_entries = st.lists(
    st.tuples(st.integers(1, 6), st.sampled_from((*SPECIFIC[:3], ANY)),
              st.sampled_from(("given", "withdrawn"))),
    max_size=7,
)  # fmt: skip


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=_entries)
def test_sql_twin_decides_like_python(ledger_db, rows) -> None:
    """`store.consent.latest_sql` (find, the gated export) == `privacy.consent.latest`."""
    from custinfo.store import consent as rows_sql

    conn = ledger_db.conn
    conn.execute("BEGIN")
    try:
        for day, channel, state in rows:  # equal times: the id breaks the tie
            conn.execute(
                "INSERT INTO consents(customer_id, purpose, channel, state, at, source, "
                "recorded_at) VALUES (1, 'p', ?, ?, ?, 'manual', '')",
                (channel, state, f"2024-01-{day:02d}T00:00:00.000000Z"),
            )
        ledger = rows_sql.entries(conn, [1]).get(1, {}).get("p", [])
        for channel in (*SPECIFIC, None):
            sql = rows_sql.latest_sql(channel).format(id="1")
            params = ["p", channel] if channel else ["p"]
            (got,) = conn.execute(f"SELECT {sql}", params).fetchone()
            assert got == core.state(ledger, channel), (channel, rows)
    finally:
        conn.execute("ROLLBACK")


# -- the CLI ----------------------------------------------------------------------------------
@pytest.mark.slow  # many error paths, ~0.15 CPU-s per CLI run: the default run keeps the core
def test_purposes_list_and_refusals(cli, shop) -> None:
    listed = json.loads(cli.ok("purpose", "list", "--format", "json"))
    assert [p["key"] for p in listed] == ["orders", "sms-marketing"]
    assert listed[1] == {
        "key": "sms-marketing", "label": "短信营销", "basis": "consent", "retention": "2y",
        "from": "withdrawal", "created_at": listed[1]["created_at"],
    }  # fmt: skip
    again = cli("purpose", "add", "sms-marketing", "--label", "x", "--basis", "consent")
    assert again.code == 2 and "already exists" in again.stderr
    bad = cli("purpose", "add", "x", "--label", "x", "--basis", "contract", "--retention", "2y",
              "--from", "withdrawal")  # fmt: skip
    assert bad.code == 2 and "--from withdrawal needs --basis consent" in bad.stderr
    assert cli("purpose", "add", "y", "--label", "y", "--basis", "consent", "--retention",
               "two years").code == 2  # fmt: skip
    assert cli("consent", "give", "1", "nosuch").code == 3
    assert cli("consent", "give", "999", "orders").code == 3
    assert cli("consent", "give", "1", "orders", "--channel", "fax").code == 2
    future = cli("consent", "give", "1", "orders", "--at", "2999-01-01")
    assert future.code == 2 and "in the future" in future.stderr
    assert cli("consent", "give", "1", "orders", "--at", "yesterday").code == 2
    assert cli("find", "--consent", "nosuch").code == 3


def test_find_consent_filters_and_show(cli, shop) -> None:
    def ids(*args: str) -> list[int]:
        return [int(x) for x in cli.ok("find", *args, "--format", "ids").split()]

    assert ids("--consent", "sms-marketing") == [shop["wang"]]
    assert ids("--consent", "sms-marketing:sms") == [shop["wang"], shop["li"]]
    assert ids("--consent", "sms-marketing:email") == [shop["wang"]]
    assert ids("--no-consent", "sms-marketing") == [shop["li"], shop["zhao"], shop["none"]]
    assert ids("--consent", "sms-marketing", "--city", "上海") == [shop["wang"]]
    shown = json.loads(cli.ok("consent", "show", str(shop["zhao"]), "--format", "json"))
    assert [e["state"] for e in shown["history"]] == ["given", "withdrawn"]
    sms = next(c for c in shown["current"] if c["purpose"] == "sms-marketing")
    assert sms["state"] == "withdrawn" and sms["opted_out"] == []
    table = cli.ok("consent", "show", str(shop["wang"]))
    assert "门店纸质表 #0457" in table


def test_opt_out_survives_purge_and_blocks_re_adding(cli, shop) -> None:
    """The acceptance path: withdraw by phone, purge the person, add them again."""
    li = shop["li"]
    out = cli("consent", "withdraw", "--phone", "138 0013 8001", "sms-marketing")
    assert out.code == 0 and f"customers: {li}" in out.stderr
    assert cli("consent", "give", str(li), "sms-marketing").code == 2  # refused while opted out
    cli.ok("purge", str(li), "--yes", "--no-suppress")
    assert _sql(cli.db, "SELECT count(*) FROM consents WHERE customer_id = ?", (li,)) == [(0,)]
    (kept,) = _sql(cli.db, "SELECT kind, purpose, channel, state FROM optouts")
    assert kept == ("phone", "sms-marketing", "any", "withdrawn")
    assert b"13800138001" not in json.dumps(_sql(cli.db, "SELECT hex(hmac) FROM optouts")).encode()

    again = cli("add", "--name", "Li Lei", "--phone", "+86 138 0013 8001")
    assert again.code == 0
    new = int(again.stdout)
    assert "opted out of sms-marketing: consent recorded as withdrawn" in again.stderr
    history = json.loads(cli.ok("consent", "show", str(new), "--format", "json"))["history"]
    assert [(e["state"], e["source"]) for e in history] == [("withdrawn", "opt-out")]
    summary = cli("export", "--for", "sms-marketing")
    assert summary.stderr.strip() == (
        "exported 1 customer for sms-marketing; left out 1 without consent, 1 withdrawn, "
        "1 opted out"
    )
    # An opt-out works for a contact nobody holds, and then for an import of it.
    cli.ok("consent", "withdraw", "--email", "NEW@Example.com", "sms-marketing")
    result = cli("import", "-", input="name,email\nNew Person,new@example.com\n")
    assert result.code == 0 and "opted out of sms-marketing" in result.stderr
    # ... and for an import that merges the contact into an existing customer
    merged = cli("import", "-", "--on-duplicate", "merge",
                 input="name,phone,email\n王芳,13800138000,NEW@example.com\n")  # fmt: skip
    assert merged.code == 0 and f"(customer {shop['wang']})" in merged.stderr


@pytest.mark.slow
def test_edit_and_merge_cannot_make_an_opted_out_person_reachable(cli, shop) -> None:
    wang, none = shop["wang"], shop["none"]
    cli.ok("consent", "withdraw", "--phone", "13800138003", "sms-marketing", "--channel", "sms")
    cli.ok("consent", "give", str(none), "sms-marketing", "--channel", "email")  # not blocked
    assert cli("consent", "give", str(none), "sms-marketing").code == 2  # every channel: blocked
    edited = cli("edit", str(wang), "--add-phone", "13800138003", "--allow-duplicate")
    assert edited.code == 0 and "opted out of sms-marketing" in edited.stderr
    ids = cli.ok("find", "--consent", "sms-marketing:sms", "--format", "ids").split()
    assert str(wang) not in ids
    assert str(wang) in cli.ok("find", "--consent", "sms-marketing:email", "--format", "ids")
    # Lifting the opt-out by contact re-enables it, for every holder.
    lifted = cli("consent", "give", "--phone", "13800138003", "sms-marketing", "--channel", "sms")
    assert lifted.code == 0 and f"customers: {wang}, {none}" in lifted.stderr
    assert str(wang) in cli.ok("find", "--consent", "sms-marketing:sms", "--format", "ids")


def test_merge_keeps_both_ledgers_and_enforces_opt_outs(cli, shop) -> None:
    wang, li = shop["wang"], shop["li"]
    cli.ok("consent", "withdraw", "--phone", "13800138001", "sms-marketing")
    cli.ok("consent", "give", str(wang), "sms-marketing", "--method", "again")  # after li's opt-out
    before = json.loads(cli.ok("consent", "show", str(wang), "--format", "json"))["history"]
    result = cli("merge", str(wang), str(li), "--yes")
    assert result.code == 0 and "opted out of sms-marketing" in result.stderr
    merged = json.loads(cli.ok("consent", "show", str(wang), "--format", "json"))["history"]
    assert len(merged) == len(before) + 2 + 1  # li's give and opt-out, then the automatic entry
    assert merged[-1]["method"] == "automatic: contact opted out"
    assert str(wang) not in cli.ok("find", "--consent", "sms-marketing", "--format", "ids")
    cli.ok("unmerge", str(wang))
    back = json.loads(cli.ok("consent", "show", str(li), "--format", "json"))["history"]
    assert [e["state"] for e in back] == ["given", "withdrawn"]


def test_consent_import_is_all_or_nothing_and_applies_in_time_order(cli, shop) -> None:
    rows = (
        "手机,状态,时间,方式\n"
        "13800138000,撤回,2024-03-01,短信回复 TD\n"
        "13800138000,同意,2024-01-01,web\n"  # older: does not override the withdrawal
        "13900000000,withdrawn,,\n"  # nobody holds it: kept as an opt-out
        "13800138002,given,2024-02-01 10:00,\n"
    )
    bad = cli("consent", "import", "-", "--purpose", "sms-marketing",
              input=rows + "not-a-phone,given,,\n")  # fmt: skip
    assert bad.code == 2 and "line 6, column 'phone'" in bad.stderr
    assert "nothing imported" in bad.stderr
    assert _sql(cli.db, "SELECT count(*) FROM optouts") == [(0,)]
    dry = cli("consent", "import", "-", "--purpose", "sms-marketing", "--dry-run", input=rows)
    assert dry.code == 0 and "(dry run: nothing written)" in dry.stderr
    assert _sql(cli.db, "SELECT count(*) FROM optouts") == [(0,)]
    done = cli("consent", "import", "-", "--purpose", "sms-marketing", input=rows)
    assert done.stderr.strip().endswith(
        "read 4, given 2, withdrawn 2, rejected 0; 2 customers updated, "
        "1 contacts held by no customer"
    )
    ids = cli.ok("find", "--consent", "sms-marketing", "--format", "ids").split()
    assert str(shop["wang"]) not in ids  # withdrawn on 2024-03-01, the newest row
    history = json.loads(cli.ok("consent", "show", str(shop["wang"]), "--format", "json"))
    assert [e["method"] for e in history["history"]] == [
        "web",
        "短信回复 TD",
        "门店纸质表 #0457",
        "automatic: contact opted out",
    ]  # the import's rows sort by their time; the newer give is overruled by the opt-out
    assert (
        cli(
            "consent", "import", "-", "--purpose", "sms-marketing", input="name,state\nx,given\n"
        ).code
        == 2
    )  # no phone or email column


def test_opt_out_journal_entries_are_checked_typed_and_told_apart_from_purges(tmp_path) -> None:
    """Journal format 2 carries the `optout` type and its six-part rows under its MAC; a
    purge line keeps its own shape; an altered or unkeyed opt-out line is never applied."""
    from custinfo.privacy import journal
    from custinfo.privacy.optout_journal import _rows, is_optout_entry

    path, key = tmp_path / "j", b"k" * 32
    row = ["ab" * 32, "phone", "sms-marketing", "any", "withdrawn", "2024-01-01T00:00:00.000000Z"]
    head = {"at": "t", "db_uid": "D", "reason": "optout"}
    journal.append_journal(
        path, {**head, "uid": "p1", "ids": [7], "hmacs": [["00" * 32, "phone"], row]}, key
    )
    journal.append_journal(
        path, {**head, "type": "optout", "uid": "o1", "ids": [], "hmacs": [row]}, key
    )
    read = journal.read_journal(path, {"D": key})
    assert not read.problems({"p1", "o1"}, have_key=True)
    purge, optout = read.entries
    assert not is_optout_entry(purge) and purge["hmacs"] == [["00" * 32, "phone"]]
    assert is_optout_entry(optout) and optout["checked"] == "mac" and optout["hmacs"] == [row]
    assert _rows(optout) == [(bytes.fromhex(row[0]), *row[1:])]
    assert journal.read_journal(path).entries[1]["checked"] == "none"  # no key: not applied
    first, second = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(first + second.replace(b'"withdrawn"', b'"given"'))
    assert [e["uid"] for e in journal.read_journal(path, {"D": key}).entries] == ["p1"]
