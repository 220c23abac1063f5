"""Pair scoring: string similarities (rapidfuzz, vectorised) combined into a score in [0, 1].

Each field contributes log-odds evidence (a Fellegi-Sunter-style sum with hand-set weights,
tuned on the labelled benchmark, see docs/dedupe.md); the score is the logistic of the sum.
Exact matches of phone, email and birthday weigh most; a different birthday, or a clearly
different name, is strong evidence against. Each distinct pair of strings is compared once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from custinfo.dedupe import normalize as nz
from custinfo.dedupe.table import Table

# -- weights (log-odds) ----------------------------------------------------------------------
PRIOR = -4.5
NAME_EXACT, NAME_CLOSE, NAME_NEAR, NAME_WEAK, NAME_DIFFERENT = 3.0, 2.0, 0.5, -3.0, -7.0
PHONE_SAME, PHONE_DIFFERENT = 8.0, -2.5
EMAIL_SAME, EMAIL_LOCAL_SAME, EMAIL_DIFFERENT = 8.0, 3.0, -1.5
BIRTHDAY_SAME, BIRTHDAY_DIFFERENT = 5.0, -9.0
ADDRESS_SAME, ADDRESS_CLOSE, ADDRESS_DIFFERENT = 3.5, 1.5, -1.5
COMPANY_SAME, COMPANY_DIFFERENT = 1.0, -0.5
CITY_SAME, CITY_DIFFERENT = 0.5, -0.5
#: Name similarity below which two records are never grouped (hard negative evidence).
NAME_FLOOR = 0.75


@dataclass
class Features:
    name: np.ndarray  # similarity in [0, 1]
    phone_same: np.ndarray
    phone_both: np.ndarray
    email_same: np.ndarray
    local_same: np.ndarray
    email_both: np.ndarray
    bday: np.ndarray  # 1 same, -1 different, 0 unknown
    address: np.ndarray  # similarity, nan if either is missing
    company: np.ndarray
    city: np.ndarray  # 1 same, -1 different, 0 unknown


def _similarity(
    ids_a: np.ndarray, ids_b: np.ndarray, strings: list[str], scorers: tuple
) -> np.ndarray:
    """max over scorers of the similarity of strings[ids_a] and strings[ids_b] (nan: missing)."""
    from rapidfuzz.process import cpdist

    out = np.full(len(ids_a), np.nan, dtype=np.float32)
    valid = (ids_a >= 0) & (ids_b >= 0)
    if not valid.any():
        return out
    x, y = ids_a[valid].astype(np.int64), ids_b[valid].astype(np.int64)
    m = max(len(strings), 1)
    codes = np.minimum(x, y) * m + np.maximum(x, y)
    uniq, inverse = np.unique(codes, return_inverse=True)
    ua, ub = uniq // m, uniq % m
    sims = np.ones(len(uniq), dtype=np.float32)
    differ = ua != ub
    if differ.any():
        arr = np.array(strings, dtype=object)
        left, right = arr[ua[differ]], arr[ub[differ]]
        best = np.zeros(int(differ.sum()), dtype=np.float32)
        for scorer, scale in scorers:
            got = cpdist(left, right, scorer=scorer, workers=-1, dtype=np.float32)
            best = np.maximum(best, got / scale)
        sims[differ] = best
    out[valid] = sims[inverse.ravel()]
    return out


def _unique_pairs(ids_a: np.ndarray, ids_b: np.ndarray, m: int):  # type: ignore[no-untyped-def]
    x, y = ids_a.astype(np.int64), ids_b.astype(np.int64)
    codes = np.minimum(x, y) * m + np.maximum(x, y)
    uniq, inverse = np.unique(codes, return_inverse=True)
    return uniq // m, uniq % m, inverse.ravel()


def _name_similarity(t: Table, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Name similarity in [0, 1]; nan when it cannot be judged.

    Sorted tokens are compared token by token (Jaro-Winkler; the weakest token counts), so
    "Christy Winters" / "Christy Keith" is not a near match. Two names written in Chinese
    characters that differ in pinyin are different names (homophone typos give the same
    pinyin). Characters against Latin letters that do not match by pinyin may be another
    romanisation (Japanese, Cantonese): nan, neither for nor against.
    """
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist

    ids_a, ids_b = t.name_id[a], t.name_id[b]
    out = np.zeros(len(a), dtype=np.float32)
    valid = (ids_a >= 0) & (ids_b >= 0)
    if not valid.any():
        return out
    ua, ub, inverse = _unique_pairs(ids_a[valid], ids_b[valid], max(len(t.name_strings), 1))
    sims = np.ones(len(ua), dtype=np.float32)
    differ = np.flatnonzero(ua != ub)
    if len(differ):
        x, y = ua[differ], ub[differ]
        keys = t.name_array
        jw = JaroWinkler.normalized_similarity
        full = cpdist(keys[x], keys[y], scorer=jw, workers=-1, dtype=np.float32)
        first = cpdist(t.name_first[x], t.name_first[y], scorer=jw, workers=-1, dtype=np.float32)
        last = cpdist(t.name_last[x], t.name_last[y], scorer=jw, workers=-1, dtype=np.float32)
        same_count = t.name_ntok[x] == t.name_ntok[y]
        sim = np.where(same_count & (t.name_ntok[x] >= 2), np.minimum(first, last), full)
        cjk_x, cjk_y = t.name_cjk[x], t.name_cjk[y]
        sim = np.where(cjk_x & cjk_y, np.minimum(sim, 0.7), sim)
        mixed = np.flatnonzero((cjk_x != cjk_y) & (keys[x] != keys[y]))
        for i in mixed.tolist():
            c, latin = (x[i], y[i]) if cjk_x[i] else (y[i], x[i])
            # Pinyin-compatible Latin (shares the family name): judge it like characters.
            family_seen = t.name_family[c] in keys[latin].split()
            sim[i] = min(sim[i], 0.7) if family_seen else np.nan
        sims[differ] = sim
    out[valid] = sims[inverse]
    return out


