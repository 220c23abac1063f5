"""Follow-ups and keep-in-touch cadences: validating, writing (through the write gate) and
listing. WHEN and EVERY are parsed by `custinfo.followups.schedule`.

- `add`: a follow-up for a customer (merged ids resolve to the kept customer);
- `done`: closes it and logs an interaction of its kind (a `task` logs a plain note, which
  is not a contact); a repeating one gets its next occurrence, counted from today;
- `snooze` moves the due date, `cancel` closes it without an interaction;
- `keep_in_touch`: sets or clears the cadence of several customers at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from custinfo import times, validation
from custinfo.activity.interactions import check_choice
from custinfo.errors import ValidationError
from custinfo.followups.schedule import Due, before_clause, next_due, parse_every, parse_when
from custinfo.store.followups import FollowupRow

if TYPE_CHECKING:
    from custinfo.store import Store

KINDS = ("call", "visit", "message", "email", "meeting", "task")
STATUSES = ("open", "done", "cancelled")
#: Columns of `followup list` (CSV header, JSON keys), in this order.
COLUMNS = ("id", "customer_id", "name", "due", "kind", "text", "repeat", "status", "created_at",
           "closed_at", "note_id")  # fmt: skip
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Plan:
    """Validated values of a new follow-up."""

    due: Due
    kind: str = "task"
    text: str = ""
    repeat: str | None = None


def plan(
    due: str, *, kind: str | None = None, text: str | None = None, repeat: str | None = None,
    option: str = "--due",
) -> Plan:  # fmt: skip
    """Validate a follow-up (exit 2 naming the value and the reason)."""
    return Plan(
        parse_when(due, option),
        check_choice(kind, KINDS, "--kind") or "task",
        clean_text(text),
        parse_every(repeat, "--repeat") if repeat is not None and repeat.strip() else None,
    )


def clean_text(text: str | None) -> str:
    value = validation.normalize_optional(text, "text", multiline=True) or ""
    if len(value) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", "text")
    return value


def schedule(w: Any, customer_id: int, item: Plan) -> int:
    """Write `item` for a customer inside the unit `w`; returns the follow-up id."""
    from custinfo.store.followups import add_followup

    return add_followup(
        w, customer_id, kind=item.kind, text=item.text, due_date=item.due.day.isoformat(),
        due_at=item.due.at, repeat=item.repeat,
    )  # fmt: skip


def add(store: Store, customer_id: int, item: Plan) -> int:
    """Add a follow-up to a customer (unknown: exit 3); returns its id."""
    with store.write("followup add") as w:
        return schedule(w, store.resolve_id(customer_id), item)


def note_with_followup(
    store: Store, customer_id: int, interaction: Any, when: str, text: str | None
) -> tuple[int, int, Due]:
    """`note ID TEXT --follow-up WHEN`: log the interaction and schedule the next step (of
    the interaction's kind if it is a follow-up kind, else a task) in one transaction;
    returns (note id, follow-up id, due)."""
    from custinfo.activity import interactions

    kind = interaction.kind if interaction.kind in KINDS else "task"
    item = plan(when, kind=kind, text=text, option="--follow-up")
    with store.write("followup add") as w:
        note_id = interactions.add(store, customer_id, interaction)
        return note_id, schedule(w, store.resolve_id(customer_id), item), item.due


def scheduled_message(followup_id: int, due: Due) -> str:
    from custinfo.i18n import _

    return _("follow-up {id} due {due}").format(id=followup_id, due=due.text())


@dataclass(frozen=True, slots=True)
class Closed:
    """What `done` did: the interaction logged and the next occurrence, if any."""

    customer_id: int
    note_id: int
    next_id: int | None = None
    next_due: Due | None = None


def done(store: Store, followup_id: int, note: str | None = None, *, today: date | None = None
         ) -> Closed:  # fmt: skip
    """Close an open follow-up and log an interaction of its kind (the note, else its
    text); schedule the next occurrence of a repeating one, EVERY after today."""
    from custinfo.store.followups import close_followup, open_followup

    extra = validation.normalize_note(note) if note is not None and note.strip() else None
    with store.write("followup done") as w:
        row = open_followup(w, followup_id)
        kind = "note" if row.kind == "task" else row.kind
        text = extra or row.text or row.kind
        note_id = w.add_note(row.customer_id, text, kind=kind)
        close_followup(w, followup_id, "done", note_id)
        if not row.repeat:
            return Closed(row.customer_id, note_id)
        due = next_due(Due.stored(row.due_date, row.due_at), row.repeat, today or times.today())
        again = Plan(due, row.kind, row.text, row.repeat)
        return Closed(row.customer_id, note_id, schedule(w, row.customer_id, again), due)


def snooze(store: Store, followup_id: int, when: str) -> Due:
    """Move an open follow-up to WHEN; returns the new due."""
    from custinfo.store.followups import reschedule

    due = parse_when(when, "WHEN")
    with store.write("followup snooze") as w:
        reschedule(w, followup_id, due.day.isoformat(), due.at)
    return due


def cancel(store: Store, followup_id: int) -> None:
    """Close an open follow-up without logging anything."""
    from custinfo.store.followups import close_followup

    with store.write("followup cancel") as w:
        close_followup(w, followup_id, "cancelled")


@dataclass(slots=True)
class Followup:
    row: FollowupRow
    name: str

    @property
    def due(self) -> Due:
        return Due.stored(self.row.due_date, self.row.due_at)

    def values(self) -> list[Any]:
        """The COLUMNS values (due as in the agenda: a date, or local ISO with offset)."""
        r = self.row
        return [r.id, r.customer_id, self.name, self.due.iso(), r.kind, r.text, r.repeat,
                r.status, r.created_at, r.closed_at, r.note_id]  # fmt: skip


def select(
    store: Store, customer_id: int | None = None, *, status: str | None = "open",
    due_before: str | None = None,
) -> Iterator[Followup]:  # fmt: skip
    """Follow-ups by due date (one customer's, or everyone's); `status` None: all;
    `due_before` (WHEN) keeps those due before it (a date: before that local day)."""
    where, params = [], []
    if customer_id is not None:
        where.append("f.customer_id = ?")
        params.append(store.resolve_id(customer_id))
    if status == "done":
        where.append("f.status IN ('done', 'cancelled')")
    elif status is not None:
        where.append("f.status = ?")
        params.append(status)
    if due_before:
        clause, values = before_clause(parse_when(due_before, "--due-before"))
        where.append(clause)
        params += values
    columns = ", ".join(f"f.{name}" for name in FollowupRow._fields)
    sql = f"SELECT {columns}, c.name FROM followups f JOIN customers c ON c.id = f.customer_id"
    sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.due_date, f.id"
    rows = [(FollowupRow(*r[:-1]), r[-1]) for r in store.conn.execute(sql, params)]
    items = [Followup(row, name) for row, name in rows]
    items.sort(key=lambda f: (f.due.local_day(), f.row.due_at or "", f.row.id))
    yield from items


def next_open(store: Store, customer_id: int) -> dict[str, Any] | None:
    """`show`'s `next_followup`: the customer's first open follow-up by due date, as
    {"id", "due", "kind", "text"} (`due` as in the agenda), or None."""
    columns = ", ".join(FollowupRow._fields)
    rows = store.conn.execute(
        f"SELECT {columns} FROM followups WHERE customer_id = ? AND status = 'open'",
        (customer_id,),
    ).fetchall()
    if not rows:
        return None
    first = min((Followup(FollowupRow(*r), "") for r in rows),
                key=lambda f: (f.due.local_day(), f.row.due_at or "", f.row.id))  # fmt: skip
    return {"id": first.row.id, "due": first.due.iso(), "kind": first.row.kind,
            "text": first.row.text}  # fmt: skip


def next_line(value: dict[str, Any]) -> str:
    """`2026-12-03 call 报价回访 (#17)` (a timed one with its local time)."""
    due = str(value["due"])
    if "T" in due:
        due = due[:16].replace("T", " ")
    text = f" {value['text']}" if value.get("text") else ""
    return f"{due} {value['kind']}{text} (#{value['id']})"


# -- keep in touch ---------------------------------------------------------------------------
def keep_in_touch(store: Store, ids: Sequence[int], every: str | None) -> int:
    """Set (EVERY) or clear (None) the cadence of `ids` (all must exist: exit 3 before any
    change); returns how many customers it applies to."""
    from custinfo.store.followups import set_cadence

    value = parse_every(every) if every is not None else None
    with store.write("keep-in-touch") as w:
        live = list(dict.fromkeys(store.resolve_id(i) for i in ids))
        set_cadence(w, live, value)
    return len(live)
