"""The Fellegi–Sunter model: m and u probabilities per comparison level, and their weights.

For each field and level, m = P(level | same person) and u = P(level | different people);
the weight of a level is ln(m / u), and a pair's score is the logistic of the prior log-odds
plus the weights of its levels (plus term-frequency adjustments, `tf_adjust`). A fitted
model (`custinfo.dedupe.fit`) has u from random pairs of the database and m from
expectation–maximisation over the candidate pairs; its prior is for two random records.
`default()` is the hand-set model used below `FIT_MIN` customers (and as the EM's prior):
its prior is for a candidate pair. Models are stored as JSON in the `meta` table.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from custinfo.dedupe.compare import FIELDS, LEVELS

#: Fewer customers than this: no fit, the hand-set model.
FIT_MIN = 1000
#: Model format; a stored model of another version is refitted.
VERSION = 2
META_KEY = "dedupe_model"
#: Refit when the number of customers changed by this share since the fit (or the ids
#: moved on by as much: as many customers added as deleted).
REFIT_CHANGE = 0.1
#: Fields whose agreement is adjusted for the frequency of the agreed value, and the
#: levels adjusted.
TF_LEVELS = {"name": (1, 2), "birthday": (1,), "address": (1,), "company": (1,), "city": (1,)}

# Hand-set weights (log-odds), level by level, for small databases (see docs/dedupe.md).
_HAND_WEIGHTS = {
    "name": [0, 3.0, 3.0, 2.0, 0.5, -3.0, -3.0, -3.0, -7.0],
    "phone": [0, 8.0, 1.0, -2.5],
    "email": [0, 8.0, 3.0, 1.0, -1.5],
    "birthday": [0, 5.0, -2.0, -9.0],
    "address": [0, 3.5, 3.5, 1.5, 0.0, -1.5],
    "company": [0, 1.0, 1.0, -0.5],
    "city": [0, 0.5, 0.0, -0.5],
}
#: Prior m probabilities: the EM's starting point and pseudo-counts (level 0 unused).
PRIOR_M = {
    "name": [0, 0.55, 0.2, 0.1, 0.04, 0.03, 0.02, 0.03, 0.03],
    "phone": [0, 0.8, 0.02, 0.18],
    "email": [0, 0.8, 0.05, 0.02, 0.13],
    "birthday": [0, 0.9, 0.05, 0.05],
    "address": [0, 0.6, 0.15, 0.05, 0.05, 0.15],
    "company": [0, 0.7, 0.15, 0.15],
    "city": [0, 0.85, 0.05, 0.1],
}
HAND_PRIOR = -4.5


@dataclass
class Model:
    """m and u per field and level (index 0, "missing", is never used), and the prior."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # log-odds that a pair is one person before looking at it
    fitted: bool = False
    customers: int = 0  # at the fit
    max_id: int = 0
    pairs: int = 0  # candidate pairs at the fit
    fitted_at: str = ""
    seconds: float = 0.0
    sessions: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Candidate pairs at the fit where both records had the field (0: no data, weight 0).
    observed: dict[str, int] = field(default_factory=dict)
    version: int = VERSION

    def weights(self) -> dict[str, np.ndarray]:
        """ln(m / u) per field and level (level 0: 0)."""
        out = {}
        for f in FIELDS:
            m, u = np.array(self.m[f], dtype=np.float64), np.array(self.u[f], dtype=np.float64)
            w = np.log(np.maximum(m, 1e-12) / np.maximum(u, 1e-12))
            w[0] = 0.0
            if self.fitted and self.observed.get(f, 1) == 0:
                w[:] = 0.0
            out[f] = w.astype(np.float32)
        return out

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Model | None:
        """The stored model, or None if it is unreadable or of another version."""
        try:
            data = json.loads(text)
            if data.get("version") != VERSION:
                return None
            model = cls(**data)
            if any(len(model.m[f]) != len(LEVELS[f]) for f in FIELDS):
                return None
            return model
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def has_data(self, f: str) -> bool:
        return not self.fitted or self.observed.get(f, 1) > 0

    def stale(self, customers: int, max_id: int) -> bool:
        """The data has changed materially since the fit."""
        base = max(self.customers, 1)
        return (
            abs(customers - self.customers) > REFIT_CHANGE * base
            or max_id - self.max_id > REFIT_CHANGE * base
        )


def default() -> Model:
    """The hand-set model (prior for a candidate pair; u implied by the weights)."""
    u = {
        f: [1.0] + [m * math.exp(-w) for m, w in zip(PRIOR_M[f][1:], ws[1:], strict=True)]
        for f, ws in _HAND_WEIGHTS.items()
    }
    return Model(m={f: list(v) for f, v in PRIOR_M.items()}, u=u, prior=HAND_PRIOR)


class TermFrequencies:
    """Share of each value per field (agreeing on a common value counts less).

    The adjustment of an agreeing pair is ln(U / p): p the share of the agreed value among
    the records that have one, U the chance that two random records agree at all (the sum
    of p²), so on average over agreeing pairs it changes nothing.
    """

    def __init__(self, t: Any) -> None:
        self.values: dict[str, np.ndarray] = {}
        self.adjust: dict[str, np.ndarray] = {}
        for f, ids in (
            ("name", t.name_key_id), ("birthday", t.bday_id), ("address", t.addr_id),
            ("company", t.comp_id), ("city", t.city_id),
        ):  # fmt: skip
            present = ids[ids >= 0]
            if len(present) == 0:
                continue
            counts = np.bincount(present).astype(np.float64)
            p = counts / len(present)
            agree = float(np.sum(p[p > 0] ** 2))
            with np.errstate(divide="ignore"):
                adj = np.log(agree / np.maximum(p, 1e-12))
            self.values[f] = ids
            self.adjust[f] = np.clip(adj, -12.0, 3.0).astype(np.float32)

    def pair_adjust(
        self, f: str, level: np.ndarray, a: np.ndarray, b: np.ndarray
    ) -> np.ndarray | None:
        """Adjustment of field f for the pairs (a, b) at their levels (None: no table)."""
        if f not in self.values:
            return None
        ids = self.values[f]
        va = ids[a]
        on = np.isin(level, TF_LEVELS[f]) & (va >= 0)
        out = np.zeros(len(a), dtype=np.float32)
        if on.any():
            # the agreed value: a's (for names typed differently, the matching form)
            out[on] = self.adjust[f][va[on]]
        return out


def load(text: str | None) -> Model | None:
    return Model.from_json(text) if text else None
