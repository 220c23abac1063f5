"""Typed interactions: notes with a kind, a direction, a status and a reference.

A plain note has kind `note`. Every other kind (a call, a visit, a complaint, ...) is a
contact: the customer's last contact is the latest of them or the latest order
(`custinfo.activity.aggregates`). Complaints and service cases are cases: they start
`open` unless told otherwise, and `resolve` closes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from custinfo import times, validation
from custinfo.errors import ValidationError
from custinfo.text import normalize_text

if TYPE_CHECKING:
    from custinfo.store import Store

KINDS = ("note", "call", "visit", "message", "email", "meeting", "complaint", "service",
         "campaign")  # fmt: skip
DIRECTIONS = ("in", "out")
STATUSES = ("open", "resolved")
#: Kinds that are cases: `open` by default, closed by `note resolve`.
CASES = ("complaint", "service")
FUTURE_SLACK = timedelta(days=1)


@dataclass(slots=True)
class Interaction:
    """Validated values of a new interaction."""

    text: str
    kind: str = "note"
    direction: str | None = None
    status: str | None = None
    ref: str | None = None
    at: str | None = None  # stored text; None: now


def check_choice(value: str | None, choices: tuple[str, ...], what: str) -> str | None:
    """`value` lower-cased if it is one of `choices` (None stays None), else exit 2."""
    if value is None:
        return None
    folded = normalize_text(value).lower()
    if folded not in choices:
        raise ValidationError(f"{what} {value!r}: use one of {', '.join(choices)}", what)
    return folded


def interaction_input(
    text: str, *, kind: str | None = None, direction: str | None = None,
    status: str | None = None, ref: str | None = None, at: str | None = None,
) -> Interaction:  # fmt: skip
    """Validate an interaction; a complaint or service case is `open` unless a status is
    given."""
    kind_ = check_choice(kind, KINDS, "--kind") or "note"
    status_ = check_choice(status, STATUSES, "--status")
    if status_ is None and kind_ in CASES:
        status_ = "open"
    stored = None
    if at is not None and at.strip():
        stored = times.not_after(times.moment(at, "--at"), FUTURE_SLACK, "--at", at)
    return Interaction(
        validation.normalize_note(text), kind_, check_choice(direction, DIRECTIONS, "--direction"),
        status_, validation.normalize_optional(ref, "ref"), stored,
    )  # fmt: skip


def add(store: Store, customer_id: int, interaction: Interaction) -> int:
    """Log the interaction (a note counts as activity: `updated_at` moves); returns its id."""
    with store.write("note") as w:
        cid = store.resolve_id(customer_id)
        note_id = w.add_note(
            cid, interaction.text, at=interaction.at, kind=interaction.kind,
            direction=interaction.direction, status=interaction.status, ref=interaction.ref,
        )  # fmt: skip
        w.update_customer(cid, {})
    return note_id


def resolve(store: Store, note_id: int, text: str | None = None) -> int:
    """Close an open case, appending the resolution `text` ("resolved 2026-12-01: TEXT");
    returns the customer's id. Unknown note: exit 3; not an open case: exit 2."""
    from custinfo.store.orders import resolve_note

    with store.write("note resolve") as w:
        now = w.now()
        addition = None
        if text is not None and text.strip():
            day = times.local_text(now, with_time=False)
            addition = f"resolved {day}: {validation.normalize_note(text)}"
        return resolve_note(w, note_id, addition, now)
