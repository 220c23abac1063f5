"""The consent filters of find (`--consent PURPOSE[:CHANNEL]`, `--no-consent ...`): per
candidate checks of the deciding ledger entry (`store.consent.latest_sql`). They never
drive a query: a consent state is no index range, and every other filter is more
selective; without another filter the planner scans customers in id order, so a first
page stops early."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custinfo.store.db import Connection

if TYPE_CHECKING:
    from custinfo.search import Query


def conditions(conn: Connection, q: Query) -> tuple[list[str], list[Any]]:
    """SQL conditions on `{id}` and their params; an unknown purpose is NotFoundError."""
    from custinfo.errors import NotFoundError
    from custinfo.privacy.consent import parse_target
    from custinfo.store import consent as rows

    where: list[str] = []
    params: list[Any] = []
    for values, wanted in ((q.consent, True), (q.no_consent, False)):
        for value in values:
            key, channel = parse_target(value)
            if rows.purpose(conn, key) is None:
                raise NotFoundError(f"no purpose {key!r} (see 'custinfo purpose list')")
            op = "=" if wanted else "<>"
            where.append(f"coalesce({rows.latest_sql(channel)}, '') {op} 'given'")
            params += [key, channel] if channel else [key]
    return where, params
