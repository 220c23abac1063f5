"""Pair scores from comparison levels and the model, the two vetoes, and the reasons in words.

A pair's score is the logistic of the model's prior plus each field's level weight (plus a
term-frequency adjustment on agreeing fields of a fitted model). Two rules are not left to
the weights, because no data set can teach them to a CRM: a name (with city or company)
alone never joins two records, and neither does a different given name or surname together
with a different birthday (namesakes; family members at one address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe import compare
from custinfo.dedupe.compare import AGREEING, FIELDS, LEVELS, Levels
from custinfo.dedupe.model import Model, TermFrequencies
from custinfo.dedupe.table import Table


class Scorer:
    """Scores pairs of one table under one model."""

    def __init__(
        self, t: Table, model: Model, tf: TermFrequencies | None = None, extra: Any = None
    ) -> None:
        self.t, self.model, self.tf = t, model, tf
        self.w = model.weights()
        self.extra = extra  # `fields.compare.Evidence` (--also-compare), or None
        if extra is not None:
            extra.set_cap(self.w)

    def levels(self, a: np.ndarray, b: np.ndarray, flags: tuple | None = None) -> Levels:
        from custinfo.dedupe.blocking import shared_flags

        return compare.compare(self.t, a, b, *(flags or shared_flags(self.t, a, b)))

    def field_weights(self, lv: Levels, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
        """Weight per field per pair (term frequencies included)."""
        out = {}
        for f in FIELDS:
            level = lv.level[f]
            w = self.w[f][level]
            adj = self.tf.pair_adjust(f, level, a, b) if self.tf is not None else None
            if adj is not None:
                w = np.where(adj != 0, np.maximum(w + adj, 0.0), w).astype(np.float32)
            out[f] = w
        return out

    def total(self, lv: Levels, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sum of the field weights (no prior)."""
        ws = self.field_weights(lv, a, b)
        return np.sum([ws[f] for f in FIELDS], axis=0).astype(np.float32)

    def scores(self, lv: Levels, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores in [0, 1], vetoed) of the pairs."""
        logit = self.model.prior + self.total(lv, a, b)
        veto = vetoed(lv)
        if self.extra is not None:
            logit = logit + self.extra.weights(a, b)
            veto &= ~self.extra.identifies(a, b)
        s = (1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))).astype(np.float32)
        return s, veto

    def score_pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores, vetoed) of arbitrary pairs (shared keys computed pair by pair)."""
        return self.scores(self.levels(a, b), a, b)


def vetoed(lv: Levels) -> np.ndarray:
    """Pairs that never join: nothing but the name agrees, or a name part and the birthday
    both differ."""
    agree = np.zeros(len(lv), dtype=bool)
    for f, good in AGREEING.items():
        agree |= np.isin(lv.level[f], good)
    name, birthday = lv.level["name"], lv.level["birthday"]
    family = np.isin(name, (compare.N_GIVEN, compare.N_DIFF)) & (birthday == 3)
    return ~agree | family


# -- words (custinfo.dedupe.words) -------------------------------------------------------------
def reasons(
    scorer: Scorer, pairs: list[tuple[int, int]], known: Levels | None = None
) -> list[list[str]]:
    """For each pair, its evidence in words with level weights, strongest first:
    `birthday same … (+6.1)`; a likely story ends the list (`: name change?`).
    `known`: the pairs' levels if already compared."""
    from custinfo.dedupe import words

    if not pairs:
        return []
    if known is None:
        a = np.array([p[0] for p in pairs], dtype=np.int64)
        b = np.array([p[1] for p in pairs], dtype=np.int64)
        known = scorer.levels(a, b)
    return words.reasons(scorer, pairs, known)


@dataclass
class FieldComparison:
    field: str
    a: Any
    b: Any
    level: str
    m: float | None
    u: float | None
    weight: float
    adjustment: float


def explain_pair(scorer: Scorer, x: int, y: int) -> dict[str, Any]:
    """Full comparison of positions x and y: every field, level, m, u and weight."""
    t = scorer.t
    a, b = np.array([x], dtype=np.int64), np.array([y], dtype=np.int64)
    lv = scorer.levels(a, b)
    ws = scorer.field_weights(lv, a, b)
    values = {
        "name": (t.names[x], t.names[y]),
        "phone": (t.phones.get(x), t.phones.get(y)),
        "email": (t.emails.get(x), t.emails.get(y)),
        "birthday": (t.birthdays[x], t.birthdays[y]),
        "address": (t.addresses[x], t.addresses[y]),
        "company": (t.companies[x], t.companies[y]),
        "city": (t.cities[x], t.cities[y]),
    }
    rows = []
    model = scorer.model
    for f in FIELDS:
        level = int(lv.level[f][0])
        base = float(scorer.w[f][level])
        rows.append(
            FieldComparison(
                f,
                *values[f],
                LEVELS[f][level],
                round(model.m[f][level], 6) if level else None,
                round(model.u[f][level], 8) if level and model.fitted else None,
                round(float(ws[f][0]), 3),
                round(float(ws[f][0]) - base, 3),
            ).__dict__
        )
    total = float(sum(float(ws[f][0]) for f in FIELDS))
    for key, vx, vy, level, w in scorer.extra.explained(x, y) if scorer.extra else ():
        rows.append(FieldComparison("field:" + key, vx or None, vy or None, level, None, None,
                                    round(w, 3), 0.0).__dict__)  # fmt: skip
        total += w
    logit = model.prior + total
    score = float(1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60))))
    return {
        "ids": [int(t.ids[x]), int(t.ids[y])],
        "fields": rows,
        "prior": round(model.prior, 3),
        "total": round(logit, 3),
        "score": round(score, 6),
        "vetoed": bool(scorer.scores(lv, a, b)[1][0]),
        "reasons": reasons(scorer, [(x, y)])[0],
        "fitted": model.fitted,
    }
