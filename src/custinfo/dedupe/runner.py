"""One dedupe run: read, block, compare, choose (or fit) the model, score, group, explain."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from custinfo.collector import paused
from custinfo.dedupe import blocking, compare, group, model, table
from custinfo.dedupe.model import FIT_MIN, META_KEY, Model, TermFrequencies
from custinfo.dedupe.score import Scorer
from custinfo.i18n import _


class Run:
    """Candidate pairs of a table with their levels, scores and vetoes under one model."""

    def __init__(
        self,
        t: table.Table,
        store: Any,
        conn: Any,
        *,
        model: Model | None = None,
        fit: bool = True,
        refit: bool = False,
        also_compare: list[str] | None = None,
    ) -> None:
        self.t = t
        self.timings: dict[str, float] = {}
        clock = time.perf_counter()
        cand = blocking.candidates(t, conn)
        self.extra = None  # --also-compare field:KEY (custinfo.fields.compare)
        if also_compare:
            from custinfo.fields.compare import Evidence

            self.extra = Evidence(store, also_compare, t.ids)
            cand = blocking.with_pairs(t, cand, self.extra.pairs())
        self.cand = cand
        if not hasattr(t, "name_id"):  # deferred: place forms only where pairs need them
            needed = np.zeros(len(t), dtype=bool)
            needed[cand.a] = needed[cand.b] = True
            t.prepare(needed)
            self.pool = np.flatnonzero(needed)
        else:
            self.pool = np.arange(len(t))
        self.timings["block"] = time.perf_counter() - clock
        self.levels = compare.compare(
            t, cand.a, cand.b, cand.shared_phone, cand.shared_email, cand.shared_local
        )
        self.tf = TermFrequencies(t)
        self.timings["compare"] = time.perf_counter() - clock
        self.fitted_now = False
        self.model_stored = False  # a model fitted now was saved in the database
        self.model = model or self._choose(store, fit, refit)
        self.scorer = Scorer(t, self.model, self.tf if self.model.fitted else None, self.extra)
        self.s, self.c = self.scorer.scores(self.levels, cand.a, cand.b)
        self.timings["score"] = time.perf_counter() - clock

    def _choose(self, store: Any, fit: bool, refit: bool) -> Model:
        t = self.t
        stored = model.load(store.meta(META_KEY)) if store is not None else None
        complete = store is None or t.complete
        max_id = int(t.ids.max()) if len(t) else 0
        if stored is not None and not refit and (not complete or not stored.stale(len(t), max_id)):
            return stored
        if not fit or len(t) < FIT_MIN or len(self.pool) < 2:
            return stored if stored is not None and not complete else model.default()
        from custinfo.dedupe import fit as fitting

        def totals(m: Model) -> np.ndarray:
            return Scorer(t, m, self.tf).total(self.levels, self.cand.a, self.cand.b)

        fitted = fitting.fit(t, self.levels, self.cand.via, self.pool, totals)
        self.fitted_now = True
        if store is not None and complete:
            self.model_stored = store_model(store, fitted)
        return fitted

    def groups(self, min_score: float, stats: Any, with_reasons: bool) -> list[Any]:
        with paused():
            return self._groups(min_score, stats, with_reasons)

    def _groups(self, min_score: float, stats: Any, with_reasons: bool) -> list[Any]:
        from custinfo.dedupe import DuplicateGroup, score

        t, cand = self.t, self.cand
        found = group.build(t, cand.a, cand.b, self.s, self.c, min_score, self.scorer.score_pairs)
        if stats is not None:
            stats.customers, stats.candidate_pairs, stats.groups = len(t), len(cand), len(found)
            stats.fitted, stats.stored = self.fitted_now, self.model_stored
        edges: list[list[tuple[int, int]]] = []
        for g in found if with_reasons else ():
            edges.append(sorted((x, y) for x, y, _ in g.edges))  # positions: in id order
        flat = [e for es in edges for e in es]
        words = score.reasons(self.scorer, flat, self._levels_of(flat)) if flat else []
        out, at = [], 0
        id_of = t.ids.tolist()  # Python ints, taken once
        for g, es in zip(found, edges or [[]] * len(found), strict=True):
            reasons: list[str] = []
            if with_reasons:
                for x, y in es:
                    items = words[at]
                    at += 1
                    if len(g.members) > 2:
                        items = [f"{id_of[x]}~{id_of[y]}: {w}" for w in items]
                    reasons += items
            out.append(DuplicateGroup([id_of[p] for p in g.members], float(g.score), reasons))
        return out

    def _levels_of(self, pairs: list[tuple[int, int]]) -> Any:
        """The levels of candidate pairs (x < y) as compared already (None if one is not)."""
        n = len(self.t)
        codes = self.cand.a.astype(np.int64) * n + self.cand.b.astype(np.int64)
        order = blocking.sorted_order(codes)  # (in order by construction)
        want = np.array([x * n + y for x, y in pairs], dtype=np.int64)
        at = np.minimum(np.searchsorted(codes[order], want), max(len(codes) - 1, 0))
        idx = order[at]
        if len(codes) == 0 or not (codes[idx] == want).all():
            return None
        return self.levels.take(idx)


def store_model(store: Any, fitted: Model) -> bool:
    """Save a fitted model if the write lock is free at once; False (kept in memory only)
    when another process is writing: listing duplicates never waits behind a writer."""
    from custinfo.errors import DatabaseLockedError
    from custinfo.store.db import utc_now

    conn = store.conn
    wait = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute("PRAGMA busy_timeout = 0")
    fitted.fitted_at = utc_now()
    try:
        with store.write("dedupe fit") as w:  # a setting, not customer data: no entry
            w.set_meta(META_KEY, fitted.to_json(), audited=False)
    except DatabaseLockedError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {wait}")
    return True


def open_run(
    store: Any, only: set[int] | None, *, refit: bool = False, also_compare: list[str] | None = None
) -> Run:
    """A Run over the store's customers (all, or those in `only`)."""
    with paused():
        t = table.load(store.conn, only, defer=True)
        return Run(t, store, store.conn, refit=refit, also_compare=also_compare)


