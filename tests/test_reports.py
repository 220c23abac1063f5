"""Reports against a hand computation on a small fixed shop (tests/report_shop.py)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from custinfo import reports
from custinfo.reports import Money
from custinfo.reports.numbers import human
from custinfo.reports.value import scores, segment_names
from tests import report_shop
from tests.budget import examples
from tests.conftest import PASSPHRASE, CliRunner

AS_OF = report_shop.AS_OF


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The shop database, built once, under TZ=Asia/Shanghai for the whole module."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = report_shop.TZ
    time.tzset()
    path = tmp_path_factory.mktemp("shop") / "shop.db"
    report_shop.build(path, PASSPHRASE.encode())
    yield path
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture(scope="module")
def store(shop: Path) -> Iterator[object]:
    from custinfo.store import Store

    with Store.open(shop, PASSPHRASE.encode()) as opened:
        yield opened


@pytest.fixture
def run(shop: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("CUSTINFO_PASSPHRASE_FILE", "CUSTINFO_PASSPHRASE_COMMAND", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CUSTINFO_LANG", "en")
    monkeypatch.setenv("CUSTINFO_CONFIG", str(shop.parent / "config.toml"))
    monkeypatch.setenv("CUSTINFO_DB", str(shop))
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
    return CliRunner(shop)


def _rows(report: reports.Report, key: str) -> list[list[object]]:
    return [list(r) for r in report.table(key).rows]


# -- value (RFM) ------------------------------------------------------------------------------
def test_value_matches_the_hand_computation(store: object) -> None:
    report = reports.build(store, "value", as_of=AS_OF)  # type: ignore[arg-type]
    assert report.period == {"since": "2024-12-01", "as_of": AS_OF}
    got = {r[0]: (r[2], r[3], r[4], r[8], r[9], r[10]) for r in _rows(report, "customers")}
    assert got == {
        # id: (R days, F, M, rfm, segment, other currencies)
        1: (2, 3, Money(60000, "CNY"), "354", "Important retention", ""),
        2: (0, 1, Money(3000, "CNY"), "512", "General development", ""),
        3: (209, 2, Money(100000, "CNY"), "245", "Important retention", "US$10.00"),
        4: (1, 1, Money(10000, "CNY"), "413", "General development", ""),
        6: (324, 1, Money(0, "CNY"), "111", "General win-back", "US$80.00"),
    }
    segments = {r[5]: r[1] for r in _rows(report, "segments")}
    assert segments["important_retention"] == 2 and segments["general_winback"] == 1
    assert sum(segments.values()) == 5


def test_value_window_and_as_of(store: object) -> None:
    earlier = reports.build(store, "value", as_of="2026-11-29", since="2026-11-01")  # type: ignore[arg-type]
    got = {r[0]: (r[2], r[3], r[4].minor) for r in _rows(earlier, "customers")}
    assert got == {1: (1, 1, 10000), 4: (0, 1, 10000)}  # 2's orders are on the 30th


def _both_ways(store: object, ids: list[int] | None, as_of: str, since: str) -> tuple:
    """value.rfm of a scope by its customer_activity shortcut and by the plain order scan."""
    from datetime import date

    from custinfo.reports import Scope, value

    scope = Scope(store, ids, date.fromisoformat(as_of), date.fromisoformat(since))  # type: ignore[arg-type]

    def columns(result: value.RFM, others: dict) -> tuple:
        cols = (result.ids, result.recency, result.frequency, result.monetary)
        return tuple(c.tolist() for c in cols), others

    share, value._FALLBACK = value._FALLBACK, 1.0  # the shortcut however few it serves
    try:
        fast = columns(*value.rfm(scope))
    finally:
        value._FALLBACK = share
    saved, value._from_activity = value._from_activity, lambda _scope: None
    zone, value._zone_ok = value._zone_ok, lambda _scope: False  # SQLite's 'localtime'
    try:
        slow = columns(*value.rfm(scope))
    finally:
        value._from_activity, value._zone_ok = saved, zone
    return fast, slow


@pytest.mark.parametrize(
    ("as_of", "since"),
    [(AS_OF, "2024-12-01"), (AS_OF, "2024-11-30"), ("2026-11-29", "2026-11-01"),
     ("2026-05-05", "2025-12-01"), (AS_OF, "2026-11-30"), ("2024-11-30", "2024-01-01")],
)  # fmt: skip
def test_value_shortcut_equals_the_order_scan(store: object, as_of: str, since: str) -> None:
    """customer_activity gives R, F, M only where exact (every order in the window, nothing
    in another currency there): the same numbers as the scan, window edges included."""
    for ids in (None, [1, 3, 6], [2]):
        fast, slow = _both_ways(store, ids, as_of, since)
        assert fast == slow


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana"]
)
def test_recency_days_follow_sqlite_localtime(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """value._recency (numpy, the C library's offsets) == SQLite's date(t, 'localtime'),
    across daylight-saving changes (Lord Howe: half an hour; Havana: at midnight)."""
    from datetime import date

    import sqlcipher3

    from custinfo.reports import Scope, value

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        scope = Scope(None, None, date(2026, 11, 30), date(2024, 12, 1))  # type: ignore[arg-type]
        lo = int(time.mktime((2024, 12, 1, 0, 0, 0, 0, 0, -1)))
        # every ~83 minutes for two years (each time of day in turn), and both window ends
        seconds = [*range(lo, lo + 731 * 86400, 4999), lo, lo + 731 * 86400 - 1]
        for day in range(731):  # around each local midnight, to the second
            midnight = int(time.mktime((2024, 12, 1 + day, 0, 0, 0, 0, 0, -1)))
            seconds += [t for t in (midnight - 3601, midnight - 1, midnight, midnight + 3599)
                        if lo <= t < lo + 731 * 86400]  # fmt: skip
        conn = sqlcipher3.connect(":memory:")
        sql = "SELECT " + value._RECENCY.format("datetime(?, 'unixepoch')")
        want = [conn.execute(sql, ("2026-11-30", t)).fetchone()[0] for t in seconds]
        got = value._recency(scope, seconds).tolist()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert got == want


def test_money_texts_by_block_equal_to_text() -> None:
    import numpy as np

    from custinfo.money import to_text
    from custinfo.reports.value import _texts

    values = [0, 1, -1, 9, 10, -99, 100, -100, 12345, -12345, 10**15 + 7, -(10**15) - 7]
    for currency, places in (("CNY", 2), ("JPY", 0), ("BHD", 3)):
        want = [to_text(v, currency) for v in values]
        assert _texts(np.array(values, dtype=np.int64), places) == want


@pytest.fixture(scope="module")
def orders_store(shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """An empty store (the shop's time zone) that the property test fills customer by customer."""
    from custinfo.store import Store

    path = tmp_path_factory.mktemp("rfm") / "rfm.db"
    with Store.create(path, PASSPHRASE.encode(), region="CN") as created:
        yield created


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(
    st.integers(0, 3), st.integers(0, 60 * 24 - 1), st.sampled_from([0, -1, 1, 5, 250, -30]),
    st.sampled_from(["CNY", "CNY", "CNY", "USD"]),
), max_size=12), st.integers(0, 40), st.integers(0, 30))  # fmt: skip
# refunds before and after the window of customers whose orders are all in it
@example(orders=[(0, 15, 250, "CNY"), (0, 2, -30, "CNY"), (1, 15, 5, "CNY"), (1, 40, -1, "CNY")],
         end=20, span=10)  # fmt: skip
