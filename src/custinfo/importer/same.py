"""Customers without a phone or an email who are already present (idempotent re-import).

Rows with a phone or an email are matched through those (`engine._prefetch`). A row with
neither is the same customer as one already stored (or one earlier in the same import)
when the normalised names are equal and, of company, address, city, birthday and WeChat
ids, every value present on both sides is equal (case-folded, spaces collapsed).

Candidates come from the dedupe keys every customer already has (`dedupe_keys`, the
order-free name key "n|…" of `custinfo.dedupe.normalize.blocking_keys`), looked up for a
whole chunk in a few indexed queries, so the check needs no index of its own. A name's
candidates stay loaded for later chunks (the `CACHED_NAMES` names used last), kept
current with the rows this import writes: common names (张伟, Wei Zhang) come back
throughout a large file, and in a large database each load of one reads thousands of
stored customers. A merge of a contact-less row into a stored customer may change its
values: the next chunk loads every name again. The write gate holds the keys of customers
this import wrote back until it has a batch to write in key order (`store.bulk.
KeyOrdered`): those customers' candidates come from `recent` until the keys are written.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from custinfo.text import fold

_IDS = "(SELECT value FROM json_each(?))"
Values = tuple[str, str, str, str, str, frozenset[str]]  # name, company, address, city, bday, wx


@lru_cache(maxsize=1 << 12)  # each contact-less row asks up to four times
def name_hash(name: str) -> int | None:
    """The stored dedupe key of a name's order-free form, or None if it has none."""
    from custinfo.dedupe.normalize import name_key, stable_hash

    key = name_key(name)
    return stable_hash("n|" + key) if key else None


def values_of(name: str, company: Any, address: Any, city: Any, birthday: Any,
              wechat: Any) -> Values:  # fmt: skip
    return (fold(name), fold(company or ""), fold(address or ""), fold(city or ""),
            birthday or "", frozenset(fold(w) for w in wechat))  # fmt: skip


def row_values(row: Any) -> Values:
    wechat = [h for kind, h in getattr(row, "handles", ()) if kind == "wechat"]
    return values_of(row.name, row.company, row.address, row.city, row.birthday, wechat)


def same(a: Values, b: Values) -> bool:
    """Equal names, and every value present on both sides equal."""
    if a[0] != b[0]:
        return False
    return all(not (x and y and x != y) for x, y in zip(a[1:], b[1:], strict=True))


#: Names whose candidates stay loaded between chunks (the least recently used go first).
#: At 1M rows they took ~21 MiB (common names' lists) and saved ~75 s of 480.
CACHED_NAMES = 8192


class Present:
    """Contact-less customers already present, loaded a chunk's names at a time."""

    def __init__(self) -> None:
        #: name hash -> the customers with that name (id, or None until written), in the
        #: order of use: every name of the current chunk is loaded.
        self.known: OrderedDict[int, list[tuple[int | None, Values]]] = OrderedDict()
        self.stale = False  # a stored customer's values may have changed (a merge)
        #: Contact-less customers written by this import whose keys the write gate held
        #: back: {batches written when they were held: {name hash: ids}}. Keys held while
        #: N batches had been written go out with batch N + 1.
        self.recent: dict[int, dict[int, list[int]]] = {}

    def prefetch(self, conn: Any, rows: list[Any], batches: int = -1) -> None:
        """Load the stored candidates of this chunk's rows without phones and emails;
        `batches`: the write gate's count of key batches written so far (`KeyOrdered.
        batches`), -1 while it holds none."""
        known = self.known
        if self.stale:
            known.clear()
            self.stale = False
        for since in [n for n in self.recent if batches < 0 or n < batches]:
            del self.recent[since]  # written since: dedupe_keys has them
        hashes = {h for r in rows if not r.keys and (h := name_hash(r.name)) is not None}
        for key in hashes & known.keys():
            known.move_to_end(key)
        missing = hashes - known.keys()
        for key in sorted(missing):
            known[key] = []
        while len(known) > max(CACHED_NAMES, len(hashes)):
            known.popitem(last=False)  # never this chunk's names: they were used last
        if missing:
            self._load(conn, missing)

    def _load(self, conn: Any, hashes: set[int]) -> None:
        """The stored (and held) contact-less customers of these names."""
        wanted = json.dumps(sorted(hashes))
        by_id: dict[int, int] = {}
        for key, cid in conn.execute(
            f"SELECT key, customer_id FROM dedupe_keys WHERE key IN {_IDS}", (wanted,)
        ):
            by_id[cid] = key
        for held in self.recent.values():
            for key in hashes & held.keys():
                for cid in held[key]:
                    by_id[cid] = key
        if not by_id:
            return
        ids = json.dumps(sorted(by_id))
        # Only customers without phones and emails: the others are matched through those.
        rows_found = conn.execute(
            "SELECT c.id, c.name, c.company, c.address, c.city, c.birthday FROM customers c "
            f"WHERE c.id IN {_IDS} "
            "AND NOT EXISTS (SELECT 1 FROM phones p WHERE p.customer_id = c.id) "
            "AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.customer_id = c.id)",
            (ids,),
        ).fetchall()
        wechat: dict[int, list[str]] = {}
        for cid, handle in conn.execute(
            f"SELECT customer_id, handle FROM im_handles WHERE kind = 'wechat' "
            f"AND customer_id IN {_IDS}",
            (ids,),
        ):
            wechat.setdefault(cid, []).append(handle)
        for cid, *values in rows_found:
            self.known[by_id[cid]].append((cid, values_of(*values, wechat.get(cid, ()))))

    def changed(self) -> None:
        """A stored customer was merged into: names are loaded again from the next chunk."""
        self.stale = True

    def match(self, row: Any) -> tuple[bool, int | None]:
        """(found, customer id): the lowest stored id, or (True, None) for a row of this
        chunk not written yet."""
        key = name_hash(row.name)
        if key is None:
            return False, None
        values = row_values(row)
        ids = [cid for cid, v in self.known.get(key, ()) if same(values, v)]
        if not ids:
            return False, None
        stored = [i for i in ids if i is not None]
        return True, (min(stored) if stored else None)

    def add(self, row: Any, customer_id: int | None) -> None:
        """A row of this chunk that later rows may repeat (its id once written)."""
        key = name_hash(row.name)
        if key is not None:
            self.known.setdefault(key, []).append((customer_id, row_values(row)))

    def written(self, rows: list[Any], ids: Any, batches: int = -1) -> None:
        """Pending rows got their ids."""
        for row, cid in zip(rows, ids, strict=True):
            if row.keys:
                continue
            key = name_hash(row.name)
            if key is not None and batches >= 0:  # its keys are held
                self.recent.setdefault(batches, {}).setdefault(key, []).append(cid)
            entries = self.known.get(key, []) if key is not None else []
            values = row_values(row)
            for index, (old, v) in enumerate(entries):
                if old is None and v == values:
                    entries[index] = (cid, v)
                    break