class CountFrequencies(TermFrequencies):
    """Term frequencies of the first record's values, counted in the database (indexed
    name keys; one scan of the customers for the other fields when `scan`)."""

    def __init__(self, store: Any, t: table.Table, m: Model, *, scan: bool) -> None:
        from custinfo.dedupe import normalize as nz

        self.values, self.adjust = {}, {}
        conn = store.conn
        n = max(m.customers, 1)  # at the fit (a count(*) would scan 1M rows on every `add`)
        u_agree = {f: m.u[f][1] + (m.u[f][2] if f == "name" else 0.0) for f in m.u}
        key = nz.name_key(t.names[0])
        if key:
            hashed = nz.stable_hash("n|" + key)
            count = conn.execute("SELECT count(*) FROM dedupe_keys WHERE key = ?", (hashed,))
            self._set("name", t.name_key_id, max(count.fetchone()[0], 1) / n, u_agree)
        if not scan:
            return
        columns = {
            "birthday": (t.bday_id, t.birthdays[0]),
            "address": (t.addr_id, t.addresses[0]),
            "company": (t.comp_id, t.companies[0]),
            "city": (t.city_id, t.cities[0]),
        }
        wanted = [(f, v) for f, (_, v) in columns.items() if v]
        if not wanted:
            return
        sql = ", ".join(f"count({f}), sum({f} = ?)" for f, _ in wanted)
        row = conn.execute(f"SELECT {sql} FROM customers", [v for _, v in wanted]).fetchone()
        for i, (f, _value) in enumerate(wanted):
            total, same = row[2 * i] or 1, row[2 * i + 1] or 1
            self._set(f, columns[f][0], same / total, u_agree)

    def _set(self, f: str, ids: np.ndarray, p: float, u_agree: dict[str, float]) -> None:
        if ids[0] < 0:
            return
        adj = np.zeros(int(ids.max()) + 1, dtype=np.float32)
        adj[ids[0]] = float(np.clip(np.log(max(u_agree[f], 1e-12) / max(p, 1e-12)), -12, 3))
        self.values[f] = ids
        self.adjust[f] = adj


def stored_model(store: Any) -> Model:
    """The stored model, or the hand-set one."""
    return model.load(store.meta(META_KEY)) or model.default()


def explain(
    store: Any, first: int, second: int, also_compare: list[str] | None = None
) -> dict[str, Any]:
    from custinfo.dedupe import score
    from custinfo.errors import UsageError

    ids = sorted({store.resolve_id(first), store.resolve_id(second)})
    if len(ids) < 2:
        raise UsageError(
            _("--explain: {first} and {second} are the same customer").format(
                first=first, second=second
            )
        )
    t = table.from_customers(store.get_many(ids))
    m = stored_model(store)
    tf = CountFrequencies(store, t, m, scan=True) if m.fitted else None
    extra = None
    if also_compare:
        from custinfo.fields.compare import Evidence

        extra = Evidence(store, also_compare, t.ids)
    return score.explain_pair(Scorer(t, m, tf, extra), 0, 1)
