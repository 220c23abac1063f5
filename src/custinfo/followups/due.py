"""The agenda's derived data (migration v013), kept in step by the write gate.

- `keep_in_touch_due` (`KEEP_IN_TOUCH_DUE`): one row per customer with a cadence
  (`keep_in_touch`): the cadence, the instant its due day counts from (`base_at`: the last
  contact of `custinfo.activity.aggregates`, else when the cadence was set), whether there
  was a contact, and the customer's name; recomputed for the customers whose cadence,
  interactions, orders or customer row changed, after the activity aggregates
  (`store.derived.implementations` order).
- `followups_open` (`OPEN_FOLLOWUPS`): the open follow-ups with the customer's name;
  recomputed for the customers whose follow-ups or customer row changed.

Both lose a customer's rows before the customer goes (merge, purge). `stale` compares them
with a recomputation (tests, repair). `LocalDays` is the agenda's fast UTC-to-local-date
conversion.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

_IDS = "(SELECT value FROM json_each(?))"
_COLUMNS = "customer_id, every, base_at, contacted, name"
#: The due rows of the customers chosen by {where} (on k.customer_id).
_SELECT = (
    "SELECT k.customer_id, k.every, coalesce(a.last_contact_at, k.since), "
    "a.last_contact_at IS NOT NULL, c.name "
    "FROM keep_in_touch k JOIN customers c ON c.id = k.customer_id "
    "LEFT JOIN customer_activity a ON a.customer_id = k.customer_id {where}"
)


_OPEN_COLUMNS = "id, customer_id, due_date, due_at, kind, text, name"
#: The open follow-ups (with names) of the customers chosen by {where} (on f.customer_id).
_OPEN = (
    "SELECT f.id, f.customer_id, f.due_date, f.due_at, f.kind, f.text, c.name "
    "FROM followups f JOIN customers c ON c.id = f.customer_id WHERE f.status = 'open' {where}"
)


def stale(conn: Any) -> list[int]:
    """Customers whose stored rows (due data or open follow-ups) differ from a
    recomputation (tests, repair)."""
    out: set[int] = set()
    for table, columns, select, customer in (
        ("keep_in_touch_due", _COLUMNS, _SELECT, 0),
        ("followups_open", _OPEN_COLUMNS, _OPEN, 1),
    ):
        stored = set(map(tuple, conn.execute(f"SELECT {columns} FROM {table}")))
        fresh = set(map(tuple, conn.execute(select.format(where=""))))
        out.update(row[customer] for row in stored ^ fresh)
    return sorted(out)


class KeepInTouchDue:
    """`keep_in_touch_due` as derived data of the write gate (`store.derived`)."""

    name = "keep-in-touch due"
    depends = frozenset({"customer", "keep_in_touch", "notes", "orders"})
    writes = ("keep_in_touch_due",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        wanted = json.dumps(list(ids))
        conn.execute(f"DELETE FROM keep_in_touch_due WHERE customer_id IN {_IDS}", (wanted,))
        where = f"WHERE k.customer_id IN {_IDS}"
        conn.execute(
            f"INSERT INTO keep_in_touch_due({_COLUMNS}) " + _SELECT.format(where=where), (wanted,)
        )

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        conn.execute(
            f"DELETE FROM keep_in_touch_due WHERE customer_id IN {_IDS}", (json.dumps(list(ids)),)
        )

    def rebuild(self, conn: Any) -> None:
        conn.execute("DELETE FROM keep_in_touch_due")
        conn.execute(f"INSERT INTO keep_in_touch_due({_COLUMNS}) " + _SELECT.format(where=""))


class OpenFollowups:
    """`followups_open` as derived data of the write gate (`store.derived`)."""

    name = "open follow-ups"
    depends = frozenset({"customer", "followups"})
    writes = ("followups_open",)

    def changed(self, conn: Any, ids: Sequence[int]) -> None:
        wanted = json.dumps(list(ids))
        self.removed(conn, ids)
        where = f"AND f.customer_id IN {_IDS}"
        conn.execute(
            f"INSERT INTO followups_open({_OPEN_COLUMNS}) " + _OPEN.format(where=where), (wanted,)
        )

    def removed(self, conn: Any, ids: Sequence[int]) -> None:
        conn.execute(
            f"DELETE FROM followups_open WHERE customer_id IN {_IDS}", (json.dumps(list(ids)),)
        )

    def rebuild(self, conn: Any) -> None:
        conn.execute("DELETE FROM followups_open")
        conn.execute(f"INSERT INTO followups_open({_OPEN_COLUMNS}) " + _OPEN.format(where=""))


KEEP_IN_TOUCH_DUE = KeepInTouchDue()
OPEN_FOLLOWUPS = OpenFollowups()
_EPOCH = date(1970, 1, 1).toordinal()
_DAY = timedelta(days=1)


class LocalDays:
    """Stored UTC text -> its local date (`YYYY-MM-DD`) in the current time zone, for many
    instants at once (the agenda's keep-in-touch rows). The UTC offset is looked up once
    per UTC day; on a day whose offset does not change, the local date follows from the
    time of day alone (a string comparison); on the other days, and for text not in the
    stored form, each instant is converted. `next_start` gives where the next local day
    begins the same way (as `times.local_start` would, without its per-day set-up)."""

    def __init__(self) -> None:
        self._days: dict[str, _Entry | None] = {}

    def _entry(self, key: str) -> _Entry | None:
        entry = self._days.get(key, False)
        if entry is False:
            entry = self._days[key] = _utc_day(key)
        return entry

    def __call__(self, stored: str) -> str:
        entry = self._entry(stored[:10]) if len(stored) >= 16 else None
        if entry is None:
            return _exact(stored)
        low, before, high, after, same, _ = entry
        clock = stored[11:16]
        return before if clock < low else after if clock >= high else same

    def next_start(self, stored: str, day: str) -> str | None:
        """The start (stored UTC text) of the local day after `day`, the local date of
        `stored`; None when an offset changes on that UTC day or the next."""
        entry = self._entry(stored[:10]) if len(stored) >= 16 else None
        if entry is None:
            return None
        low, before, high, after, same, minutes = entry
        if minutes > 0 and day == same:  # the next local day begins at `high` today
            return f"{same}T{high}:00.000000Z"
        if minutes < 0 and day == before:  # ... at `low` today
            return f"{same}T{low}:00.000000Z"
        following = self._entry(after)  # ... on the next UTC day, at its offset
        if following is None or following[5] != minutes:
            return None
        clock = following[2] if minutes > 0 else following[0] if minutes < 0 else "00:00"
        return f"{after}T{clock}:00.000000Z"


#: (clock below which it is the local day before, that day, clock from which it is the day
#: after, that day, the same day, the UTC offset in minutes) of one UTC day.
_Entry = tuple[str, str, str, str, str, int]


def _utc_day(key: str) -> _Entry | None:
    """The `_Entry` of the UTC day `key`; None if the offset changes during that day or is
    not whole minutes."""
    try:
        day = date.fromisoformat(key)
        seconds = (day.toordinal() - _EPOCH) * 86400
        first = time.localtime(seconds).tm_gmtoff
        last = time.localtime(seconds + 86340).tm_gmtoff  # (23:59)
        names = (day - _DAY).isoformat(), (day + _DAY).isoformat()
    except (ValueError, OverflowError, OSError):
        return None
    if first != last or first % 60 or not -86400 < first < 86400:
        return None
    minutes = first // 60
    low = f"{-minutes // 60:02d}:{-minutes % 60:02d}" if minutes < 0 else ""
    high = f"{(1440 - minutes) // 60:02d}:{(1440 - minutes) % 60:02d}" if minutes > 0 else "~"
    return low, names[0], high, names[1], key, minutes


def _exact(stored: str) -> str:
    from custinfo import times

    moment = times.from_stored(stored)
    return moment.astimezone().date().isoformat() if moment else stored[:10]
