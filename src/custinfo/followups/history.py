"""Follow-ups in a customer's timeline (`custinfo.activity.timeline` lists this source).

An open follow-up appears at its due time (a dated one at the start of that local day, so
it sorts after everything that has happened), a done or cancelled one when it was closed;
`status` is open, done or cancelled, `ref` the due date (`due 2026-12-03`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from custinfo import times


def events(conn: Any, customer_id: int, since: str | None) -> Iterable[Any]:
    from custinfo.activity.timeline import Event
    from custinfo.followups.schedule import Due

    for fid, kind, text, due_date, due_at, status, closed_at in conn.execute(
        "SELECT id, kind, text, due_date, due_at, status, closed_at FROM followups "
        "WHERE customer_id = ?",
        (customer_id,),
    ):
        due = Due(date.fromisoformat(due_date), due_at)
        at = closed_at or due_at or times.local_start(due.day)
        if since and at < since:
            continue
        yield Event(at, "followup", fid, kind, None, status, text=text, ref=f"due {due.text()}")
