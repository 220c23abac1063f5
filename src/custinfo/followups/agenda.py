"""The agenda: who needs attention, from today to a horizon.

Rows (`Item`), sorted by date (then time, reason, id):

- `overdue`: open follow-ups whose day (or, for a timed one, whose time) has passed;
- `due`: open follow-ups due from now to the horizon (`days` after today, inclusive);
- `keep-in-touch`: customers whose last contact plus their cadence falls on or before the
  horizon (a customer never contacted counts from the day the cadence was set);
- `birthday`: birthdays from today to the birthday horizon (with or without a year; 29
  February is kept on 28 February in other years).

Each source is one indexed query: the open-due index of follow-ups, the cadences joined
with the activity aggregates (one bound per distinct cadence, `schedule.latest_base`),
and the month-day index of birthdays (migration v011). `ids` (find filters) keeps the rows
of those customers only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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


@dataclass(slots=True)
class Agenda:
    today: date
    horizon: date
    items: list[Item] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        """Something is overdue (`agenda --exit-code` exits 1)."""
        return any(i.reason == "overdue" for i in self.items)

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
    items = _followups(conn, agenda.horizon, now) + _cadences(conn, agenda.horizon)
    if birthdays is not None and birthdays >= today:
        items += _birthdays(conn, today, birthdays)
    if ids is not None:
        wanted = ids if isinstance(ids, set | frozenset) else set(ids)
        items = [i for i in items if i.customer_id in wanted]
    items.sort(key=Item.key)
    agenda.items = items
    return agenda


def _followups(conn: Any, horizon: date, now: datetime) -> list[Item]:
    clause, params = before_clause(Due(horizon + timedelta(days=1)))
    sql = (
        "SELECT f.id, f.customer_id, c.name, f.kind, f.text, f.due_date, f.due_at "
        "FROM followups f JOIN customers c ON c.id = f.customer_id "
        f"WHERE f.status = 'open' AND {clause}"
    )
    out = []
    for fid, cid, name, kind, text, due_date, due_at in conn.execute(sql, params):
        due = Due.stored(due_date, due_at)
        reason = "overdue" if due.is_past(now) else "due"
        out.append(Item(due, cid, name, reason, kind, text, fid))
    return out


def _cadences(conn: Any, horizon: date) -> list[Item]:
    """Customers due under keep-in-touch by `horizon`: one bound per distinct cadence."""
    everys = [r[0] for r in conn.execute("SELECT DISTINCT every FROM keep_in_touch")]
    if not everys:
        return []
    bounds: list[Any] = []
    for every in everys:
        try:
            base = latest_base(horizon, every)
        except (ValueError, OverflowError, AssertionError):
            continue  # not a cadence this version understands
        bounds += [every, times.local_start(base + timedelta(days=1))]
    if not bounds:
        return []
    values = ", ".join(["(?, ?)"] * (len(bounds) // 2))
    sql = (
        f"WITH t(every, bound) AS (VALUES {values}) "
        "SELECT k.customer_id, c.name, k.every, a.last_contact_at, "
        "date(coalesce(a.last_contact_at, k.since), 'localtime') "
        "FROM keep_in_touch k JOIN t ON t.every = k.every "
        "LEFT JOIN customer_activity a ON a.customer_id = k.customer_id "
        "JOIN customers c ON c.id = k.customer_id "
        "WHERE coalesce(a.last_contact_at, k.since) < t.bound"
    )
    out = []
    dues: dict[tuple[str, str], Due] = {}  # many customers share a day: compute it once
    for cid, name, every, last, base in conn.execute(sql, bounds):
        due = dues.get((base, every))
        if due is None:
            due = dues[(base, every)] = Due(after(date.fromisoformat(base), every))
        out.append(Item(due, cid, name, "keep-in-touch", every, base if last else ""))
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


def _birthdays(conn: Any, start: date, end: date) -> list[Item]:
    out = []
    for year, low, high in birthday_ranges(start, end):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        wanted = [(low, high)]
        if not leap and low <= "02-28" == high:  # (a range past February holds 02-29)
            wanted.append(("02-29", "02-29"))  # kept on 28 February in other years
        for lo, hi in wanted:
            dues: dict[tuple[int, int], Due] = {}
            for cid, name, stored in conn.execute(
                "SELECT id, name, birthday FROM customers WHERE birthday IS NOT NULL "
                "AND substr(birthday, -5) BETWEEN ? AND ?",
                (lo, hi),
            ):
                month, day = int(stored[-5:-3]), int(stored[-2:])
                if (month, day) == (2, 29) and not leap:
                    day = 28
                due = dues.get((month, day))
                if due is None:
                    due = dues[(month, day)] = Due(date(year, month, day))
                out.append(Item(due, cid, name, "birthday", "birthday", stored))
    return out
