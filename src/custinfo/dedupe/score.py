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
from custinfo.dedupe import normalize as nz
from custinfo.dedupe.compare import AGREEING, FIELDS, LEVELS, Levels
from custinfo.dedupe.model import Model, TermFrequencies
from custinfo.dedupe.table import Table
from custinfo.i18n import _

MINUS = "\u2212"


def fmt_weight(w: float) -> str:
    text = f"{w:+.1f}"
    return text.replace("-", MINUS)


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


# -- words -------------------------------------------------------------------------------------
def _name_words(t: Table, x: int, y: int, level: int, sim: float) -> str:
    na, nb = t.names[x], t.names[y]
    if level == compare.N_EXACT:
        return _("same name {name}").format(name=na)
    if level == compare.N_FORM:
        if nz.has_cjk(na) != nz.has_cjk(nb):
            return _("names {a} / {b} match by pinyin").format(a=na, b=nb)
        return _("names {a} / {b} match ignoring case, spacing and order").format(a=na, b=nb)
    if level in (compare.N_CLOSE, compare.N_NEAR):
        return _("names {a} / {b} {how} ({sim:.2f})").format(
            a=na, b=nb, how=_(LEVELS["name"][level]), sim=sim
        )
    if level in (compare.N_SURNAME, compare.N_GIVEN):
        return f"{_(LEVELS['name'][level])}: {na} / {nb}"
    if level == compare.N_SUBSET:
        return _("name part missing: {a} / {b}").format(a=na, b=nb)
    if level == compare.N_DIFF:
        return _("names differ: {a} / {b}").format(a=na, b=nb)
    return _("names {a} / {b} not comparable (another romanisation?)").format(a=na, b=nb)


def _phrase(t: Table, f: str, level: int, x: int, y: int, lv: Any, i: int) -> str:
    if f == "name":
        return _name_words(t, x, y, level, float(lv.name_sim[i]))
    if f == "phone":
        if level == 1:
            shared = sorted(set(t.phones.get(x)) & set(t.phones.get(y)))
            return _("same phone {phones}").format(phones=", ".join(shared))
        px, py = t.phones.get(x)[:1], t.phones.get(y)[:1]
        a, b = (px[0] if px else ""), (py[0] if py else "")
        if level == 2:
            return _("phones one digit apart: {a} / {b}").format(a=a, b=b)
        return _("phones differ: {a} / {b}").format(a=a, b=b)
    if f == "email":
        return _email_words(t, x, y, level)
    if f == "birthday":
        bx, by = t.birthdays[x], t.birthdays[y]
        if level == 1:
            return _("same birthday {date}").format(date=bx)
        if level == 2:
            return _("birthdays one digit apart or day/month swapped: {a} / {b}").format(a=bx, b=by)
        return _("birthdays differ: {a} / {b}").format(a=bx, b=by)
    if f == "address":  # only the message of this level (each is translated when used)
        if level in (2, 3):
            sim = float(lv.address_sim[i])
            if level == 2:
                return _("address close ({sim:.2f})").format(sim=sim)
            return _("address near ({sim:.2f})").format(sim=sim)
        if level == 1:
            return _("same address")
        if level == 4:
            return _("same street, other house number")
        return _("addresses differ")
    if f == "company":
        if level == 1:
            return _("same company")
        if level == 2:
            return _("company close ({sim:.2f})").format(sim=float(lv.company_sim[i]))
        return _("companies differ")
    cx, cy = t.cities[x], t.cities[y]
    if level == 1:
        return _("same city {city}").format(city=cx)
    if level == 2:
        return _("cities close: {a} / {b}").format(a=cx, b=cy)
    return _("cities differ: {a} / {b}").format(a=cx, b=cy)


def _email_words(t: Table, x: int, y: int, level: int) -> str:
    ex, ey = t.emails.get(x), t.emails.get(y)
    kx, ky = t.email_keys.get(x), t.email_keys.get(y)
    for addr_x, key_x in zip(ex, kx, strict=True):
        for addr_y, key_y in zip(ey, ky, strict=True):
            if level == 1 and key_x == key_y:
                if addr_x == addr_y:
                    return _("same email {email}").format(email=addr_x)
                return _("emails differ only in case: {a} / {b}").format(a=addr_x, b=addr_y)
            if level == 2 and nz.email_local(key_x) == nz.email_local(key_y):
                return _("same email name {local}@ ({a} / {b})").format(
                    local=nz.email_local(key_x), a=addr_x, b=addr_y
                )
    if level == 3:
        return _("emails one character apart: {a} / {b}").format(a=ex[0], b=ey[0])
    return _("emails differ")


def _hint(levels: dict[str, int], words: dict[str, str]) -> str | None:
    if levels["name"] == compare.N_SURNAME and (
        levels["birthday"] == 1 or levels["address"] in (1, 2)
    ):
        return _("name change?")
    if levels["address"] in (4, 5) and (levels["phone"] == 1 or levels["email"] == 1):
        return _("moved?")
    return None


def reasons(
    scorer: Scorer, pairs: list[tuple[int, int]], known: Levels | None = None
) -> list[list[str]]:
    """For each pair, its evidence in words with level weights, strongest first:
    `birthday same … (+6.1)`; a likely story ends the list (`: name change?`).
    `known`: the pairs' levels if already compared."""
    if not pairs:
        return []
    t = scorer.t
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    lv = scorer.levels(a, b) if known is None else known
    ws = scorer.field_weights(lv, a, b)
    level_of = {f: lv.level[f].tolist() for f in FIELDS}  # Python scalars: no numpy per item
    weight_of = {f: ws[f].tolist() for f in FIELDS}
    sims = _Sims(lv)
    out = []
    for i, (x, y) in enumerate(pairs):
        levels = {f: level_of[f][i] for f in FIELDS}
        words = {f: _phrase(t, f, lv_, x, y, sims, i) for f, lv_ in levels.items() if lv_}
        weighted = [(weight_of[f][i], words[f]) for f in words]
        if scorer.extra is not None:
            weighted += scorer.extra.reasons(x, y)
        weighted.sort(key=lambda item: -item[0])
        items = [f"{w} ({fmt_weight(v)})" for v, w in weighted]
        hint = _hint(levels, words)
        if hint and items:
            items[-1] += f": {hint}"
        out.append(items)
    return out


class _Sims:
    """The similarities of Levels as Python lists (converted on first use)."""

    def __init__(self, lv: Levels) -> None:
        self._lv = lv

    def __getattr__(self, name: str) -> list[float]:
        values = getattr(self._lv, name).tolist()
        setattr(self, name, values)
        return values


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
