"""Follow-ups, keep-in-touch and the agenda, through the CLI and the core.

One database per module (each open derives the SQLCipher key): the CLI tests run in order
on it; the core tests use one open store and a fixed `now`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from custinfo import times
from custinfo.followups import agenda, core
from custinfo.store import Store
from tests.conftest import ENV_NAMES, PASSPHRASE, CliRunner

TODAY = times.today()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CliRunner, Store, dict]]:
    """A database with four customers (ids in the dict), the CLI over it, an open store."""
    from custinfo import validation

    saved = {name: os.environ.get(name) for name in ENV_NAMES}
    path = tmp_path_factory.mktemp("followups") / "customers.db"
    for name in ENV_NAMES:
        os.environ.pop(name, None)
    os.environ["CUSTINFO_DB"] = str(path)
    os.environ["CUSTINFO_PASSPHRASE"] = PASSPHRASE
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    soon = (TODAY + timedelta(days=3)).strftime("%m-%d")
    ids = {
        "zhang": store.add(validation.customer_input(name="张伟", region="CN", tags=["VIP"],
                                                     birthday=f"1980-{soon}")),
        "li": store.add(validation.customer_input(name="李娜", region="CN", tags=["VIP"])),
        "anna": store.add(validation.customer_input(name="Anna Müller", region="CN")),
        "wang": store.add(validation.customer_input(name="王芳", region="CN")),
    }  # fmt: skip
    with store.write("test") as w:  # a year-less birthday, as contact imports store it
        w.update_customer(ids["anna"], {"birthday": f"--{soon}"})
    try:
        yield CliRunner(path), store, ids
    finally:
        store.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _json(cli: CliRunner, *args: str) -> list[dict]:
    return json.loads(cli.ok(*args, "--format", "json"))


def test_followup_commands_end_to_end(world) -> None:  # type: ignore[no-untyped-def]
    from custinfo.activity.timeline import timeline
    from custinfo.errors import NotFoundError, UsageError, ValidationError

    cli, store, ids = world
    zhang, li = str(ids["zhang"]), str(ids["li"])
    first = cli.ok("followup", "add", zhang, "报价回访", "--due", "+2d", "--kind", "call")
    fid = first.strip()
    assert fid.isdigit()
    bad = cli("followup", "add", zhang, "--due", "2026-02-30")
    assert bad.code == 2 and "--due '2026-02-30': not a real date" in bad.stderr
    assert cli("followup", "add", "999", "--due", "today").code == 3
    late = core.add(store, ids["li"], core.plan((TODAY - timedelta(days=3)).isoformat()))
    with pytest.raises(ValidationError, match="--repeat '0d'"):
        core.plan("today", repeat="0d")
    with pytest.raises(ValidationError, match="--kind 'lunch'"):
        core.plan("today", kind="lunch")
    # note --follow-up: the interaction and the next step in one command
    logged = cli("note", zhang, "电话报价", "--kind", "call", "--follow-up", "+1w",
                 "--follow-up-text", "再次回访")  # fmt: skip
    assert logged.code == 0 and logged.stdout.strip().isdigit() and "follow-up" in logged.stderr

    rows = _json(cli, "followup", "list")
    assert [r["id"] for r in rows] == [late, int(fid), late + 1]
    assert rows[1] == {
        "id": int(fid), "customer_id": ids["zhang"], "name": "张伟",
        "due": (TODAY + timedelta(days=2)).isoformat(), "kind": "call", "text": "报价回访",
        "repeat": None, "status": "open", "created_at": rows[1]["created_at"],
        "closed_at": None, "note_id": None,
    }  # fmt: skip
    assert rows[2]["kind"] == "call" and rows[2]["text"] == "再次回访"
    before = core.select(store, due_before="tomorrow")
    assert [f.row.id for f in before] == [late]

    # show: the next line and the appended JSON key
    lines = cli.ok("show", zhang).splitlines()
    assert f"next: {(TODAY + timedelta(days=2)).isoformat()} call 报价回访 (#{fid})" in lines
    record = json.loads(cli.ok("show", zhang, "--format", "json"))
    assert list(record)[-1] == "next_followup" and record["next_followup"]["id"] == int(fid)

    # done logs an interaction of the follow-up's kind; then it is closed
    done = cli("followup", "done", fid, "--note", "谈妥了")
    assert done.code == 0 and f"follow-up {fid} done" in done.stderr
    events = timeline(store, ids["zhang"])
    assert (events[-3].type, events[-3].kind, events[-3].text) == ("interaction", "call", "谈妥了")
    assert [e.status for e in events if e.type == "followup"] == ["done", "open"]
    again = cli("followup", "cancel", fid)
    assert again.code == 2 and "done already" in again.stderr
    with pytest.raises(NotFoundError):
        core.snooze(store, 999, "today")
    assert core.snooze(store, late, "+3d").day == TODAY + timedelta(days=3)
    core.cancel(store, late)
    with pytest.raises(UsageError, match="cancelled already"):
        core.done(store, late)
    closed = [(f.row.id, f.row.status) for f in core.select(store, status="done")]
    assert closed == [(int(fid), "done"), (late, "cancelled")]
    del li


def test_repeating_follow_up_comes_back_counted_from_the_day_done(world) -> None:  # type: ignore[no-untyped-def]
    _, store, ids = world
    fid = core.add(store, ids["wang"], core.plan("2027-01-15", kind="visit", repeat="1m"))
    closed = core.done(store, fid, today=date(2027, 1, 31))  # done late, on a month end
    assert closed.next_due is not None and closed.next_due.day == date(2027, 2, 28)
    nxt = next(f for f in core.select(store, ids["wang"]) if f.row.id == closed.next_id)
    assert (nxt.row.kind, nxt.row.repeat, nxt.row.status) == ("visit", "1m", "open")
    core.cancel(store, nxt.row.id)


def test_keep_in_touch_reads_ids_from_stdin_and_is_reset_by_any_contact(world) -> None:  # type: ignore[no-untyped-def]
    cli, store, ids = world
    vip = "".join(f"{i}\n" for i in (ids["zhang"], ids["li"]))  # as `find --format ids` prints
    result = cli("keep-in-touch", "--every", "30d", input=vip)
    assert result.code == 0 and "2 customers every 30d" in result.stderr
    assert cli("keep-in-touch", "1", "999", "--every", "2w").code == 3
    from custinfo.activity import interactions

    def due(now: datetime | None = None) -> list[int]:
        return [i.customer_id for i in agenda.build(store, days=0, now=now).items
                if i.reason == "keep-in-touch"]  # fmt: skip

    # zhang was called today (above); li was never contacted: due 30 days after today.
    assert due() == []
    later = datetime.now().astimezone() + timedelta(days=31)
    assert due(later) == sorted([ids["zhang"], ids["li"]])
    long_ago = (TODAY - timedelta(days=60)).isoformat()
    interactions.add(store, ids["li"], interactions.interaction_input("来电", kind="call",
                                                                      at=long_ago))  # fmt: skip
    assert due() == [ids["li"]]  # the last contact is 60 days back now
    row = next(i for i in agenda.build(store, days=0).items if i.customer_id == ids["li"])
    assert (row.due.day, row.kind, row.text) == (TODAY - timedelta(days=30), "30d", long_ago)
    interactions.add(store, ids["li"], interactions.interaction_input("回访", kind="visit"))
    assert due() == []  # any contact resets it, by construction
    core.keep_in_touch(store, [ids["zhang"]], None)


def test_agenda_rows_groups_exit_code_and_filters(world) -> None:  # type: ignore[no-untyped-def]
    cli, store, ids = world
    fid = core.add(store, ids["anna"], core.plan("today", kind="message", text="发报价单"))
    overdue = core.add(store, ids["anna"], core.plan((TODAY - timedelta(days=1)).isoformat()))
    rows = _json(cli, "agenda", "--days", "7", "--birthdays", "14d")
    reasons = [(r["reason"], r["customer_id"]) for r in rows]
    assert reasons[0] == ("overdue", ids["anna"])
    assert ("birthday", ids["anna"]) in reasons and ("birthday", ids["zhang"]) in reasons
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert list(rows[0]) == list(agenda.COLUMNS)
    table = cli("agenda", "--birthdays", "14d", tty=True)
    assert "Overdue (1)" in table.stdout and "Today (1)" in table.stdout
    assert "Coming days (" in table.stdout
    for name in [m for m in sys.modules if m.startswith("icalendar")]:
        del sys.modules[name]
    assert cli("agenda", "--exit-code", "--format", "csv").code == 1
    assert "icalendar" not in sys.modules  # imported for --format ics only
    # Find filters narrow the agenda (and find itself has them).
    only = agenda.build(store, birthdays=TODAY + timedelta(days=14), ids={ids["zhang"]}).items
    assert {i.customer_id for i in only} == {ids["zhang"]}
    found = cli.ok("find", "--followup-due-before", "today", "--format", "ids").split()
    assert found == [str(ids["anna"])]
    core.done(store, overdue)
    assert not agenda.build(store).overdue
    from custinfo.search import Query, find_ids

    def ids_of(**kw: object) -> list[int]:
        return sorted(find_ids(store, Query(**kw), "CN"))  # type: ignore[arg-type]

    assert ids_of(has_open_followup=True) == sorted([ids["anna"], ids["zhang"]])
    assert ids_of(birthday_within="14d") == sorted([ids["zhang"], ids["anna"]])
    assert ids_of(birthday_within="1d") == []
    assert ids_of(keep_in_touch_due=True) == []
    core.cancel(store, fid)


def test_agenda_as_an_ics_calendar(world) -> None:  # type: ignore[no-untyped-def]
    import icalendar

    cli, store, ids = world
    fid = core.add(store, ids["wang"], core.plan("+1d", kind="call", text="回访 VIP"))
    timed = core.add(store, ids["wang"], core.plan(
        (TODAY + timedelta(days=2)).isoformat() + "T10:30", kind="meeting"))  # fmt: skip
    text = cli.ok("agenda", "--birthdays", "14d", "--format", "ics")
    assert "\r\n" in text
    cal = icalendar.Calendar.from_ical(text)
    todos = {str(c["uid"]): c for c in cal.walk("VTODO")}
    events = {str(c["uid"]): c for c in cal.walk("VEVENT")}
    assert f"followup-{fid}@custinfo" in todos and f"followup-{timed}@custinfo" in todos
    assert todos[f"followup-{fid}@custinfo"].decoded("due") == TODAY + timedelta(days=1)
    moment = todos[f"followup-{timed}@custinfo"].decoded("due")
    assert times.to_stored(moment) == core.plan(
        (TODAY + timedelta(days=2)).isoformat() + "T10:30").due.at  # fmt: skip
    assert "回访 VIP" in str(todos[f"followup-{fid}@custinfo"]["summary"])
    birthday = events[f"birthday-{ids['anna']}@custinfo"]
    assert birthday["rrule"]["FREQ"] == ["YEARLY"]
    assert birthday.decoded("dtstart") == TODAY + timedelta(days=3)
    from custinfo.followups.ics import calendar

    rebuilt = agenda.build(store, birthdays=TODAY + timedelta(days=14))
    again = icalendar.Calendar.from_ical(calendar(rebuilt, now=datetime(2030, 1, 1)))
    assert sorted(str(c["uid"]) for c in again.walk() if "uid" in c) == sorted(
        [*todos, *events]
    )  # stable UIDs
    core.cancel(store, fid)
    core.cancel(store, timed)


@pytest.fixture
def zone() -> Iterator[object]:
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_a_time_zone_change_keeps_dates_and_moves_times(world, zone) -> None:  # type: ignore[no-untyped-def]
    _, store, ids = world
    zone("Asia/Shanghai")
    dated = core.add(store, ids["wang"], core.plan("2030-03-01", kind="call"))
    timed = core.add(store, ids["wang"], core.plan("2030-03-01T08:00", kind="visit"))
    zone("America/New_York")  # the owner travels: 8:00 in Shanghai is 19:00 the day before
    shown = {f.row.id: f.due.iso() for f in core.select(store, ids["wang"])}
    assert shown[dated] == "2030-03-01" and shown[timed] == "2030-02-28T19:00:00-05:00"
    before = {f.row.id for f in core.select(store, ids["wang"], due_before="2030-03-01")}
    assert timed in before and dated not in before
    now = datetime(2030, 2, 28, 12, 0).astimezone()
    items = {i.followup_id: i for i in agenda.build(store, days=0, now=now).items}
    assert timed in items and dated not in items  # today (28 Feb in New York): the visit
    core.cancel(store, dated)
    core.cancel(store, timed)


def test_birthdays_at_the_year_end_and_on_29_february(world) -> None:  # type: ignore[no-untyped-def]
    _, store, _ = world
    ranges = agenda.birthday_ranges(date(2026, 12, 25), date(2027, 1, 5))
    assert ranges == [(2026, "12-25", "12-31"), (2027, "01-01", "01-05")]
    from custinfo import validation

    leap = store.add(validation.customer_input(name="闰年", region="CN", birthday="2000-02-29"))
    now = datetime(2027, 2, 20, 9, 0).astimezone()
    got = [i for i in agenda.build(store, days=0, birthdays=date(2027, 2, 28), now=now).items
           if i.customer_id == leap]  # fmt: skip
    assert [i.due.day for i in got] == [date(2027, 2, 28)]  # kept on 28 February
    leap_year = datetime(2028, 2, 20, 9, 0).astimezone()
    got = [i for i in agenda.build(store, days=0, birthdays=date(2028, 3, 5), now=leap_year).items
           if i.customer_id == leap]  # fmt: skip
    assert [i.due.day for i in got] == [date(2028, 2, 29)]


def test_merge_moves_follow_ups_and_the_kept_cadence_wins(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, store, _ = world
    from custinfo import validation
    from custinfo.privacy.access_report import report

    keep = store.add(validation.customer_input(name="Keep", region="CN"))
    other = store.add(validation.customer_input(name="Other", region="CN"))
    core.keep_in_touch(store, [keep], "2w")
    core.keep_in_touch(store, [other], "1y")
    fid = core.add(store, other, core.plan("+5d", text="moved"))
    store.merge(keep, [other])
    assert [f.row.id for f in core.select(store, keep)] == [fid]  # the id is kept
    every = store.conn.execute("SELECT every FROM keep_in_touch WHERE customer_id = ?", (keep,))
    assert every.fetchall() == [("2w",)]
    subject = report(store, other)
    assert [f["text"] for f in subject["records"]["followups"]] == ["moved"]
    assert store.unmerge(keep) == [other]
    assert [f.row.id for f in core.select(store, other)] == [fid]
    cadences = dict(store.conn.execute(
        "SELECT customer_id, every FROM keep_in_touch WHERE customer_id IN (?, ?)", (keep, other)
    ).fetchall())  # fmt: skip
    assert cadences == {keep: "2w", other: "1y"}


def test_keep_in_touch_due_matches_a_direct_computation(world) -> None:  # type: ignore[no-untyped-def]
    """The bounds per cadence (`schedule.latest_base`) in find and the agenda give what the
    rule says, customer by customer: last contact (local day) plus EVERY on or before the
    day in question, month ends included."""
    import random

    from custinfo import validation
    from custinfo.activity import interactions
    from custinfo.followups.schedule import after
    from custinfo.search import Query, find_ids

    _, store, _ = world
    r = random.Random(13)
    made: dict[int, tuple[date, str]] = {}
    for n in range(24):
        cid = store.add(validation.customer_input(name=f"节奏 {n}", region="CN"))
        every = r.choice(("7d", "2w", "1m", "3m", "1y"))
        last = TODAY - timedelta(days=r.choice((0, 6, 7, 8, 13, 14, 15, 29, 30, 31, 88, 92, 366)))
        interactions.add(store, cid, interactions.interaction_input(
            "联系", kind="message", at=last.isoformat() + "T23:30"))  # fmt: skip
        core.keep_in_touch(store, [cid], every)
        made[cid] = (last, every)
    found = set(find_ids(store, Query(keep_in_touch_due=True), "CN")) & set(made)
    assert found == {c for c, (last, every) in made.items() if after(last, every) <= TODAY}
    horizon = 10
    rows = {i.customer_id: i.due.day for i in agenda.build(store, days=horizon).items
            if i.customer_id in made}  # fmt: skip
    expected = {c: after(last, every) for c, (last, every) in made.items()}
    assert rows == {c: d for c, d in expected.items() if d <= TODAY + timedelta(days=horizon)}
