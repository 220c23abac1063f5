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
    fitted: bool = False  # the model was fitted in this run
    stored: bool = False  # ... and saved (False: the database was busy, kept in memory)


def find_groups(
    store: Any,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    only: Iterable[int] | None = None,
    stats: Stats | None = None,
    with_reasons: bool = True,
    refit: bool = False,
    also_compare: Iterable[str] = (),
) -> list[DuplicateGroup]:
    """Groups of likely duplicates among all customers of the Store (or those in `only`).

    The model is read from the database, or fitted first (and stored) when there is none,
    the data changed materially since, or `refit` is asked for (see `current_model`).
    `also_compare`: `field:KEY` custom fields as further evidence (`custinfo.fields.compare`).
    """
    also = _compared(store, also_compare)
    if only is not None:
        only = set(only)
        if len(only) < 2:
            return []
    run = prepare_run(store, only, refit=refit, also_compare=also)
    return run.groups(min_score, stats, with_reasons)


def _compared(store: Any, items: Iterable[str]) -> list[str]:
    """`--also-compare` keys, checked against the declarations before any work."""
    from custinfo.fields import catalog
    from custinfo.fields.compare import parse_keys

    keys = parse_keys(items)
    if keys:
        cat = catalog(store)
        for key in keys:
            cat.get(key, what="--also-compare")
    return keys


def groups_in_table(
    t: Any,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    with_reasons: bool = True,
    model: Any = None,
    fit: bool = True,
) -> list[DuplicateGroup]:
    """Same as `find_groups` over an in-memory Table (keys computed, not read; the model
    fitted on the table when it is big enough, never stored)."""
    from custinfo.dedupe import runner

    return runner.Run(t, None, None, model=model, fit=fit).groups(min_score, None, with_reasons)


def prepare_run(
    store: Any, only: set[int] | None = None, *, refit: bool = False,
    also_compare: list[str] | None = None,
) -> Any:  # fmt: skip
    """Read, block, compare and choose the model (a `runner.Run` ready to group)."""
    from custinfo.dedupe import runner

    return runner.open_run(store, only, refit=refit, also_compare=also_compare or [])


def current_model(store: Any, *, refit: bool = False) -> Any:
    """The model the next `find_groups` uses (fitted and stored if need be)."""
    return prepare_run(store, None, refit=refit).model


def explain(
    store: Any, first: int, second: int, also_compare: Iterable[str] = ()
) -> dict[str, Any]:
    """The full comparison of two customers under the current model."""
    from custinfo.dedupe import runner

    return runner.explain(store, first, second, _compared(store, also_compare))


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
    from custinfo.dedupe import runner, score, table
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
    m = runner.stored_model(store)
    tf = runner.CountFrequencies(store, t, m, scan=False) if m.fitted else None
    scorer = score.Scorer(t, m, tf)
    others = np.arange(1, len(t), dtype=np.int64)
    s, c = scorer.score_pairs(np.zeros(len(others), dtype=np.int64), others)
    hits = [int(p) for i, p in enumerate(others.tolist()) if s[i] >= min_score and not c[i]]
    words = score.reasons(scorer, [(0, p) for p in hits])
    found = [(int(t.ids[p]), float(s[p - 1]), w) for p, w in zip(hits, words, strict=True)]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found
