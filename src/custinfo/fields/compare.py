"""`dedupe --also-compare field:KEY`: custom fields as evidence in the dedupe score, only
when asked.

Each compared field adds one Fellegi–Sunter term to a pair's log-odds (`custinfo.dedupe`):
- **same value** v: ln(m / p_v), where p_v is the share of the customers with a value that
  hold v (the value's frequency in the whole database, as term frequencies do for names);
  at least 0, at most the model's weight of a shared phone;
- **different values**: ln((1 − m) / (1 − Σ p_v²)), at most 0;
- either side without a value: nothing.
m, the chance that one person's two records hold the same value, is `M_ID` (0.95) for
text, number, money and date fields and `M_CHOICE` (0.85) for choice, multichoice and bool
fields (a tier changes). Below `SMOOTH` customers with a value, a text or number value is
taken to be at least as rare as one in `SMOOTH` (small databases say nothing about how
rare a member number is).

A text or number value held by at most `IDENTIFYING` customers *identifies*: customers
sharing it become candidate pairs (blocking), and the agreement counts as evidence beyond
the name (the veto "a name alone never joins two records" does not apply). Text values
compare case-folded, with spaces ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from custinfo.errors import UsageError

PREFIX = "field:"
M_ID = 0.95
M_CHOICE = 0.85
SMOOTH = 1000
IDENTIFYING = 5
_IDENT_TYPES = ("text", "number")


def parse_keys(items: Iterable[str]) -> list[str]:
    """`field:KEY` items of `--also-compare` as keys (other values are exit 2)."""
    keys: list[str] = []
    for item in items:
        text = item.strip()
        if not text.lower().startswith(PREFIX) or len(text) == len(PREFIX):
            raise UsageError(f"--also-compare {item!r}: expected field:KEY (a custom field)")
        keys.append(text[len(PREFIX) :].strip().lower())
    return list(dict.fromkeys(keys))


class _Compared:
    """One compared field over a table: value id per position (-1: none) and weights."""

    def __init__(self, field: Any, text: Any, values: list[Any], holders: dict[Any, int]) -> None:
        self.field, self.text = field, text
        m = M_ID if field.type in (*_IDENT_TYPES, "money", "date") else M_CHOICE
        keys = list(holders)
        index = {k: i for i, k in enumerate(keys)}
        self.value_id = np.full(len(values), -1, dtype=np.int64)
        self.values = values  # stored value per position (None: none)
        for p, v in enumerate(values):
            if v is not None:
                self.value_id[p] = index[_norm(field, v)]
        total = max(sum(holders.values()), 1)
        counts = np.array([holders[k] for k in keys], dtype=np.float64)
        floor = SMOOTH if field.type in _IDENT_TYPES else total
        p_v = counts / max(total, floor)
        self.same = np.log(m / np.maximum(p_v, 1e-12)).clip(min=0.0)
        u_agree = float(((counts / total) ** 2).sum()) if len(counts) else 0.0
        self.different = min(math.log((1 - m) / max(1 - u_agree, 1e-12)), 0.0)
        self.identifying = (
            counts <= IDENTIFYING if field.type in _IDENT_TYPES else np.zeros(len(keys), bool)
        )

    def levels(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(level 0 missing / 1 same / 2 different, value id of a) per pair."""
        x, y = self.value_id[a], self.value_id[b]
        level = np.where((x < 0) | (y < 0), 0, np.where(x == y, 1, 2)).astype(np.int8)
        return level, x

    def weights(self, a: np.ndarray, b: np.ndarray, cap: float) -> np.ndarray:
        level, x = self.levels(a, b)
        same = np.minimum(self.same[np.maximum(x, 0)], cap) if len(self.same) else 0.0
        return np.select([level == 1, level == 2], [same, self.different], 0.0).astype(np.float32)


def _norm(field: Any, value: Any) -> Any:
    if field.type == "text" and isinstance(value, str):
        from custinfo.text import fold

        return "".join(fold(value).split())
    return value


class Evidence:
    """The compared fields' values of one dedupe table, and their weights."""

    def __init__(self, store: Any, keys: Sequence[str], ids: np.ndarray) -> None:
        from custinfo.fields import catalog
        from custinfo.store.fields import field_column

        cat = catalog(store)
        fields = [cat.get(k, what="--also-compare") for k in keys]
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        self.fields: list[_Compared] = []
        for f in fields:
            rows = list(field_column(store.conn, f))
            holders: dict[Any, int] = {}
            for _, value in rows:
                key = _norm(f, value)
                holders[key] = holders.get(key, 0) + 1
            values: list[Any] = [None] * len(ids)
            if rows and len(ids):
                cids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                at = np.minimum(np.searchsorted(sorted_ids, cids), len(ids) - 1)
                for i in np.flatnonzero(sorted_ids[at] == cids).tolist():
                    values[int(order[at[i]])] = rows[i][1]
            self.fields.append(_Compared(f, cat.to_text, values, holders))
        self.cap = 8.0

    def set_cap(self, weights: dict[str, np.ndarray]) -> None:
        """Same value counts at most as a shared phone does in this model."""
        self.cap = float(max(weights["phone"][1], 0.0))

    def pairs(self) -> np.ndarray:
        """Pair codes (lo * n + hi, sorted, unique) of positions sharing an identifying value."""
        from custinfo.dedupe.blocking import block_pairs, unique_ints

        n = len(self.fields[0].value_id) if self.fields else 0
        parts = []
        for c in self.fields:
            pos = np.flatnonzero(c.value_id >= 0)
            keys = c.value_id[pos]
            keep = c.identifying[keys]
            parts.append(block_pairs(keys[keep], pos[keep], n, IDENTIFYING))
        return unique_ints(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def weights(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Sum of the compared fields' weights per pair."""
        out = np.zeros(len(a), dtype=np.float32)
        for c in self.fields:
            out += c.weights(a, b, self.cap)
        return out

    def identifies(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Pairs that share an identifying value (no name-only veto for them)."""
        out = np.zeros(len(a), dtype=bool)
        for c in self.fields:
            if len(c.identifying):
                level, x = c.levels(a, b)
                out |= (level == 1) & c.identifying[np.maximum(x, 0)]
        return out

    def explained(self, x: int, y: int) -> list[tuple[str, str, str, str, float]]:
        """(key, value of x, value of y, level, weight) of every compared field."""
        a, b = np.array([x]), np.array([y])
        out = []
        for c in self.fields:
            level = int(c.levels(a, b)[0][0])
            shown = [
                c.text(c.field, v) if v is not None else "" for v in (c.values[x], c.values[y])
            ]
            w = float(c.weights(a, b, self.cap)[0])
            out.append((c.field.key, shown[0], shown[1], ("missing", "same", "different")[level],
                        w))  # fmt: skip
        return out

    def reasons(self, x: int, y: int) -> list[tuple[float, str]]:
        """(weight, words) per compared field both customers have."""
        out = []
        for key, vx, vy, level, w in self.explained(x, y):
            if level == "same":
                out.append((w, f"same {key} {vx}"))
            elif level == "different":
                out.append((w, f"{key} differs: {vx} / {vy}"))
        return out