def _address_similarity(t: Table, a: np.ndarray, b: np.ndarray, scorers: tuple) -> np.ndarray:
    """Address similarity; capped at 0.5 when both have house numbers and they differ."""
    sim = _similarity(t.addr_id[a], t.addr_id[b], t.addr_strings, scorers)
    da, db = t.addr_digits[a], t.addr_digits[b]
    differ = (da >= 0) & (db >= 0) & (da != db)
    return np.where(differ, np.minimum(sim, 0.5), sim)


def features(
    t: Table,
    a: np.ndarray,
    b: np.ndarray,
    shared_phone: np.ndarray,
    shared_email: np.ndarray,
    shared_local: np.ndarray,
) -> Features:
    from rapidfuzz import fuzz

    tsr = (fuzz.token_set_ratio, 100.0)
    ratio = (fuzz.ratio, 100.0)
    name = _name_similarity(t, a, b)
    ba, bb = t.bday_id[a], t.bday_id[b]
    bday = np.where((ba < 0) | (bb < 0), 0, np.where(ba == bb, 1, -1)).astype(np.int8)
    ca, cb = t.city_id[a], t.city_id[b]
    city = np.where((ca < 0) | (cb < 0), 0, np.where(ca == cb, 1, -1)).astype(np.int8)
    return Features(
        name=name,
        phone_same=shared_phone,
        phone_both=t.has_phone[a] & t.has_phone[b],
        email_same=shared_email,
        local_same=shared_local,
        email_both=t.has_email[a] & t.has_email[b],
        bday=bday,
        address=_address_similarity(t, a, b, (ratio, tsr)),
        company=_similarity(t.comp_id[a], t.comp_id[b], t.comp_strings, (ratio, tsr)),
        city=city,
    )