def test_value_shortcut_property(
    orders_store: object, orders: list[tuple[int, int, int, str]], end: int, span: int
) -> None:
    """Random orders of four fresh customers (refunds, zero amounts, another currency,
    orders before, at and after the window's local edges): shortcut == scan."""
    from datetime import date, timedelta

    from custinfo import times
    from custinfo.models import CustomerInput
    from custinfo.store.orders import OrderRow, insert_orders

    day0 = date(2026, 10, 1)
    with orders_store.write("rfm property") as w:  # type: ignore[attr-defined]
        ids = [w.add_customer(CustomerInput(name=f"c{i}"), source="manual") for i in range(4)]
        rows = []
        for who, minutes, amount, cur in orders:
            # a day in [day0, day0 + 40], minutes into it: hours around local midnight
            day = day0 + timedelta(days=minutes % 41)
            text = f"{day.isoformat()} {(minutes // 41) % 24:02d}:{minutes % 60:02d}"
            rows.append(OrderRow(ids[who], times.moment(text, "at"), amount * 100, cur))
        if rows:
            insert_orders(w, rows)
    as_of = day0 + timedelta(days=end)
    since = as_of - timedelta(days=span)
    fast, slow = _both_ways(orders_store, ids, as_of.isoformat(), since.isoformat())
    assert fast == slow


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        ([1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 3, 4, 5, 5]),  # ceil(5r/7): 0.71, 1.43, 2.14, ...
        ([1, 1, 1, 1, 1, 2], [1, 1, 1, 1, 1, 5]),  # ties share the lowest score of the group
        ([1, 1, 1, 2], [2, 2, 2, 5]),  # n < 5: the lowest rank already scores ceil(5/4) = 2
        ([5, 5, 5, 5, 5], [1, 1, 1, 1, 1]),
        ([7], [5]),
    ],
)
def test_quintile_edges(values: list[int], expected: list[int]) -> None:
    assert scores(values, higher_is_better=True).tolist() == expected
    reverse = [-v for v in values]
    assert scores(reverse, higher_is_better=False).tolist() == expected


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=60))
def test_scores_are_monotone_and_tie_stable(values: list[int]) -> None:
    got = scores(values, higher_is_better=True).tolist()
    assert all(1 <= s <= 5 for s in got)
    for a, sa in zip(values, got, strict=True):
        for b, sb in zip(values, got, strict=True):
            assert (a < b) <= (sa <= sb) and (a == b) <= (sa == sb)


