"""Seams to features that live on other branches: custom choice fields, consents and
follow-ups. Each function returns None when its feature is not in this build, so the
reports work without it and pick it up once it is merged (nothing else to wire).
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


def followups(conn: Any, ids: Sequence[int] | None, now: str) -> dict[str, int] | None:
    """{"done": n, "open": n, "overdue": n} follow-ups, or None when they do not exist
    here (the follow-up feature wires its counts in at integration)."""
    if not _table(conn, "followups"):
        return None
    return None  # pragma: no cover - wired at integration


def _table(conn: Any, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None
