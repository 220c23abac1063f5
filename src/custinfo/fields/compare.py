"""`dedupe --also-compare field:KEY`: custom fields as evidence, only when asked.

Two customers *agree* on the compared fields when every compared field that both have a
value of holds the same value, and *conflict* when one such field differs; with no field
valued on both sides there is no evidence either way.

The hook for the dedupe scorer (`custinfo.dedupe`): build `FieldComparison(store, keys)`
once, call `load(ids)` with the candidates' ids, then `agree(a, b)` per pair (True, False
or None) and `reasons(a, b)` for the explanation. Until the scorer calls it, `refine`
applies it to finished groups: members that conflict are split apart (a part of one
member is dropped), and a group whose members all share a value gains the reason
"same KEY".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from custinfo.errors import UsageError

if TYPE_CHECKING:
    from custinfo.dedupe import DuplicateGroup
    from custinfo.store import Store

PREFIX = "field:"


def parse_keys(items: Iterable[str]) -> list[str]:
    """`field:KEY` items of `--also-compare` as keys (other values are exit 2)."""
    keys: list[str] = []
    for item in items:
        text = item.strip()
        if not text.lower().startswith(PREFIX) or len(text) == len(PREFIX):
            raise UsageError(f"--also-compare {item!r}: expected field:KEY (a custom field)")
        keys.append(text[len(PREFIX) :].strip().lower())
    return list(dict.fromkeys(keys))


class FieldComparison:
    """The compared fields' values of the loaded customers."""

    def __init__(self, store: Store, keys: Sequence[str]) -> None:
        from custinfo.fields import catalog

        cat = catalog(store)
        self.store = store
        self.fields = [cat.get(k, what="--also-compare") for k in keys]
        self.values: dict[int, dict[int, Any]] = {}

    def load(self, ids: Iterable[int]) -> None:
        from custinfo.store.fields import values_of

        wanted = sorted(set(ids) - self.values.keys())
        for start in range(0, len(wanted), 5000):
            chunk = wanted[start : start + 5000]
            found = values_of(self.store.conn, chunk)
            for cid in chunk:
                self.values[cid] = found.get(cid, {})

    def agree(self, a: int, b: int) -> bool | None:
        """True: equal on every field both have; False: one differs; None: no evidence."""
        va, vb = self.values.get(a, {}), self.values.get(b, {})
        seen = False
        for f in self.fields:
            if f.id in va and f.id in vb:
                if va[f.id] != vb[f.id]:
                    return False
                seen = True
        return True if seen else None

    def reasons(self, a: int, b: int) -> list[str]:
        va, vb = self.values.get(a, {}), self.values.get(b, {})
        out = []
        for f in self.fields:
            if f.id in va and f.id in vb:
                out.append(f"same {f.key}" if va[f.id] == vb[f.id] else f"different {f.key}")
        return out


def refine(store: Store, groups: Sequence[DuplicateGroup], keys: Sequence[str]) -> list[Any]:
    """Groups with conflicting members split apart, and "same KEY" reasons added."""
    compare = FieldComparison(store, keys)
    compare.load(i for g in groups for i in g.ids)
    out = []
    for group in groups:
        parts: list[list[int]] = []
        ranked = sorted(group.ids, key=lambda i: -len(compare.values.get(i, {})))
        for cid in ranked:
            home = next((p for p in parts if all(compare.agree(cid, o) is not False for o in p)),
                        None)  # fmt: skip
            if home is None:
                parts.append([cid])
            else:
                home.append(cid)
        for part in parts:
            if len(part) < 2:
                continue
            ids = sorted(part)
            reasons = [r for r in group.reasons if _within(r, ids, len(group.ids))]
            if all(compare.agree(ids[0], o) for o in ids[1:]):
                common = [r for r in compare.reasons(ids[0], ids[1]) if r.startswith("same ")]
                reasons += [r for r in common if all(r in compare.reasons(ids[0], o) for o in ids)
                            and r not in reasons]  # fmt: skip
            out.append(replace(group, ids=ids, reasons=reasons))
    return out


def _within(reason: str, ids: list[int], size: int) -> bool:
    """A group reason that still holds for the part `ids`: "a~b: ..." of two members of it
    (groups of 3+), or any reason of an unsplit pair."""
    head, sep, _ = reason.partition(": ")
    pair = head.split("~") if sep else []
    if len(pair) == 2 and all(p.isdigit() for p in pair):
        return int(pair[0]) in ids and int(pair[1]) in ids
    return size == len(ids)
