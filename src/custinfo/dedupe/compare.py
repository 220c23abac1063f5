"""Comparison levels: how two records compare, field by field (vectorised over pairs).

Every field of a pair gets one level, an integer: 0 is always "missing" (either side has no
value, or the two cannot be judged: a name in characters against a romanisation of another
language), the others run from full agreement to clear disagreement. The model
(`custinfo.dedupe.model`) gives each level a weight; nothing here decides what a level is
worth. String similarities use rapidfuzz, each distinct pair of strings compared once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe.table import Table
from custinfo.i18n import N_

#: Level names per field, in level order (level 0: missing); shown through `_()`.
LEVELS: dict[str, tuple[str, ...]] = {
    "name": (N_("missing"), N_("exact"), N_("same form"), N_("close"), N_("near"),
             N_("surname differs"), N_("given name differs"), N_("part missing"),
             N_("different")),
    "phone": (N_("missing"), N_("same"), N_("one digit apart"), N_("different")),
    "email": (N_("missing"), N_("same"), N_("same name, other provider"),
              N_("one character apart"), N_("different")),
    "birthday": (N_("missing"), N_("same"), N_("one digit or day/month swapped"),
                 N_("different")),
    "address": (N_("missing"), N_("same"), N_("close"), N_("near"), N_("other house number"),
                N_("different")),
    "company": (N_("missing"), N_("same"), N_("close"), N_("different")),
    "city": (N_("missing"), N_("same"), N_("close"), N_("different")),
}  # fmt: skip
FIELDS = tuple(LEVELS)
#: Levels that count as "agrees" for the rule that a name alone never groups two records.
AGREEING = {"phone": (1, 2), "email": (1, 2, 3), "birthday": (1, 2), "address": (1, 2, 3, 4)}

N_EXACT, N_FORM, N_CLOSE, N_NEAR, N_SURNAME, N_GIVEN, N_SUBSET, N_DIFF = range(1, 9)
N_PART = N_SURNAME  # "one part differs" before the surname/given split
#: Token similarity (Jaro-Winkler) at which a name token counts as the same.
TOKEN_SAME = 0.92


@dataclass
class Levels:
    """Level per field (int8 arrays over the pairs) and the similarities behind them."""

    level: dict[str, np.ndarray]
    name_sim: np.ndarray
    address_sim: np.ndarray
    company_sim: np.ndarray

    def __len__(self) -> int:
        return len(self.name_sim)

    def take(self, idx: np.ndarray) -> Levels:
        return Levels(
            {f: v[idx] for f, v in self.level.items()},
            self.name_sim[idx], self.address_sim[idx], self.company_sim[idx],
        )  # fmt: skip


def _unique_pairs(ids_a: np.ndarray, ids_b: np.ndarray, m: int):  # type: ignore[no-untyped-def]
    x, y = ids_a.astype(np.int64), ids_b.astype(np.int64)
    codes = np.minimum(x, y) * m + np.maximum(x, y)
    uniq, inverse = np.unique(codes, return_inverse=True)
    return uniq // m, uniq % m, inverse.ravel()


def similarity(ids_a: np.ndarray, ids_b: np.ndarray, strings: list[str], scorers: tuple):  # type: ignore[no-untyped-def]
    """max over scorers of the similarity of strings[ids_a], strings[ids_b] (nan: missing)."""
    from rapidfuzz.process import cpdist

    out = np.full(len(ids_a), np.nan, dtype=np.float32)
    valid = (ids_a >= 0) & (ids_b >= 0)
    if not valid.any():
        return out
    ua, ub, inverse = _unique_pairs(ids_a[valid], ids_b[valid], max(len(strings), 1))
    sims = np.ones(len(ua), dtype=np.float32)
    differ = ua != ub
    if differ.any():
        arr = np.array(strings, dtype=object)
        left, right = arr[ua[differ]], arr[ub[differ]]
        best = np.zeros(int(differ.sum()), dtype=np.float32)
        for scorer, scale in scorers:
            got = cpdist(left, right, scorer=scorer, workers=-1, dtype=np.float32)
            best = np.maximum(best, got / scale)
        sims[differ] = best
    out[valid] = sims[inverse]
    return out


def _name_levels(t: Table, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Name levels and similarity (the weakest token of the best alignment).

    Sorted tokens are compared both aligned and crossed (a changed surname can move in the
    sort order). Two names in Chinese characters whose pinyin differs are different names
    unless one part is the same (homophone typos keep the pinyin, so they are "same form").
    Characters against Latin letters that do not even contain the pinyin family name may be
    another romanisation (Japanese, Cantonese): missing, neither for nor against.
    """
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist

    ids_a, ids_b = t.name_id[a], t.name_id[b]
    level = np.zeros(len(a), dtype=np.int8)
    sim_out = np.full(len(a), np.nan, dtype=np.float32)
    valid = (ids_a >= 0) & (ids_b >= 0)
    if not valid.any():
        return level, sim_out
    ua, ub, inverse = _unique_pairs(ids_a[valid], ids_b[valid], max(len(t.name_strings), 1))
    lv = np.full(len(ua), N_FORM, dtype=np.int8)
    sims = np.ones(len(ua), dtype=np.float32)
    differ = np.flatnonzero(ua != ub)
    if len(differ):
        x, y = ua[differ], ub[differ]
        jw = JaroWinkler.normalized_similarity

        def jwd(p, q):  # type: ignore[no-untyped-def]
            return cpdist(p, q, scorer=jw, workers=-1, dtype=np.float32)

        full = jwd(t.name_array[x], t.name_array[y])
        f, la = t.name_first, t.name_last
        ff, ll = jwd(f[x], f[y]), jwd(la[x], la[y])
        nx, ny = t.name_ntok[x], t.name_ntok[y]
        multi = (nx == ny) & (nx >= 2)
        aligned = np.minimum(ff, ll)
        best_all = np.where(multi, aligned, full)
        best_one = np.maximum(ff, ll)
        # crossed (first with last) only where the aligned tokens do not both agree
        cross = np.flatnonzero(aligned < TOKEN_SAME)
        if len(cross):
            xc, yc = x[cross], y[cross]
            fl, lf = jwd(f[xc], la[yc]), jwd(la[xc], f[yc])
            best_all[cross] = np.where(
                multi[cross], np.maximum(aligned[cross], np.minimum(fl, lf)), full[cross]
            )
            best_one[cross] = np.maximum.reduce([best_one[cross], fl, lf])
        sub = np.select(
            [best_all >= TOKEN_SAME, best_all >= 0.85],
            [N_CLOSE, N_NEAR],
            np.where(
                (nx != ny) & (best_one >= TOKEN_SAME),
                N_SUBSET,
                np.where(multi & (best_one >= TOKEN_SAME), N_PART, N_DIFF),
            ),
        ).astype(np.int8)
        cjk_x, cjk_y = t.name_cjk[x], t.name_cjk[y]
        same_key = t.name_array[x] == t.name_array[y]  # 张伟 / Wei Zhang
        strict = cjk_x & cjk_y  # characters on both sides and a different pinyin
        mixed = np.flatnonzero((cjk_x != cjk_y) & ~same_key)
        unknown = np.zeros(len(x), dtype=bool)
        if len(mixed):  # does the Latin name contain the characters' family name?
            xm, ym, cm = x[mixed], y[mixed], cjk_x[mixed]
            family = t.name_family[np.where(cm, xm, ym)].tolist()
            latin = t.name_array[np.where(cm, ym, xm)].tolist()
            hit = np.fromiter(
                (f in s.split() for f, s in zip(family, latin, strict=True)), bool, len(mixed)
            )
            strict[mixed[hit]] = True
            unknown[mixed[~hit]] = True
        one_same = best_one >= 0.995
        sub = np.where(strict, np.where(one_same, N_PART, N_DIFF), sub).astype(np.int8)
        sub[unknown] = 0
        part = np.flatnonzero(sub == N_PART)
        if len(part):  # which part: the surname agrees → the given name differs
            same_surname = jwd(t.name_surname[x[part]], t.name_surname[y[part]]) >= TOKEN_SAME
            sub[part[same_surname]] = N_GIVEN
        sub[same_key] = N_FORM
        lv[differ] = sub
        sims[differ] = np.where(strict, np.minimum(best_all, 0.7), best_all)
        sims[differ[same_key]] = 1.0
        sims[differ[unknown]] = np.nan
    level_v, sim_v = lv[inverse], sims[inverse]
    exact = t.name_raw_id[a[valid]] == t.name_raw_id[b[valid]]
    level_v = np.where(exact, N_EXACT, level_v).astype(np.int8)
    level[valid], sim_out[valid] = level_v, sim_v
    return level, sim_out