def log_odds(f: Features) -> np.ndarray:
    w = np.full(len(f.name), PRIOR, dtype=np.float32)
    n = f.name
    w += np.select(
        [np.isnan(n), n >= 0.995, n >= 0.93, n >= 0.85, n >= NAME_FLOOR],
        [0.0, NAME_EXACT, NAME_CLOSE, NAME_NEAR, NAME_WEAK],
        NAME_DIFFERENT,
    )
    w += np.where(f.phone_same, PHONE_SAME, np.where(f.phone_both, PHONE_DIFFERENT, 0.0))
    w += np.where(
        f.email_same,
        EMAIL_SAME,
        np.where(f.local_same, EMAIL_LOCAL_SAME, np.where(f.email_both, EMAIL_DIFFERENT, 0.0)),
    )
    w += np.select([f.bday == 1, f.bday == -1], [BIRTHDAY_SAME, BIRTHDAY_DIFFERENT], 0.0)
    addr = f.address
    w += np.select(
        [addr >= 0.9, addr >= 0.75, addr < 0.5],
        [ADDRESS_SAME, ADDRESS_CLOSE, ADDRESS_DIFFERENT],
        0.0,
    )
    comp = f.company
    w += np.select([comp >= 0.9, comp < 0.5], [COMPANY_SAME, COMPANY_DIFFERENT], 0.0)
    w += np.select([f.city == 1, f.city == -1], [CITY_SAME, CITY_DIFFERENT], 0.0)
    return w


def scores(f: Features) -> np.ndarray:
    """Match probability-like score in [0, 1]."""
    return (1.0 / (1.0 + np.exp(-log_odds(f)))).astype(np.float32)


def conflicts(f: Features) -> np.ndarray:
    """Strong negative evidence: the pair must never end up in one group."""
    return (f.bday == -1) | (np.nan_to_num(f.name, nan=1.0) < NAME_FLOOR)


def score_pairs(t: Table, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scores, conflicts) of arbitrary pairs (shared keys computed pair by pair)."""
    from custinfo.dedupe.blocking import shared_flags

    f = features(t, a, b, *shared_flags(t, a, b))
    return scores(f), conflicts(f)


def reasons(t: Table, x: int, y: int) -> list[str]:
    """Why positions x and y look like the same person, in words."""
    out: list[str] = []
    phones = sorted(set(t.phones.get(x)) & set(t.phones.get(y)))
    for phone in phones:
        out.append(f"same phone {phone}")
    ex, ey = t.emails.get(x), t.emails.get(y)
    kx, ky = t.email_keys.get(x), t.email_keys.get(y)
    for addr_x, key_x in zip(ex, kx, strict=True):
        for addr_y, key_y in zip(ey, ky, strict=True):
            if key_x == key_y:
                if addr_x == addr_y:
                    out.append(f"same email {addr_x}")
                else:
                    out.append(f"emails differ only in case: {addr_x} / {addr_y}")
            elif nz.email_local(key_x) == nz.email_local(key_y):
                out.append(f"same email name {nz.email_local(key_x)}@ ({addr_x} / {addr_y})")
    na, nb = t.names[x], t.names[y]
    if na == nb:
        out.append(f"same name {na}")
    elif t.name_strings[t.name_id[x]] == t.name_strings[t.name_id[y]]:
        how = (
            "by pinyin" if nz.has_cjk(na) != nz.has_cjk(nb) else "ignoring case, spacing and order"
        )
        out.append(f"names {na} / {nb} match {how}")
    else:
        from rapidfuzz.distance import JaroWinkler

        sim = JaroWinkler.normalized_similarity(
            t.name_strings[t.name_id[x]], t.name_strings[t.name_id[y]]
        )
        out.append(f"names {na} / {nb} similar ({sim:.2f})")
    if t.birthdays[x] and t.birthdays[x] == t.birthdays[y]:
        out.append(f"same birthday {t.birthdays[x]}")
    if t.addr_id[x] >= 0 and t.addr_id[y] >= 0:
        sim = _pair(t.addr_strings[t.addr_id[x]], t.addr_strings[t.addr_id[y]])
        if sim >= 0.75:
            out.append("same address" if sim >= 0.995 else f"address similarity {sim:.2f}")
    if t.comp_id[x] >= 0 and t.comp_id[y] >= 0:
        sim = _pair(t.comp_strings[t.comp_id[x]], t.comp_strings[t.comp_id[y]])
        if sim >= 0.9:
            out.append("same company" if sim >= 0.995 else f"company similarity {sim:.2f}")
    return out


def _pair(left: str, right: str) -> float:
    from rapidfuzz import fuzz

    return max(fuzz.ratio(left, right), fuzz.token_set_ratio(left, right)) / 100.0
