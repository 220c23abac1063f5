"""Write operations for follow-ups and keep-in-touch cadences, inside a write-gate unit.

Each function takes the `Write` of the unit (`with store.write("followup add") as w:`),
writes validated values and notes what changed (`w.touch`), so the audit entry (ids and
field names, never a text) follows. Scheduling or closing a follow-up counts as activity:
the customer's `updated_at` moves (as for orders), so `purge --older-than` never takes a
customer with work planned. A follow-up's last contact is not stored here: the agenda
derives it from the interactions and orders (`custinfo.activity.aggregates`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from custinfo.errors import NotFoundError, UsageError

if TYPE_CHECKING:  # the gate loads only when a command writes
    from custinfo.store.gate import Write

_IDS = "(SELECT value FROM json_each(?))"
FOLLOWUPS = "followups"
CADENCES = "keep_in_touch"


class FollowupRow(NamedTuple):
    """One follow-up as stored (see migration v011_followups)."""

    id: int
    customer_id: int
    kind: str
    text: str
    due_date: str
    due_at: str | None
    repeat: str | None
    status: str
    created_at: str
    closed_at: str | None
    note_id: int | None


SELECT = (
    "SELECT id, customer_id, kind, text, due_date, due_at, repeat, status, created_at, "
    "closed_at, note_id FROM followups"
)


def add_followup(
    w: Write, customer_id: int, *, kind: str, text: str, due_date: str, due_at: str | None,
    repeat: str | None,
) -> int:  # fmt: skip
    """Insert one open follow-up (validated values); returns its id."""
    fid = w.conn.execute(
        "INSERT INTO followups(customer_id, kind, text, due_date, due_at, repeat, status, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
        (customer_id, kind, text, due_date, due_at, repeat, w.now()),
    ).lastrowid
    _changed(w, customer_id, ["due"])
    return fid


def open_followup(w: Write, followup_id: int) -> FollowupRow:
    """The follow-up, which must be open (unknown: exit 3; closed: exit 2)."""
    row = w.conn.execute(SELECT + " WHERE id = ?", (followup_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no follow-up with id {followup_id}")
    found = FollowupRow(*row)
    if found.status != "open":
        raise UsageError(f"follow-up {followup_id} is {found.status} already")
    return found


def close_followup(w: Write, followup_id: int, status: str, note_id: int | None = None) -> None:
    """Mark an open follow-up `done` or `cancelled` (with the interaction done logged)."""
    row = open_followup(w, followup_id)
    w.conn.execute(
        "UPDATE followups SET status = ?, closed_at = ?, note_id = ? WHERE id = ?",
        (status, w.now(), note_id, followup_id),
    )
    _changed(w, row.customer_id, ["status"])


def reschedule(w: Write, followup_id: int, due_date: str, due_at: str | None) -> int:
    """Move an open follow-up to another due date (snooze); returns its customer's id."""
    row = open_followup(w, followup_id)
    w.conn.execute(
        "UPDATE followups SET due_date = ?, due_at = ? WHERE id = ?",
        (due_date, due_at, followup_id),
    )
    _changed(w, row.customer_id, ["due"])
    return row.customer_id


def set_cadence(w: Write, ids: Sequence[int], every: str | None) -> int:
    """Keep in touch with `ids` every `every` (None: stop); returns the rows changed. A
    customer's cadence set again keeps its `since` (when it was first set)."""
    wanted = json.dumps(list(ids))
    before = w.conn.total_changes
    if every is None:
        w.conn.execute(f"DELETE FROM keep_in_touch WHERE customer_id IN {_IDS}", (wanted,))
    else:
        w.conn.execute(
            f"INSERT INTO keep_in_touch(customer_id, every, since) SELECT value, ?, ? FROM {_IDS} "
            "WHERE true ON CONFLICT(customer_id) DO UPDATE SET every = excluded.every",
            (every, w.now(), wanted),
        )
    changed = w.conn.total_changes - before
    w.touch(CADENCES, ids, ["every"])
    return changed


def _changed(w: Write, customer_id: int, fields: list[str]) -> None:
    w.touch(FOLLOWUPS, [customer_id], fields)
    w.conn.execute("UPDATE customers SET updated_at = ? WHERE id = ?", (w.now(), customer_id))
