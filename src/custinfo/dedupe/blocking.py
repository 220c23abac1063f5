"""Candidate pairs: customers that share at least one blocking key.

Keys: normalised phone, case-folded email, email local part (computed from the table), plus
the stored name keys of `dedupe_keys` (order-free pinyin/Latin name, metaphone codes,
birthday + name token). Blocks larger than a cap are skipped: a key shared by hundreds of
people (a company switchboard, "Zhang Wei") says nothing, and other keys still meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe import normalize as nz
from custinfo.dedupe.table import Table, factorize

#: From this many customers the stored keys' blocks are built on a second thread.
THREADS_MIN = 20_000
#: Largest block whose pairs are all compared (phone, email, email local part).
BLOCK_CAP = 60
#: Caps of the stored keys by kind (low 3 bits of the hash, see normalize.KEY_KINDS):
#: a name shared by more than 15 people, or a birthday+token by more than 30, says little.
KIND_CAPS = {1: 15, 2: 10, 3: 30, 4: 60, 5: 10, 6: 20, 7: 5}
#: Bits of `Candidates.via` per kind of key (a pair may be found through several).
VIA_PHONE, VIA_EMAIL, VIA_NAME, VIA_BIRTHDAY, VIA_ADDRESS, VIA_BIRTHDAY_ADDRESS = (
    1, 2, 4, 8, 16, 32,
)  # fmt: skip
_KIND_VIA = {1: VIA_NAME, 2: VIA_NAME, 3: VIA_BIRTHDAY, 4: VIA_EMAIL, 5: VIA_ADDRESS,
             6: VIA_BIRTHDAY_ADDRESS, 7: VIA_ADDRESS}  # fmt: skip


@dataclass
class Candidates:
    """Unique candidate pairs (a < b, positions) and which exact keys they share."""

    a: np.ndarray
    b: np.ndarray
    shared_phone: np.ndarray
    shared_email: np.ndarray
    shared_local: np.ndarray
    via: np.ndarray  # int8 bits: the kinds of key each pair shares (VIA_*)

    def __len__(self) -> int:
        return len(self.a)


def sorted_order(values: np.ndarray) -> np.ndarray:
    """np.argsort(values, kind="stable"), without sorting values already in order."""
    if len(values) < 2 or bool((values[1:] >= values[:-1]).all()):
        return np.arange(len(values))
    return np.argsort(values, kind="stable")


def unique_ints(values: np.ndarray) -> np.ndarray:
    """np.unique for integers (sort-based: faster than numpy's hash table here)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def block_pairs(keys: np.ndarray, pos: np.ndarray, n: int, cap: int = BLOCK_CAP) -> np.ndarray:
    """Sorted unique pair codes (lo * n + hi) of positions sharing a key."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64)
    order = sorted_order(keys)  # equal keys together (the pairs do not depend on the order)
    k, p = keys[order], pos[order].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    out = []
    for size in unique_ints(sizes).tolist():  # (plain np.unique imports numpy.ma: 0.1 s)
        if size < 2 or size > cap:
            continue
        first = starts[sizes == size]
        members = p[first[:, None] + np.arange(size)]
        i, j = np.triu_indices(size, 1)
        x, y = members[:, i].ravel(), members[:, j].ravel()
        lo, hi = np.minimum(x, y), np.maximum(x, y)
        keep = lo != hi
        out.append(lo[keep] * n + hi[keep])
    if not out:
        return np.empty(0, dtype=np.int64)
    return unique_ints(np.concatenate(out))


def _multi_keys(values: Any, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids, _ = values.factorized() if hasattr(values, "factorized") else factorize(values)
    ok = ids >= 0
    return ids[ok].astype(np.int64), pos[ok]


#: The stored keys are read in this many ranges of the key space (bounded memory: at 1M
#: customers each range's two strings hold ~750,000 numbers, ~15 MB).
KEY_RANGES = 8


def stored_keys(conn: Any, table: Table) -> tuple[np.ndarray, np.ndarray]:
    """(key, position) from the persisted `dedupe_keys` of the table's customers.

    SQLite hands each range of keys over as two strings of numbers (no Python object per
    row), read in key order; blocks are found with numpy. When every customer is in the
    table only keys shared by 2..MAX_CAP customers are kept (most are one customer's)."""
    cap = max(BLOCK_CAP, *KIND_CAPS.values())
    stored = table.stored  # read with the matching forms (custinfo.dedupe.forms)
    if stored is not None:
        keys, pos = stored.keys, stored.key_pos
        if table.complete and len(keys):
            keys, pos = _shared(keys, pos, cap, ordered=False)
        return keys, pos
    bounds = [int(b) for b in np.linspace(-(2**63), 2**63, KEY_RANGES + 1)]
    keys_out, pos_out = [], []
    ids = table.ids
    for i in range(KEY_RANGES):
        last = i == KEY_RANGES - 1
        where = "key >= ?" + ("" if last else " AND key < ?")
        row = conn.execute(
            f"SELECT group_concat(key), group_concat(customer_id) FROM dedupe_keys WHERE {where}",
            (bounds[i],) if last else (bounds[i], bounds[i + 1]),
        ).fetchone()
        if not row[0]:
            continue
        keys = np.fromstring(row[0], dtype=np.int64, sep=",")
        cids = np.fromstring(row[1], dtype=np.int64, sep=",")
        if table.complete:
            ordered = len(keys) < 2 or not (keys[1:] < keys[:-1]).any()
            keys, cids = _shared(keys, cids, cap, ordered=ordered)
        pos = np.searchsorted(ids, cids)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, max(len(ids) - 1, 0))] == cids)
        keys_out.append(keys[ok])
        pos_out.append(pos[ok])
    if not keys_out:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(keys_out), np.concatenate(pos_out)


