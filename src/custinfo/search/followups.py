"""Find filters over follow-ups, keep-in-touch cadences and birthdays (planner sources).

- `--has-open-followup`: has an open follow-up;
- `--followup-due-before WHEN`: has an open follow-up due before WHEN (a date: before that
  local day; forms as `followup add --due`), through the open-due index;
- `--birthday-within DURATION` (`14d`, `2w`, `1m`): a birthday (with or without a year)
  from today to today + DURATION, through the month-day index (migration v017);
- `--keep-in-touch-due`: has a cadence and its last contact plus the cadence has passed
  (on or before today), one bound per distinct cadence (`schedule.latest_base`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from custinfo import times
from custinfo.search.plan import _Source
from custinfo.store.db import Connection

if TYPE_CHECKING:
    from custinfo.search import Query


def sources(conn: Connection, q: Query) -> list[_Source] | None:
    """The planner sources for the follow-up filters of `q` (none given: none); None when
    nothing can match (`--keep-in-touch-due` without any cadence)."""
    out = []
    if q.has_open_followup:
        out.append(
            _Source(
                4,
                "SELECT DISTINCT customer_id FROM followups WHERE status = 'open'",
                "EXISTS (SELECT 1 FROM followups f WHERE f.customer_id = {id} "
                "AND f.status = 'open')",
                [],
            )
        )
    if q.followup_due_before:
        from custinfo.followups.schedule import before_clause, parse_when

        clause, params = before_clause(parse_when(q.followup_due_before, "--followup-due-before"))
        out.append(
            _Source(
                3,
                f"SELECT f.customer_id FROM followups f WHERE f.status = 'open' AND {clause}",
                "EXISTS (SELECT 1 FROM followups f WHERE f.customer_id = {id} "
                f"AND f.status = 'open' AND {clause})",
                params,
            )
        )
    if q.birthday_within:
        out.append(_birthday_source(q.birthday_within))
    if q.keep_in_touch_due:
        source = _cadence_source(conn)
        if source is None:
            return None
        out.append(source)
    return out


def month_day_ranges(start: Any, end: Any) -> list[tuple[str, str]]:
    """MM-DD ranges of the days start..end, 29 February included where it is kept on 28
    February (see `custinfo.followups.agenda`)."""
    from custinfo.followups.agenda import birthday_ranges

    out = []
    for year, low, high in birthday_ranges(start, end):
        out.append((low, high))
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        if not leap and low <= "02-28" == high:
            out.append(("02-29", "02-29"))
    return out


def _birthday_source(value: str) -> _Source:
    from custinfo.followups.schedule import within

    today = times.today()
    ranges = month_day_ranges(today, within(value, "--birthday-within"))
    test = " OR ".join(["substr(c.birthday, -5) BETWEEN ? AND ?"] * len(ranges))
    params = [v for pair in ranges for v in pair]
    each = "SELECT id FROM customers WHERE birthday IS NOT NULL AND substr(birthday, -5) " \
        "BETWEEN ? AND ?"  # fmt: skip
    # ids: one index range per part (UNION ALL: an OR would scan the whole index)
    return _Source(
        3, " UNION ALL ".join([each] * len(ranges)),
        f"(c.birthday IS NOT NULL AND ({test}))", params,
    )  # fmt: skip


def _cadence_source(conn: Connection) -> _Source | None:
    from custinfo.followups.schedule import latest_base

    today = times.today()
    tests, params = [], []
    for (every,) in conn.execute("SELECT DISTINCT every FROM keep_in_touch"):
        try:
            bound = times.local_start(latest_base(today, every) + timedelta(days=1))
        except (ValueError, OverflowError, AssertionError):
            continue
        tests.append("(k.every = ? AND coalesce(a.last_contact_at, k.since) < ?)")
        params += [every, bound]
    if not tests:
        return None
    due = " OR ".join(tests)
    joined = "FROM keep_in_touch k LEFT JOIN customer_activity a ON a.customer_id = k.customer_id "
    return _Source(
        4,
        f"SELECT k.customer_id {joined}WHERE {due}",
        f"EXISTS (SELECT 1 {joined}WHERE k.customer_id = {{id}} AND ({due}))",
        params,
    )