def test_segment_names_in_both_languages() -> None:
    assert segment_names(chinese=True)[0] == "重要价值客户"
    assert segment_names(chinese=False)[7] == "General win-back"
    assert human(12345, chinese=True) == "1.2万" and human(12345, chinese=False) == "12,345"
    assert human(120000, chinese=True) == "12万" and human(345_000_000, chinese=True) == "3.5亿"
    assert human(Money(1234567, "CNY")) == "¥12,345.67"


# -- overview, growth, activity, quality ------------------------------------------------------
def test_overview_numbers(store: object) -> None:
    report = reports.build(store, "overview", as_of=AS_OF)  # type: ignore[arg-type]
    summary = {key: value for key, _label, value in report.summary}
    assert summary == {
        "customers": 6, "new_this_month": 2, "orders": 8,
        "average_order": Money(29167, "CNY"),  # (300+200+100+50+1000+100) / 6, half up
        "repeat_buyers": 0.4,  # customers 1 and 3 of the five buyers
    }  # fmt: skip
    assert _rows(report, "revenue") == [
        ["CNY", 6, 1, Money(173000, "CNY")], ["USD", 2, 0, Money(9000, "USD")]
    ]  # fmt: skip
    months = dict(_rows(report, "new_by_month"))
    assert len(months) == 13 and months["2026-03"] == 1 and months["2026-11"] == 2
    assert sum(months.values()) == 4
    assert _rows(report, "by_city") == [["上海", 3], ["", 1], ["北京", 1], ["广州", 1]]
    assert _rows(report, "by_source") == [["manual", 4], ["old.csv", 1], ["shop.csv", 1]]
    assert _rows(report, "by_tag") == [["VIP", 2]]


