"""Finding the same person however they were typed (no terminal here).

`find_groups(store)` deduplicates the whole database (or a subset of ids): blocking on keys
(`blocking`), vectorised pair scoring (`score`), validated grouping (`group`).
`likely_duplicates(store, customer_input)` checks ONE new customer against the database
through the indexed keys. Merging is `Store.merge`/`Store.unmerge` (`custinfo.store.merge`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Default threshold of `dedupe` (listing and --review): see docs/dedupe.md.
DEFAULT_MIN_SCORE = 0.5
#: Default threshold of `dedupe --auto` (high precision).
AUTO_MIN_SCORE = 0.99
#: Threshold of the duplicate warning printed by `add`.
WARN_MIN_SCORE = 0.5


@dataclass
class DuplicateGroup:
    ids: list[int]
    score: float
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"ids": self.ids, "score": round(self.score, 4), "reasons": self.reasons}


@dataclass
class Stats:
    customers: int = 0
    candidate_pairs: int = 0
    groups: int = 0


def find_groups(
    store: Any,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    only: Iterable[int] | None = None,
    stats: Stats | None = None,
    with_reasons: bool = True,
) -> list[DuplicateGroup]:
    """Groups of likely duplicates among all customers (or those in `only`)."""
    from custinfo.dedupe import blocking, group, score, table

    conn = store.conn
    if only is not None:
        only = set(only)
        if len(only) < 2:
            return []
    workers: list[Any] = []  # name forms on the other core while blocking runs here
    try:
        t = table.load(
            conn, only, defer=True, on_read=lambda names: workers.append(table.FormsWorker(names))
        )
        worker = workers[0] if workers else None
        return _groups(t, conn, min_score, stats, with_reasons, blocking, group, score, worker)
    finally:
        for w in workers:
            w.close()


def groups_in_table(
    t: Any, *, min_score: float = DEFAULT_MIN_SCORE, with_reasons: bool = True
) -> list[DuplicateGroup]:
    """Same as `find_groups` over an in-memory Table (keys computed, not read)."""
    from custinfo.dedupe import blocking, group, score

    return _groups(t, None, min_score, None, with_reasons, blocking, group, score)


def _groups(t, conn, min_score, stats, with_reasons, blocking, group, score, worker=None):  # type: ignore[no-untyped-def]
    import numpy as np

    cand = blocking.candidates(t, conn)
    if not hasattr(t, "name_id"):  # deferred: matching forms only where pairs need them
        needed = np.zeros(len(t), dtype=bool)
        needed[cand.a] = needed[cand.b] = True
        t.prepare(needed, worker.result() if worker is not None else None)
    f = score.features(t, cand.a, cand.b, cand.shared_phone, cand.shared_email, cand.shared_local)
    s, c = score.scores(f), score.conflicts(f)
    found = group.build(t, cand.a, cand.b, s, c, min_score)
    if stats is not None:
        stats.customers, stats.candidate_pairs, stats.groups = len(t), len(cand), len(found)
    out = []
    for g in found:
        ids = [int(t.ids[p]) for p in g.members]
        reasons: list[str] = []
        if with_reasons:
            for x, y, _ in sorted(g.edges, key=lambda e: (t.ids[e[0]], t.ids[e[1]])):
                words = score.reasons(t, x, y)
                if len(g.members) > 2:
                    words = [f"{t.ids[x]}~{t.ids[y]}: {w}" for w in words]
                reasons += words
        out.append(DuplicateGroup(ids, float(g.score), reasons))
    return out


def likely_duplicates(
    store: Any,
    customer: Any,
    *,
    min_score: float = WARN_MIN_SCORE,
    limit: int = 200,
    exclude: int | None = None,
) -> list[tuple[int, float, list[str]]]:
    """Existing customers that look like `customer` (a CustomerInput), best first.

    Uses only indexed lookups (phones, emails, stored blocking keys), so it stays fast at
    1M customers. Returns (id, score, reasons).
    """
    import numpy as np

    from custinfo.dedupe import normalize as nz
    from custinfo.dedupe import score, table
    from custinfo.dedupe.blocking import BLOCK_CAP, KIND_CAPS
    from custinfo.models import Customer

    conn = store.conn
    ids: set[int] = set()
    for phone in customer.phones:
        ids.update(store.ids_by_phone(phone.e164)[:limit])
    for email in customer.emails:
        ids.update(store.ids_by_email(email.key)[:limit])
    keys = nz.blocking_keys(
        customer.name,
        customer.birthday,
        [e.key for e in customer.emails],
        customer.address,
        customer.city,
    )
    for key in keys:
        hashed = nz.stable_hash(key)
        cap = KIND_CAPS.get(hashed & 7, BLOCK_CAP)
        rows = conn.execute(
            "SELECT customer_id FROM dedupe_keys WHERE key = ? LIMIT ?", (hashed, cap + 1)
        ).fetchall()
        if len(rows) <= cap:  # a bigger block says nothing (as in the full dedupe)
            ids.update(r[0] for r in rows)
    ids.discard(exclude)  # type: ignore[arg-type]
    if not ids:
        return []
    existing = store.get_many(sorted(ids)[: limit * 4])
    new = Customer(
        id=0, name=customer.name, phones=[str(p) for p in customer.phones],
        emails=[str(e) for e in customer.emails], company=customer.company,
        address=customer.address, city=customer.city, birthday=customer.birthday,
    )  # fmt: skip
    t = table.from_customers([new, *existing])
    others = np.arange(1, len(t), dtype=np.int64)
    s, c = score.score_pairs(t, np.zeros(len(others), dtype=np.int64), others)
    found = [
        (int(t.ids[p]), float(s[i]), score.reasons(t, 0, int(p)))
        for i, p in enumerate(others.tolist())
        if s[i] >= min_score and not c[i]
    ]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found
