"""Seams to features that lived on other branches: custom choice fields, consents and
follow-ups. Each function returns None when its feature is not in this build, so the
reports work without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def choice_splits(conn: Any, ids: Sequence[int] | None) -> list[tuple[str, list[tuple[str, int]]]]:
    """(field label, [(choice, customers)]) for every choice, multichoice and bool custom
    field (`custinfo.store.fields.split`), in declaration order; [] without fields."""
    try:
        from custinfo.store import fields
    except ImportError:
        return []
    if not hasattr(fields, "split") or not _table(conn, "field_defs"):
        return []
    out = []
    for field in fields.catalog(conn).fields:  # pragma: no cover - wired at integration
        if field.type in ("choice", "multichoice", "bool"):
            out.append((field.label, fields.split(conn, field, ids)))
    return out


def consent_coverage(conn: Any, ids: Sequence[int] | None) -> list[tuple[str, int, int]] | None:
    """(purpose, customers whose deciding entry is `given`, customers covered) per consent
    purpose (`custinfo.store.consent`), or None when consents do not exist here."""
    try:
        from custinfo.store import consent
    except ImportError:
        return None
    if not _table(conn, "consents"):  # pragma: no cover - wired at integration
        return None
    rows = []  # pragma: no cover - wired at integration
    for purpose in consent.purposes(conn):  # pragma: no cover
        states = [s for _, s in consent.deciding(conn, ids, purpose.key, None)]
        given = sum(1 for s in states if s and s.split(" ")[0] == "given")
        rows.append((purpose.key, given, len(states)))
    return rows  # pragma: no cover


def followups(
    conn: Any, ids: Sequence[int] | None, now: str, since: str | None = None
) -> dict[str, int] | None:
    """{"done": n, "open": n, "overdue": n} follow-ups (`custinfo.followups`) of `ids` (None:
    everyone) at `now`, the end of the as-of day (stored text): done in the period (from
    `since`, if given), open at `now`, and of those the overdue ones, due before the as-of
    day (a dated one on an earlier day, a timed one before its local midnight). None when
    follow-ups do not exist here."""
    if not _table(conn, "followups"):
        return None
    import json
    from datetime import timedelta

    from custinfo import times

    end = times.from_stored(now)
    as_of = (end.astimezone() - timedelta(microseconds=1)).date() if end else times.today()
    where, params = "", []
    if ids is not None:
        where, params = " AND customer_id IN (SELECT value FROM json_each(?))", [json.dumps(ids)]
    done, still_open, overdue = conn.execute(
        "SELECT count(CASE WHEN status = 'done' AND closed_at >= ? AND closed_at < ? THEN 1 END),"
        " count(CASE WHEN still THEN 1 END), count(CASE WHEN still AND (CASE WHEN due_at IS "
        "NULL THEN due_date < ? ELSE due_at < ? END) THEN 1 END) FROM (SELECT *, "
        "created_at < ? AND (status = 'open' OR closed_at >= ?) AS still FROM followups "
        f"WHERE true{where})",
        [since or "", now, as_of.isoformat(), times.local_start(as_of), now, now, *params],
    ).fetchone()
    return {"done": done, "open": still_open, "overdue": overdue}


def _table(conn: Any, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
