"""The agenda: who needs attention, from today to a horizon.

Rows (`Item`), sorted by date (then time, reason, id):

- `overdue`: open follow-ups whose day (or, for a timed one, whose time) has passed;
- `due`: open follow-ups due from now to the horizon (`days` after today, inclusive);
- `keep-in-touch`: customers whose last contact plus their cadence falls on or before the
  horizon (a customer never contacted counts from the day the cadence was set);
- `birthday`: birthdays from today to the birthday horizon (with or without a year; 29
  February is kept on 28 February in other years).

Each source is one indexed query that gives finished rows, names included (`Row`: the sort
key first, so the rows sort as plain tuples): the open-due index of follow-ups, one range
per distinct cadence of the keep-in-touch due data (`custinfo.followups.due`, derived data
of the write gate; the bound per cadence is `schedule.latest_base`), and the month-day
index of birthdays (migration v011). `ids` (find filters) keeps the rows of those customers
only. `Agenda.values` streams the output values from the rows; `Agenda.items` makes `Item`s
(terminal tables, the calendar) when asked.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from custinfo import times
from custinfo.followups.core import before_clause
from custinfo.followups.schedule import Due, after, latest_base

if TYPE_CHECKING:
    from custinfo.store import Store

COLUMNS = ("due", "customer_id", "name", "reason", "kind", "text", "followup_id")
REASONS = ("overdue", "due", "keep-in-touch", "birthday")
GROUPS = ("overdue", "today", "coming")
_RANK = {reason: rank for rank, reason in enumerate(REASONS)}
_CUSTOMER = itemgetter(4)


@dataclass(slots=True)
class Item:
    due: Due
    customer_id: int
    name: str
    reason: str
    kind: str  # a follow-up's kind; the cadence (30d); "birthday"
    text: str = ""  # a follow-up's text; the last contact's local date; the stored birthday
    followup_id: int | None = None

    def values(self) -> list[Any]:
        """The COLUMNS values; `due` is a date, or local ISO 8601 with the offset."""
        return [self.due.iso(), self.customer_id, self.name, self.reason, self.kind, self.text,
                self.followup_id]  # fmt: skip

    def key(self) -> tuple[Any, ...]:
        due = self.due
        day = due.day if due.at is None else due.local_day()
        return (day, due.at or "", _RANK[self.reason], self.followup_id or 0, self.customer_id)


#: One agenda row, the sort key first: (local day, due_at or "", reason rank, follow-up id or
#: None, customer id, name, kind, text, stored due_date, due as `Item.values` writes it,
#: reason). Rows of one rank all have a follow-up id or all have None, so they sort as plain
#: tuples; the sources give them in order (a sort of sorted runs is cheap).
Row = tuple[str, str, int, int | None, int, str, str, str, str, str, str]
#: COLUMNS of a row.
_VALUES = itemgetter(9, 4, 5, 10, 6, 7, 3)
_FIRST = itemgetter(0)
_KEEP_IN_TOUCH = "keep-in-touch"
_BIRTHDAY = "birthday"


def _item(row: Row) -> Item:
    due = Due(date.fromisoformat(row[8]), row[1] or None)
    return Item(due, row[4], row[5], row[10], row[6], row[7], row[3])


@dataclass
class Agenda:
    today: date
    horizon: date
    rows: list[Row] = field(default_factory=list)
    _items: list[Item] | None = field(default=None, repr=False, compare=False)

    @property
    def items(self) -> list[Item]:
        """The rows as `Item`s (made once, when first asked)."""
        if self._items is None:
            self._items = [_item(r) for r in self.rows]
        return self._items

    def values(self) -> Iterator[tuple[Any, ...]]:
        """Each row's COLUMNS values (as `Item.values`), straight from the rows."""
        return map(_VALUES, self.rows)

    @property
    def overdue(self) -> bool:
        """Something is overdue (`agenda --exit-code` exits 1)."""
        return any(r[2] == 0 for r in self.rows)

    def group(self, item: Item) -> str:
        day = item.due.local_day()
        if item.reason == "overdue" or day < self.today:
            return "overdue"
        return "today" if day == self.today else "coming"

    def groups(self) -> list[tuple[str, list[Item]]]:
        """(group, rows) for overdue, today and the coming days, empty groups left out."""
        out: dict[str, list[Item]] = {g: [] for g in GROUPS}
        for item in self.items:
            out[self.group(item)].append(item)
        return [(g, rows) for g, rows in out.items() if rows]


def build(
    store: Store, *, days: int = 7, birthdays: date | None = None,
    ids: Collection[int] | None = None, now: datetime | None = None,
) -> Agenda:  # fmt: skip
    """The agenda from today (local) to `days` after it; birthdays up to `birthdays` (a
    local date; None: none); `ids`: only these customers."""
    now = now or datetime.now().astimezone()
    today = now.date()
    agenda = Agenda(today, today + timedelta(days=max(days, 0)))
    conn = store.conn
    rows = _followups(conn, agenda.horizon, now) + _cadences(conn, agenda.horizon)
    if birthdays is not None and birthdays >= today:
        rows += _birthdays(conn, today, birthdays)
    if ids is not None:
        wanted = ids if isinstance(ids, set | frozenset) else set(ids)
        rows = [r for r in rows if r[4] in wanted]
    rows.sort()
    agenda.rows = rows
    return agenda


