"""The agenda: who needs attention, from today to a horizon.

Rows (`Item`), sorted by date (then time, reason, id):

- `overdue`: open follow-ups whose day (or, for a timed one, whose time) has passed;
- `due`: open follow-ups due from now to the horizon (`days` after today, inclusive);
- `keep-in-touch`: customers whose last contact plus their cadence falls on or before the
  horizon (a customer never contacted counts from the day the cadence was set);
- `birthday`: birthdays from today to the birthday horizon (with or without a year; 29
  February is kept on 28 February in other years).

Each source is indexed queries that give the rows of each day in order, names included,
from the agenda's derived data (`custinfo.followups.due`, kept in step by the write gate):
the open follow-ups by due date, one range per distinct cadence of the keep-in-touch due
data (the bound per cadence is `schedule.latest_base`), and one range of the month-day
index of birthdays (migration v017) per day; the large ranges (keep-in-touch and birthdays)
leave SQLite as columns (`_columns`). A day's rows are its dated follow-ups, keep-in-touch,
birthdays, then its timed follow-ups, so the days are put together without sorting rows.
A row is the tuple of its output values (`Row`, as `Item.values`): `Agenda.values` streams
them as they are, and `Agenda.items` makes `Item`s (terminal tables, the calendar) when
asked. `ids` (find filters) keeps the rows of those customers only.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice, repeat
from json import loads
from operator import itemgetter, le
from typing import TYPE_CHECKING, Any

from custinfo import times
from custinfo.followups.schedule import Due, before_clause, latest_base, stepper

if TYPE_CHECKING:
    from custinfo.store import Store

COLUMNS = ("due", "customer_id", "name", "reason", "kind", "text", "followup_id")
REASONS = ("overdue", "due", "keep-in-touch", "birthday")
GROUPS = ("overdue", "today", "coming")
_RANK = {reason: rank for rank, reason in enumerate(REASONS)}
_FIRST = itemgetter(0)
_CUSTOMER = itemgetter(1)
_KEEP_IN_TOUCH = "keep-in-touch"
_BIRTHDAY = "birthday"

#: One agenda row: its COLUMNS values (`Item.values`).
Row = tuple[str, int, str, str, str, str, int | None]
#: Rows by local day (`YYYY-MM-DD`), each day's in order.
Days = dict[str, list[Row]]


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


@dataclass
class Agenda:
    today: date
    horizon: date
    rows: list[Row] = field(default_factory=list)
    #: follow-up id -> (stored due_date, due_at) of the timed ones among the rows
    timed: dict[int, tuple[str, str]] = field(default_factory=dict)
    _items: list[Item] | None = field(default=None, repr=False, compare=False)

    @property
    def items(self) -> list[Item]:
        """The rows as `Item`s (made once, when first asked)."""
        if self._items is None:
            self._items = [self._item(r) for r in self.rows]
        return self._items

    def _item(self, row: Row) -> Item:
        stored = self.timed.get(row[6]) if row[6] is not None else None
        due = Due(date.fromisoformat(row[0])) if stored is None else Due.stored(*stored)
        return Item(due, row[1], row[2], row[3], row[4], row[5], row[6])

    def values(self) -> Iterator[Row]:
        """Each row's COLUMNS values (as `Item.values`)."""
        return iter(self.rows)

    @property
    def overdue(self) -> bool:
        """Something is overdue (`agenda --exit-code` exits 1)."""
        return any(r[3] == "overdue" for r in self.rows)

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
    dated, timed = _followups(conn, agenda.horizon, now, agenda.timed)
    sources = [dated, _cadences(conn, agenda.horizon)]
    if birthdays is not None and birthdays >= today:
        sources.append(_birthdays(conn, today, birthdays))
    sources.append(timed)  # (a timed follow-up sorts after the rows without a time)
    rows: list[Row] = []
    for day in sorted(set().union(*sources)):
        for source in sources:
            part = source.get(day)
            if part:
                rows += part
    if ids is not None:
        wanted = ids if isinstance(ids, set | frozenset) else set(ids)
        rows = [r for r in rows if r[1] in wanted]
    agenda.rows = rows
    return agenda


def _followups(
    conn: Any, horizon: date, now: datetime, info: dict[int, tuple[str, str]] | None = None
) -> tuple[Days, Days]:
    """Open follow-ups due by `horizon`: (dated ones, by id; timed ones, by time), by local
    day. `info` gets (stored due_date, due_at) of the timed ones."""
    clause, params = before_clause(Due(horizon + timedelta(days=1)))
    sql = (
        "SELECT f.due_date, f.due_at, f.id, f.customer_id, f.name, f.kind, f.text "
        f"FROM followups_open f WHERE {clause} "
        "ORDER BY f.due_at, CASE WHEN f.due_at IS NULL THEN f.due_date END, f.id"
    )
    today, instant = now.date().isoformat(), times.to_stored(now)
    dated: Days = {}
    timed: Days = {}
    info = {} if info is None else info
    for due_date, due_at, fid, cid, name, kind, text in conn.execute(sql, params):
        if due_at is None:  # (NULLs first)
            reason = "overdue" if due_date < today else "due"
            row = (due_date, cid, name, reason, kind, text, fid)
            dated.setdefault(due_date, []).append(row)
            continue
        day, iso = due_date, due_at  # (as `Due.local_day` and `Due.iso`)
        moment = times.from_stored(due_at)
        if moment is not None:
            local = moment.astimezone()
            day, iso = local.date().isoformat(), local.isoformat(timespec="seconds")
        reason = "overdue" if due_at < instant else "due"
        timed.setdefault(day, []).append((iso, cid, name, reason, kind, text, fid))
        info[fid] = (due_date, due_at)
    return dated, timed