def test_overview_of_a_segment(store: object) -> None:
    report = reports.build(store, "overview", ids=[1, 3, 4], as_of=AS_OF)  # type: ignore[arg-type]
    summary = {key: value for key, _label, value in report.summary}
    assert summary["customers"] == 3 and summary["orders"] == 6
    assert _rows(report, "revenue")[0] == ["CNY", 5, 0, Money(170000, "CNY")]
    # no order in the database currency: no CNY row, no average (the one pass takes the
    # other currencies off its totals)
    only_usd = reports.build(store, "overview", ids=[6], as_of=AS_OF)  # type: ignore[arg-type]
    assert _rows(only_usd, "revenue") == [["USD", 1, 0, Money(8000, "USD")]]
    assert {k: v for k, _l, v in only_usd.summary}["average_order"] is None
    refund = reports.build(store, "overview", ids=[2], as_of=AS_OF)  # type: ignore[arg-type]
    assert _rows(refund, "revenue") == [["CNY", 1, 1, Money(3000, "CNY")]]


def test_growth_uses_local_months(store: object) -> None:
    report = reports.build(store, "growth", as_of=AS_OF)  # type: ignore[arg-type]
    assert report.table("months").columns[-1] == "revenue_USD"
    months = {r[0]: r[1:] for r in _rows(report, "months")}
    assert len(months) == 25
    # 2026-10-01 00:00 in Shanghai is 2026-09-30T16:00Z: an October order.
    assert months["2026-10"] == [1, 2, 1, Money(20000, "CNY"), Money(0, "USD")]
    assert months["2026-11"] == [2, 3, 3, Money(23000, "CNY"), Money(0, "USD")]
    assert months["2024-11"][2:4] == [1, Money(99900, "CNY")]
    assert months["2026-01"][3:] == [Money(0, "CNY"), Money(8000, "USD")]


def test_activity_numbers(store: object) -> None:
    report = reports.build(store, "activity", as_of=AS_OF)  # type: ignore[arg-type]
    summary = {key: value for key, _label, value in report.summary}
    assert summary == {"interactions": 5, "open_cases": 2, "oldest_open_days": 152,
                       "not_contacted_90d": 3, "followups_done": 0,
                       "followups_overdue": 0}  # fmt: skip
    assert _rows(report, "case_age") == [["0-7", 0, 0], ["8-30", 1, 0], ["31-90", 0, 0],
                                         ["91+", 0, 1]]  # fmt: skip
    assert [(r[1], r[2], r[3], r[4]) for r in _rows(report, "open_cases")] == [
        (3, "service", "2026-07-01", 152), (2, "complaint", "2026-11-20", 10)]  # fmt: skip
    assert report.table("by_month").columns == ["month", "call", "visit", "complaint", "service"]


def test_quality_numbers(store: object) -> None:
    report = reports.build(store, "quality", as_of=AS_OF, listing=True)  # type: ignore[arg-type]
    summary = {key: value for key, _label, value in report.summary}
    assert summary == {"customers": 6, "stale": 2, "no_contact": 1, "duplicate_groups": 2,
                       "duplicate_customers": 4, "unmapped_notes": 1}  # fmt: skip
    assert dict((r[0], r[1]) for r in _rows(report, "missing"))["phones"] == 3
    assert _rows(report, "flagged") == [
        [1, "王芳", "duplicate"], [2, "李伟", "duplicate"], [3, "Anna", "stale"],
        [4, "张伟", "duplicate"], [5, "Bob", "stale no-contact"],
        [6, "陈静", "duplicate unmapped-notes"],
    ]  # fmt: skip
    stricter = reports.build(store, "quality", as_of=AS_OF, stale="2026-10-15")  # type: ignore[arg-type]
    assert dict((k, v) for k, _l, v in stricter.summary)["stale"] == 4