def _followups(conn: Any, horizon: date, now: datetime) -> list[Row]:
    """Open follow-ups due by `horizon`, in order: dated ones finished in SQL, then timed
    ones (their local day and time) here."""
    clause, params = before_clause(Due(horizon + timedelta(days=1)))
    sql = (
        "SELECT f.due_date, coalesce(f.due_at, '') AS at, CASE WHEN f.due_at IS NULL "
        "THEN f.due_date >= ? ELSE f.due_at >= ? END AS rank, f.id, f.customer_id, c.name, "
        "f.kind, f.text, f.due_date, f.due_date, "
        "CASE WHEN f.due_at IS NULL AND f.due_date >= ? OR f.due_at >= ? THEN 'due' "
        "ELSE 'overdue' END FROM followups f JOIN customers c ON c.id = f.customer_id "
        f"WHERE f.status = 'open' AND {clause} ORDER BY f.due_at IS NOT NULL, at, 1, rank, f.id"
    )
    moment = [now.date().isoformat(), times.to_stored(now)]
    rows = conn.execute(sql, [*moment, *moment, *params]).fetchall()
    for n, row in enumerate(rows):
        if row[1]:  # (as `Due.local_day` and `Due.iso`)
            local = times.from_stored(row[1])
            if local is not None:
                local = local.astimezone()
                day, iso = local.date().isoformat(), local.isoformat(timespec="seconds")
                rows[n] = (day, *row[1:9], iso, row[10])
    return rows


def _cadences(conn: Any, horizon: date) -> list[Row]:
    """Customers due under keep-in-touch by `horizon`, in order: per distinct cadence and
    contact flag, one range of the due data (`custinfo.followups.due`) up to the bound of
    `schedule.latest_base`, in `base_at` order; cut into local days (`bisect`), each day's
    customers share their due day."""
    from custinfo.followups.due import LocalDays

    sql = (
        "SELECT base_at, customer_id, name FROM keep_in_touch_due "
        "WHERE every = ? AND contacted = ? AND base_at < ? ORDER BY base_at, customer_id"
    )
    local = LocalDays()
    ends: dict[str, str] = {}  # local day -> the start of the next one (stored UTC text)
    dues: dict[tuple[str, str], str] = {}  # (local day, every) -> the due day
    days: dict[str, list[tuple[str, str, list[tuple[str, int, str]]]]] = {}
    for every in _distinct_everys(conn):
        try:
            bound = times.local_start(latest_base(horizon, every) + timedelta(days=1))
        except (ValueError, OverflowError, AssertionError):
            continue  # not a cadence this version understands
        for contacted in (0, 1):
            found = conn.execute(sql, (every, contacted, bound)).fetchall()
            bases = list(map(_FIRST, found))
            start = 0
            while start < len(found):
                base = local(bases[start])
                next_day = ends.get(base)
                if next_day is None:
                    day = date.fromisoformat(base)
                    next_day = ends[base] = times.local_start(day + timedelta(days=1))
                end = max(bisect_left(bases, next_day, start), start + 1)  # (>= 1 row)
                due = dues.get((base, every))
                if due is None:
                    due = dues[(base, every)] = after(date.fromisoformat(base), every).isoformat()
                part = (every, base if contacted else "", found[start:end])
                days.setdefault(due, []).append(part)
                start = end
    out: list[Row] = []
    for due in sorted(days):
        rows: list[Row] = []
        for every, text, part in days[due]:
            _, cids, names = zip(*part, strict=True)
            rows += zip(repeat(due), repeat(""), repeat(2), repeat(None), cids, names,
                        repeat(every), repeat(text), repeat(due), repeat(due),
                        repeat(_KEEP_IN_TOUCH))  # fmt: skip
        if len(days[due]) > 1:
            rows.sort(key=_CUSTOMER)
        out += rows
    return out


def _distinct_everys(conn: Any) -> list[str]:
    """The distinct cadences of the due data: one index seek each (not a scan)."""
    out: list[str] = []
    sql = "SELECT min(every) FROM keep_in_touch_due WHERE every > ?"
    while (every := conn.execute(sql, (out[-1] if out else "",)).fetchone()[0]) is not None:
        out.append(every)
    return out


def birthday_ranges(start: date, end: date) -> list[tuple[int, str, str]]:
    """(year, first MM-DD, last MM-DD) segments covering the days start..end (inclusive)."""
    if (end - start).days >= 366:
        end = start + timedelta(days=365)
    out = []
    day = start
    while day <= end:
        last = min(end, date(day.year, 12, 31))
        out.append((day.year, day.strftime("%m-%d"), last.strftime("%m-%d")))
        day = last + timedelta(days=1)
    return out


def _birthdays(conn: Any, start: date, end: date) -> list[Row]:
    """Birthdays from `start` to `end`, in order: one range of the covering month-day index
    per day (29 February on 28 February in years that are not leap years)."""
    sql = (
        "SELECT id, name, birthday FROM customers WHERE birthday IS NOT NULL "
        "AND substr(birthday, -5) = ? ORDER BY id"
    )
    out: list[Row] = []
    for year, low, high in birthday_ranges(start, end):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = date.fromisoformat(f"{year:04d}-{low}")
        last = date.fromisoformat(f"{year:04d}-{high}")
        while day <= last:
            md = day.strftime("%m-%d")
            found = conn.execute(sql, (md,)).fetchall()
            if md == "02-28" and not leap:
                found = sorted(found + conn.execute(sql, ("02-29",)).fetchall(), key=_FIRST)
            if found:
                text = day.isoformat()
                cids, names, stored = zip(*found, strict=True)
                out += zip(repeat(text), repeat(""), repeat(3), repeat(None), cids, names,
                           repeat(_BIRTHDAY), stored, repeat(text), repeat(text),
                           repeat(_BIRTHDAY))  # fmt: skip
            day += timedelta(days=1)
    return out
