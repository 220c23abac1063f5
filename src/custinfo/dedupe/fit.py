"""Fitting the model to the database itself (as splink and fastLink do).

- u: for "same value" levels, the chance that two random records share a value, from the
  value counts (the sum of the squared shares); for the other levels, a sample of random
  pairs of records.
- m: expectation–maximisation over the candidate pairs, one session per kind of blocking
  key. Pairs found through a shared phone all agree on the phone whatever they are, so a
  session leaves out the fields its key is made of and learns the others; the sessions'
  expected counts are pooled per field, with the hand-set m as a weak prior.
- the prior: the share of all n·(n−1)/2 pairs that are one person, solved from the scores
  of the candidate pairs (pairs that share no key count as different people).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from custinfo.dedupe import compare
from custinfo.dedupe.compare import FIELDS, LEVELS
from custinfo.dedupe.model import PRIOR_M, Model, TermFrequencies, default

#: Random pairs drawn for u.
RANDOM_PAIRS = 60_000
#: Pseudo-pairs of the hand-set m in each field's estimate.
PRIOR_STRENGTH = 20.0
EM_ITERATIONS = 40
#: Sessions: name → (bits of `Candidates.via`, fields left out).
SESSIONS = {
    "phone": (1, {"phone"}),
    "email": (2, {"email"}),
    "name": (4, {"name"}),
    "birthday+name": (8, {"birthday", "name"}),
    "address": (16, {"address", "city"}),
    "birthday+address": (32, {"birthday", "address"}),
}
_SIZES = [len(LEVELS[f]) for f in FIELDS]


def encode(levels: compare.Levels) -> np.ndarray:
    """One integer per pair for its comparison vector."""
    code = np.zeros(len(levels), dtype=np.int64)
    for f, size in zip(FIELDS, _SIZES, strict=True):
        code = code * size + levels.level[f]
    return code


def decode(codes: np.ndarray) -> np.ndarray:
    """Levels (patterns × fields) of pattern codes."""
    out = np.zeros((len(codes), len(FIELDS)), dtype=np.int64)
    rest = codes.copy()
    for i in range(len(FIELDS) - 1, -1, -1):
        out[:, i] = rest % _SIZES[i]
        rest //= _SIZES[i]
    return out


def _same_value_u(ids: np.ndarray) -> float:
    present = ids[ids >= 0]
    if len(present) < 2:
        return 0.0
    p = np.bincount(present).astype(np.float64) / len(present)
    return float(np.sum(p**2))


def estimate_u(t: Any, pool: np.ndarray, rng: np.random.Generator) -> dict[str, list[float]]:
    """u per field and level from random pairs of positions in `pool`."""
    size = min(max(RANDOM_PAIRS, len(pool) // 5), 200_000, len(pool) * (len(pool) - 1) // 2)
    a, b = pool[rng.integers(0, len(pool), size)], pool[rng.integers(0, len(pool), size)]
    keep = a != b
    a, b = a[keep], b[keep]
    same_phone = (t.phone_primary[a] >= 0) & (t.phone_primary[a] == t.phone_primary[b])
    same_email = (t.email_primary[a] >= 0) & (t.email_primary[a] == t.email_primary[b])
    lv = compare.compare(t, a, b, same_phone, same_email, same_email)
    same = {
        "name": _same_value_u(t.name_key_id),
        "birthday": _same_value_u(t.bday_id),
        "address": _same_value_u(t.addr_id[pool]),
        "company": _same_value_u(t.comp_id[pool]),
        "city": _same_value_u(t.city_id[pool]),
        "phone": _same_value_u(t.phone_primary),
        "email": _same_value_u(t.email_primary),
    }
    exact_name = _same_value_u(t.name_raw_id)
    out = {}
    for f in FIELDS:
        counts = np.bincount(lv.level[f], minlength=len(LEVELS[f])).astype(np.float64)[1:]
        counts += 0.5  # a level never seen among random pairs is rare, not impossible
        share = counts / counts.sum()
        u = np.empty(len(LEVELS[f]))
        u[0] = 1.0
        agree = max(same[f], 1e-9)
        rest = share[1:] / share[1:].sum() * (1.0 - agree)
        u[1], u[2:] = agree, rest
        if f == "name":  # exact and same-form split the agreement
            u[1] = max(min(exact_name, agree), 1e-9)
            u[2] = max(agree - exact_name, 1e-9)
            u[3:] = share[2:] / share[2:].sum() * (1.0 - agree)
        out[f] = u.tolist()
    return out


def _em(
    pattern_levels: np.ndarray,
    counts: np.ndarray,
    free: list[int],
    m: dict[str, np.ndarray],
    u: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], float]:
    """EM over patterns for the fields `free` (u fixed): expected level counts, matches."""
    lam = 0.3
    stats: dict[str, np.ndarray] = {}
    m = {f: v.copy() for f, v in m.items()}
    log_ratio = {f: np.log(np.maximum(m[f], 1e-12)) - np.log(np.maximum(u[f], 1e-12)) for f in m}
    matches = 0.0
    for _ in range(EM_ITERATIONS):
        w = np.zeros(len(counts))
        for i in free:
            f = FIELDS[i]
            lr = log_ratio[f].copy()
            lr[0] = 0.0
            w += lr[pattern_levels[:, i]]
        logit = np.log(lam / (1 - lam)) + w
        r = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        cr = counts * r
        matches = float(cr.sum())
        lam = min(max(matches / counts.sum(), 1e-6), 1 - 1e-6)
        for i in free:
            f = FIELDS[i]
            st = np.bincount(pattern_levels[:, i], weights=cr, minlength=len(m[f]))
            st[0] = 0.0
            stats[f] = st
            est = (st + PRIOR_STRENGTH * np.array(PRIOR_M[f])) / (st.sum() + PRIOR_STRENGTH)
            est[0] = 0.0
            m[f] = est
            log_ratio[f] = np.log(np.maximum(est, 1e-12)) - np.log(np.maximum(u[f], 1e-12))
    return stats, matches


def fit(
    t: Any,
    levels: compare.Levels,
    via: np.ndarray,
    pool: np.ndarray,
    scores_of: Any,
    *,
    seed: int = 17,
) -> Model:
    """Fit a model to the table `t` whose candidate pairs have these `levels`.

    `via`: bits of the key kinds each pair was found through; `pool`: positions whose
    fields are prepared (random pairs are drawn among them); `scores_of(model)` → the
    total weight (without prior) of every candidate pair under a model.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    base = default()
    u = {f: np.array(v) for f, v in estimate_u(t, pool, rng).items()}
    m0 = {f: np.array(v) for f, v in base.m.items()}
    codes = encode(levels)
    pooled = {f: PRIOR_STRENGTH * np.array(PRIOR_M[f]) for f in FIELDS}
    sessions = {}
    for name, (bit, left_out) in SESSIONS.items():
        mask = (via & bit) != 0
        if mask.sum() < 30:
            continue
        uniq, cnt = np.unique(codes[mask], return_counts=True)
        free = [i for i, f in enumerate(FIELDS) if f not in left_out]
        stats, matches = _em(decode(uniq), cnt.astype(np.float64), free, m0, u)
        sessions[name] = {"pairs": int(mask.sum()), "matches": round(matches, 1)}
        for f, st in stats.items():
            pooled[f] = pooled[f] + st
    m = {}
    for f in FIELDS:
        est = pooled[f].copy()
        est[0] = 0.0
        est = est / est.sum()
        m[f] = [0.0, *est[1:].tolist()]
    n = len(t)
    model = Model(
        m=m, u={f: [1.0, *v[1:].tolist()] for f, v in u.items()}, prior=0.0, fitted=True,
        customers=n, max_id=int(t.ids.max()) if n else 0, pairs=len(levels),
        sessions=sessions, observed={f: int((levels.level[f] != 0).sum()) for f in FIELDS},
    )  # fmt: skip
    model.prior = solve_prior(scores_of(model), n)
    model.seconds = round(time.perf_counter() - start, 3)
    return model


def solve_prior(weights: np.ndarray, n: int, iterations: int = 60) -> float:
    """Log-odds λ with λ·N = Σ σ(logit λ + w) over the candidate pairs (N: all pairs)."""
    total = n * (n - 1) / 2.0
    if total <= 0 or len(weights) == 0:
        return -10.0
    lam = min(len(weights) / total, 0.5)
    w = weights.astype(np.float64)
    for _ in range(iterations):
        logit = np.log(lam / (1 - lam))
        expected = float(np.sum(1.0 / (1.0 + np.exp(-np.clip(logit + w, -50, 50)))))
        new = min(max(expected / total, 1e-12), 0.5)
        if abs(new - lam) <= 1e-4 * lam:
            lam = new
            break
        lam = new
    return float(np.log(lam / (1 - lam)))


def tf_table(t: Any) -> TermFrequencies:
    return TermFrequencies(t)