# -- the command ------------------------------------------------------------------------------
def test_value_csv_and_json(run: CliRunner) -> None:
    lines = run.ok("report", "value", "--as-of", AS_OF, "--format", "csv").splitlines()
    assert lines[0] == "id,name,recency_days,frequency,monetary,r,f,m,rfm,segment,other"
    assert lines[3] == "3,Anna,209,2,1000.00,2,4,5,245,Important retention,US$10.00"
    data = json.loads(run.ok("report", "value", "--as-of", AS_OF, "--format", "json"))
    assert data["summary"]["monetary"] == {"amount": "1730.00", "currency": "CNY"}
    assert data["customers"][4]["rfm"] == "111" and len(data["segments"]) == 8
    assert data["rules"]["window"] == ["2024-12-01", AS_OF]


def test_value_blocks_give_the_same_rows(
    store: object, run: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CSV and JSON of the value report come by blocks of column arrays (1M customers):
    blocks of two rows give the same document, and the rows equal `take`'s, one by one."""
    from custinfo.reports import value

    whole = run.ok("report", "value", "--as-of", AS_OF, "--format", "csv")
    monkeypatch.setattr(value, "_BLOCK", 2)
    assert run.ok("report", "value", "--as-of", AS_OF, "--format", "csv") == whole
    small = json.loads(run.ok("report", "value", "--as-of", AS_OF, "--format", "json"))
    report = reports.build(store, "value", as_of=AS_OF)  # type: ignore[arg-type]
    rows = report.table("customers").rows
    assert list(rows) == list(rows.take(range(len(rows))))  # type: ignore[attr-defined]
    assert [(r["id"], r["name"], r["monetary"]["amount"], r["rfm"], r["other"])
            for r in small["customers"]] == [
        (r[0], r[1], r[4].text(), r[8], r[10]) for r in rows]  # fmt: skip
    assert rows._block_names([1, 6]) == {1: "王芳", 6: "陈静"}  # a lookup per id
    assert rows._block_names([3, 4]) == {3: "Anna", 4: "张伟"}  # one range


def test_reports_spin_at_a_terminal_only(run: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    at_terminal = run("report", "quality", "--as-of", AS_OF, tty=True)
    assert at_terminal.code == 0 and "Computing the quality report…" in at_terminal.stderr
    assert "Computing" not in at_terminal.stdout
    piped = run("report", "quality", "--as-of", AS_OF)
    assert piped.code == 0 and "Computing" not in piped.stderr


def test_overview_long_csv_and_filters(run: CliRunner) -> None:
    out = run.ok("report", "--as-of", AS_OF, "--city", "上海")
    assert out.splitlines()[0] == "section,label,measure,value,currency"
    assert "summary,customers,value,3," in out and "revenue,CNY,revenue,1700.00,CNY" in out
    data = json.loads(
        run.ok("report", "overview", "--as-of", AS_OF, "--city", "上海", "-f", "json")
    )
    assert data["filters"] == {"--city": "上海"}


def test_quality_list_feeds_tag_add(run: CliRunner) -> None:
    ids = run.ok("report", "quality", "--as-of", AS_OF, "--stale", "12m", "--list",
                 "--format", "ids")  # fmt: skip
    assert ids.split() == ["1", "2", "3", "4", "5", "6"]


def test_terminal_fits_80_columns_without_colour(
    store: object, run: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custinfo.cli.report_view import terminal_text
    from custinfo.cli.tables import width_of

    for name in reports.NAMES:
        report = reports.build(store, name, as_of=AS_OF, listing=True)  # type: ignore[arg-type]
        out = terminal_text(report, width=80, color=False)
        assert "\x1b[" not in out, name
        assert max(width_of(line) for line in out.splitlines()) <= 80, name
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("CUSTINFO_PAGER", "")
    out = run.ok("report", "overview", "--as-of", AS_OF, tty=True)
    assert "\x1b[" not in out and "上海" in out and "█" in out and "¥291.67" in out
    assert max(width_of(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "overview", "--apply-tags", "rfm:"], "--apply-tags works with 'report value'"),
        (["report", "value", "--apply-tags", " "], "--apply-tags needs a PREFIX"),
        (["report", "growth", "--list"], "--list works with 'report quality'"),
        (["report", "overview", "--format", "ids"], "--format ids needs"),
        (["report", "value", "--since", "soon"], "--since 'soon'"),
        (["report", "value", "--as-of", "2026-13-01"], "--as-of '2026-13-01'"),
        (["report", "value", "--since", "2027-01-01", "--as-of", AS_OF], "is after"),
        (["report", "nonsense"], "nonsense"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run: CliRunner, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.code == 2, result
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_apply_tags_replaces_the_previous_segment_tags(
    shop: Path, run: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(shop, copy)
    monkeypatch.setenv("CUSTINFO_DB", str(copy))
    run.ok("tag", "add", "rfm:stale-segment", "5")
    run.ok("report", "value", "--as-of", AS_OF, "--apply-tags", "rfm:")
    tags = dict(line.split(",") for line in run.ok("tag", "list", "-f", "csv").splitlines()[1:])
    assert tags == {"rfm:General development": "2", "rfm:General win-back": "1",
                    "rfm:Important retention": "2", "VIP": "2"}  # fmt: skip
    found = run.ok("find", "--tag", "rfm:Important retention", "--format", "ids").split()
    assert found == ["1", "3"]
    # As of an earlier day only customers 1 (R 1, score 3) and 4 (R 0, score 5) have
    # orders, with equal F and M (score 3): the others lose their tag.
    run.ok("report", "value", "--as-of", "2026-11-29", "--since", "2026-11-01",
           "--apply-tags", "rfm:")  # fmt: skip
    tags = dict(line.split(",") for line in run.ok("tag", "list", "-f", "csv").splitlines()[1:])
    assert {k: v for k, v in tags.items() if k.startswith("rfm:")} == {
        "rfm:General development": "1", "rfm:General win-back": "1"}  # fmt: skip


def test_html_file_is_self_contained(run: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    run.ok("report", "overview", "--as-of", AS_OF, "--format", "html", "-o", str(target))
    text = target.read_text(encoding="utf-8")
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert text.count("<svg") == 4 and "上海" in text and "¥291.67" in text
    assert "<script" not in text and "<link" not in text and "src=" not in text
    assert "http" not in text.replace("http://www.w3.org/", "")
    assert run("report", "overview", "-f", "html", "-o", str(target)).code == 2  # exists


@pytest.mark.slow  # ~3 s CPU: .ci/run runs it after the default suite
def test_html_in_a_real_browser(store: object, tmp_path: Path) -> None:
    from custinfo.cli.report_view import html_text

    for name, charts in (("overview", 4), ("growth", 3), ("value", 1)):
        target = tmp_path / f"{name}.html"
        target.write_text(html_text(reports.build(store, name, as_of=AS_OF)), encoding="utf-8")  # type: ignore[arg-type]
        _browser_check(target, charts=charts)


def _browser_check(page_file: Path, *, charts: int) -> None:
    """Open the file in headless Chromium (Debian's, no download): every chart drew a
    non-empty SVG, and no request left the page."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
        page.goto(page_file.as_uri())
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('svg.chart')).map(s => "
            "[s.getBoundingClientRect().width, s.getBBox().height, "
            "s.querySelectorAll('path, rect, use').length])"
        )
        browser.close()
    assert requests == [page_file.as_uri()]
    assert len(drawn) == charts and all(w > 100 and h > 20 and n > 2 for w, h, n in drawn), drawn


def test_charts_stay_off_the_start_up_path() -> None:
    import subprocess
    import sys

    code = (
        "import sys, custinfo.cli.cmd_report, custinfo.cli.report_view, custinfo.reports.html, "
        "custinfo.reports.value; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'numpy', 'playwright')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