def _primary(multi: Any, n: int) -> tuple[np.ndarray, list[str]]:
    """Id of each position's first value (-1: none) and the distinct values."""
    ids, strings = multi.factorized()
    starts = multi.starts
    out = np.full(n, -1, dtype=np.int32)
    has = np.flatnonzero(np.diff(starts) > 0) if len(starts) > 1 else np.empty(0, dtype=np.int64)
    out[has] = ids[starts[has]]
    return out, strings


def _one_edit(
    ids_a: np.ndarray, ids_b: np.ndarray, strings: list[str], wanted: np.ndarray
) -> np.ndarray:
    """strings[ids_a] and strings[ids_b] differ by one edit, where `wanted` (else False)."""
    from rapidfuzz.distance import Levenshtein

    out = np.zeros(len(ids_a), dtype=bool)
    valid = np.flatnonzero(wanted & (ids_a >= 0) & (ids_b >= 0) & (ids_a != ids_b))
    if len(valid):
        from rapidfuzz.process import cpdist

        arr = np.array(strings, dtype=object)
        d = cpdist(arr[ids_a[valid]], arr[ids_b[valid]], scorer=Levenshtein.distance, workers=-1)
        out[valid] = d <= 1
    return out


def _birthday_levels(t: Table, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, y = t.bday_int[a].astype(np.int64), t.bday_int[b].astype(np.int64)
    both = (x > 0) & (y > 0)
    digits_differ = sum(((x // 10**k) % 10 != (y // 10**k) % 10).astype(np.int8) for k in range(8))
    yx, mx, dx = x // 10000, (x // 100) % 100, x % 100
    yy, my, dy = y // 10000, (y // 100) % 100, y % 100
    swapped = (yx == yy) & (mx == dy) & (dx == my)
    near = (digits_differ == 1) | swapped
    return np.where(~both, 0, np.where(x == y, 1, np.where(near, 2, 3))).astype(np.int8)


#: Pairs compared at once: bounds the temporary arrays (1M customers: ~2M pairs).
CHUNK = 1 << 18
#: From this many pairs the parts are compared in two threads (rapidfuzz and numpy's sorts
#: and loops release the GIL); the levels are the same either way.
THREADS_MIN = 40_000


def compare(
    t: Table,
    a: np.ndarray,
    b: np.ndarray,
    shared_phone: np.ndarray,
    shared_email: np.ndarray,
    shared_local: np.ndarray,
) -> Levels:
    """Comparison levels of the pairs (a[i], b[i]) (positions of prepared rows), computed
    at most CHUNK pairs at a time."""
    n = len(a)
    if n <= CHUNK and n < THREADS_MIN:
        return _compare(t, a, b, shared_phone, shared_email, shared_local)
    size = min(CHUNK, -(-n // 2)) if n >= THREADS_MIN else CHUNK
    arrays = (a, b, shared_phone, shared_email, shared_local)

    def part(start: int) -> Levels:
        return _compare(t, *(x[start : start + size] for x in arrays))

    if n >= THREADS_MIN:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            parts = list(pool.map(part, range(0, n, size)))
    else:
        parts = [part(start) for start in range(0, n, size)]
    return Levels(
        {f: np.concatenate([p.level[f] for p in parts]) for f in FIELDS},
        *(np.concatenate([getattr(p, k) for p in parts])
          for k in ("name_sim", "address_sim", "company_sim")),
    )  # fmt: skip


def _compare(
    t: Table,
    a: np.ndarray,
    b: np.ndarray,
    shared_phone: np.ndarray,
    shared_email: np.ndarray,
    shared_local: np.ndarray,
) -> Levels:
    from rapidfuzz import fuzz
    from rapidfuzz.distance import JaroWinkler

    scorers = ((fuzz.ratio, 100.0), (fuzz.token_set_ratio, 100.0))
    name, name_sim = _name_levels(t, a, b)
    both_ph = t.has_phone[a] & t.has_phone[b]  # one edit apart: only where nothing is shared
    ph_close = _one_edit(t.phone_primary[a], t.phone_primary[b], t.phone_strings, ~shared_phone)
    phone = np.where(~both_ph, 0, np.where(shared_phone, 1, np.where(ph_close, 2, 3)))
    both_em = t.has_email[a] & t.has_email[b]
    em_close = _one_edit(
        t.email_primary[a], t.email_primary[b], t.email_strings, ~(shared_email | shared_local)
    )
    email = np.select(
        [~both_em, shared_email, shared_local, em_close], [0, 1, 2, 3], 4
    )  # fmt: skip
    addr_sim = similarity(t.addr_id[a], t.addr_id[b], t.addr_strings, scorers)
    ha, hb = t.addr_house[a], t.addr_house[b]
    conflict = (ha >= 0) & (hb >= 0) & (ha != hb)
    address = np.select(
        [np.isnan(addr_sim), t.addr_id[a] == t.addr_id[b], conflict & (addr_sim >= 0.7),
         addr_sim >= 0.88, addr_sim >= 0.7],
        [0, 1, 4, 2, 3], 5,
    )  # fmt: skip
    comp_sim = similarity(t.comp_id[a], t.comp_id[b], t.comp_strings, scorers)
    company = np.select(
        [np.isnan(comp_sim), comp_sim >= 0.995, comp_sim >= 0.85], [0, 1, 2], 3
    )  # fmt: skip
    city_sim = similarity(
        t.city_id[a], t.city_id[b], t.city_strings, ((JaroWinkler.normalized_similarity, 1.0),)
    )
    city = np.select(
        [np.isnan(city_sim), t.city_id[a] == t.city_id[b], city_sim >= 0.9], [0, 1, 2], 3
    )  # fmt: skip
    level = {
        "name": name,
        "phone": phone,
        "email": email,
        "birthday": _birthday_levels(t, a, b),
        "address": address,
        "company": company,
        "city": city,
    }
    return Levels(
        {f: np.asarray(v, dtype=np.int8) for f, v in level.items()}, name_sim, addr_sim, comp_sim
    )