def _cadences(conn: Any, horizon: date) -> Days:
    """Customers due under keep-in-touch by `horizon`, by due day and customer id: per
    distinct cadence, one range of the due data (`custinfo.followups.due`) up to the bound
    of `schedule.latest_base`, as columns in `base_at` order, cut into local days
    (`bisect`); the customers of one local day share their due day."""
    from custinfo.followups.due import LocalDays

    sql = (
        "SELECT json_group_array(base_at), json_group_array(customer_id), "
        "json_group_array(name), json_group_array(contacted <> 0) FROM keep_in_touch_due "
        "WHERE every = ? AND base_at < ?"
    )
    local = LocalDays()
    starts: dict[str, str] = {}  # local day: where the local day after it begins (UTC)
    days: dict[str, list[tuple[list[Row], bool]]] = {}  # due day: [(rows, by customer id)]
    for every in _distinct_everys(conn):
        try:
            step = stepper(every)
            bound = times.local_start(latest_base(horizon, every) + timedelta(days=1))
        except (ValueError, OverflowError, AssertionError):
            continue  # not a cadence this version understands
        bases, cids, names, contacted = _by_first(_columns(conn, sql, (every, bound)))
        start, count = 0, len(bases)
        while start < count:
            base = local(bases[start])
            day = date.fromisoformat(base)
            next_day = starts.get(base)
            if next_day is None:
                next_day = local.next_start(bases[start], base)
                if next_day is None:  # (an offset changes nearby)
                    next_day = times.local_start(day + timedelta(days=1))
                starts[base] = next_day
            due = step(day).isoformat()
            end = bisect_left(bases, next_day, start + 1)  # (at least one row)
            ids = cids[start:end]
            texts = map(("", base).__getitem__, contacted[start:end])  # (the last contact)
            rows = list(zip(repeat(due), ids, names[start:end], repeat(_KEEP_IN_TOUCH),
                            repeat(every), texts, repeat(None)))  # fmt: skip
            days.setdefault(due, []).append((rows, _ascending(ids)))
            start = end
    out: Days = {}
    for due, parts in days.items():
        rows, ordered = parts[0]
        for part, _ in parts[1:]:
            rows += part
        if len(parts) > 1 or not ordered:
            rows.sort(key=_CUSTOMER)
        out[due] = rows
    return out


def _columns(conn: Any, sql: str, params: tuple[Any, ...]) -> list[list[Any]]:
    """The one row of `sql`, a `json_group_array` per column, as lists: the rows leave
    SQLite in one value per column (decoded in C), not one Python row each, which is most
    of the cost of a large range."""
    return [loads(column) for column in conn.execute(sql, params).fetchone()]


def _by_first(columns: list[list[Any]]) -> list[list[Any]]:
    """`columns` in the order of the first (the order the index gives; the input order of
    an aggregate is not promised, so it is checked, and sorted if need be)."""
    first = columns[0]
    if _ascending(first):
        return columns
    order = sorted(range(len(first)), key=first.__getitem__)
    return [[column[i] for i in order] for column in columns]


def _ascending(values: list[Any]) -> bool:
    """`values` are in ascending order (non-decreasing): one C-level pass."""
    return all(map(le, values, islice(values, 1, None)))


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


def _birthdays(conn: Any, start: date, end: date) -> Days:
    """Birthdays from `start` to `end`, by day and customer id: one range of the covering
    month-day index per day, as columns (29 February on 28 February in years that are not
    leap years)."""
    sql = (
        "SELECT json_group_array(id), json_group_array(name), json_group_array(birthday) "
        "FROM customers WHERE birthday IS NOT NULL AND substr(birthday, -5) = ?"
    )
    out: Days = {}
    for year, low, high in birthday_ranges(start, end):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        day = date.fromisoformat(f"{year:04d}-{low}")
        last = date.fromisoformat(f"{year:04d}-{high}")
        while day <= last:
            md = day.strftime("%m-%d")
            ids, names, stored = _columns(conn, sql, (md,))
            if md == "02-28" and not leap:
                for column, more in zip(
                    (ids, names, stored), _columns(conn, sql, ("02-29",)), strict=True
                ):
                    column += more
            if ids:
                text = day.isoformat()
                rows = list(zip(repeat(text), ids, names, repeat(_BIRTHDAY), repeat(_BIRTHDAY),
                                stored, repeat(None)))  # fmt: skip
                if not _ascending(ids):
                    rows.sort(key=_CUSTOMER)  # (by customer id; an int key sorts fast)
                out[text] = rows
            day += timedelta(days=1)
    return out