def computed_keys(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """(key, position) computed in memory (same keys as stored; for small tables)."""
    keys, pos = [], []
    for p in range(len(table)):
        for key in nz.blocking_keys(
            table.names[p],
            table.birthdays[p],
            table.email_keys.get(p),
            table.addresses[p],
            table.cities[p],
        ):
            keys.append(nz.stable_hash(key))
            pos.append(p)
    return np.array(keys, dtype=np.int64), np.array(pos, dtype=np.int64)


def candidates(table: Table, conn: Any | None = None, cap: int = BLOCK_CAP) -> Candidates:
    """Every pair sharing a key, each pair once."""
    n = len(table)

    def by_stored_keys() -> dict[int, np.ndarray]:
        stored = stored_keys(conn, table) if conn is not None else computed_keys(table)
        kinds = stored[0] & 7
        return {
            kind: block_pairs(stored[0][kinds == kind], stored[1][kinds == kind], n, min(cap, c))
            for kind, c in KIND_CAPS.items()
        }

    pool = future = None
    if n >= THREADS_MIN:  # the stored keys' blocks (numpy sorts: no GIL) on another thread
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1)
        future = pool.submit(by_stored_keys)
    try:
        phone = block_pairs(*_multi_keys(table.phones, table.phones.pos), n, cap)
        email = block_pairs(*_multi_keys(table.email_keys, table.email_keys.pos), n, cap)
        locals_ = [nz.email_local(k) for k in table.email_keys.values]
        local = block_pairs(*_multi_keys(locals_, table.email_keys.pos), n, cap)
        per_kind = future.result() if future is not None else by_stored_keys()
    finally:
        if pool is not None:
            pool.shutdown()
    codes = unique_ints(np.concatenate([phone, email, local, *per_kind.values()]))
    shared_phone, shared_email = _member(codes, phone), _member(codes, email)
    shared_local = _member(codes, local)
    via = np.where(shared_phone, VIA_PHONE, 0) | np.where(shared_email | shared_local, VIA_EMAIL, 0)
    for kind, part in per_kind.items():
        via |= np.where(_member(codes, part), _KIND_VIA[kind], 0)
    return Candidates(
        a=codes // n if n else codes,
        b=codes % n if n else codes,
        shared_phone=shared_phone,
        shared_email=shared_email,
        shared_local=shared_local,
        via=via.astype(np.int8),
    )


def with_pairs(table: Table, cand: Candidates, codes: np.ndarray) -> Candidates:
    """`cand` plus the pairs `codes` (lo * n + hi, sorted) found another way (custom fields
    of `dedupe --also-compare`; `via` 0)."""
    n = len(table)
    old = cand.a.astype(np.int64) * n + cand.b.astype(np.int64)
    new = np.setdiff1d(codes, old, assume_unique=True)
    if not len(new) or not n:
        return cand
    a, b = new // n, new % n
    flags = shared_flags(table, a, b)
    merged = np.concatenate([old, new])
    order = np.argsort(merged, kind="stable")
    extra = (
        np.concatenate([x, y])
        for x, y in zip(
            (cand.shared_phone, cand.shared_email, cand.shared_local), flags, strict=True
        )
    )
    sp, se, sl = (v[order] for v in extra)
    via = np.concatenate([cand.via, np.zeros(len(new), dtype=np.int8)])[order]
    return Candidates(merged[order] // n, merged[order] % n, sp, se, sl, via)


def _member(codes: np.ndarray, part: np.ndarray) -> np.ndarray:
    """codes[i] in part (both sorted and unique)."""
    if len(part) == 0:
        return np.zeros(len(codes), dtype=bool)
    at = np.minimum(np.searchsorted(part, codes), len(part) - 1)
    return part[at] == codes


def shared_flags(table: Table, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """Shared phone / email / email local part, computed pair by pair (small inputs)."""
    sp, se, sl = (np.zeros(len(a), dtype=bool) for _ in range(3))
    for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        sp[i] = bool(set(table.phones.get(x)) & set(table.phones.get(y)))
        kx, ky = set(table.email_keys.get(x)), set(table.email_keys.get(y))
        se[i] = bool(kx & ky)
        sl[i] = bool({nz.email_local(k) for k in kx} & {nz.email_local(k) for k in ky})
    return sp, se, sl


def _shared(keys: Any, other: Any, cap: int, *, ordered: bool) -> tuple[Any, Any]:
    """The entries of keys shared by 2..`cap` customers (with `other`'s matching entries),
    in key order (sorted first unless `ordered`)."""
    if not ordered:
        order = np.argsort(keys, kind="stable")
        keys, other = keys[order], other[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    shared = np.repeat((sizes >= 2) & (sizes <= cap), sizes)
    return keys[shared], other[shared]
