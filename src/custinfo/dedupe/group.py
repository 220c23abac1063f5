"""Validated grouping: pairs above the threshold joined into groups without chaining.

Plain transitive closure chains different people through one weak link ("Zhang Wei" A shares
a phone with B, B a name with C...). Here edges are taken strongest first, and two groups are
joined only if EVERY pair across them scores at least `FLOOR` and none is vetoed (see
`score.vetoed`). Groups never grow past `MAX_GROUP`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from custinfo.dedupe.blocking import sorted_order
from custinfo.dedupe.table import Table

PairScorer = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

FLOOR = 0.2
MAX_GROUP = 8


@dataclass
class Group:
    """Positions of one likely person, its score (weakest joining edge) and the edges."""

    members: list[int]
    score: float
    edges: list[tuple[int, int, float]] = field(default_factory=list)


def build(
    t: Table,
    a: np.ndarray,
    b: np.ndarray,
    pair_scores: np.ndarray,
    pair_conflicts: np.ndarray,
    min_score: float,
    score_pairs: PairScorer,
) -> list[Group]:
    n = len(t)
    codes = a.astype(np.int64) * n + b.astype(np.int64)  # a < b; sorted by construction
    order = sorted_order(codes)
    codes_sorted = codes[order]
    strong = np.flatnonzero(pair_scores >= min_score)
    strong = strong[np.argsort(-pair_scores[strong], kind="stable")]

    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    edges: dict[int, list[tuple[int, int, float]]] = {}

    def lookup(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([min(p) for p in pairs], dtype=np.int64)
        hi = np.array([max(p) for p in pairs], dtype=np.int64)
        want = lo * n + hi
        at = np.searchsorted(codes_sorted, want)
        at_c = np.minimum(at, max(len(codes_sorted) - 1, 0))
        known = (at < len(codes_sorted)) & (codes_sorted[at_c] == want)
        s = np.zeros(len(pairs), dtype=np.float32)
        c = np.zeros(len(pairs), dtype=bool)
        idx = order[at_c[known]]
        s[known], c[known] = pair_scores[idx], pair_conflicts[idx]
        if (~known).any():
            s2, c2 = score_pairs(lo[~known], hi[~known])
            s[~known], c[~known] = s2, c2
        return s, c

    strong = strong[~pair_conflicts[strong]]  # Python scalars for the loop, taken once
    for x, y, s in zip(
        a[strong].tolist(), b[strong].tolist(), pair_scores[strong].tolist(), strict=True
    ):
        rx, ry = x, y  # the roots (find, inlined: this loop runs once per strong pair)
        while (up := parent.get(rx, rx)) != rx:
            rx = up
        while (up := parent.get(ry, ry)) != ry:
            ry = up
        if rx == ry:
            continue
        mx, my = members.get(rx, [rx]), members.get(ry, [ry])
        if len(mx) + len(my) > MAX_GROUP:
            continue
        if len(mx) + len(my) > 2:
            cross = [(u, v) for u in mx for v in my if {u, v} != {x, y}]
            cs, cc = lookup(cross)
            if cc.any() or (cs < FLOOR).any():
                continue
        parent[ry] = rx
        members[rx] = mx + my
        edges[rx] = edges.pop(rx, []) + edges.pop(ry, []) + [(x, y, s)]
        members.pop(ry, None)
    # edges are taken strongest first: a group's last edge is its weakest
    groups = [Group(sorted(ms), edges[root][-1][2], edges[root]) for root, ms in members.items()]
    groups.sort(key=lambda g: (-g.score, g.members[0]))
    return groups
