"""Matching forms of customers: computed (small tables) or read as stored (`dedupe_forms`).

The forms a comparison needs (a name's order-free key, its tokens, script, family and
surname; an address's folded key and house number; a company's and a city's key; the
birthday as a number) cost pinyin, regexes and Unicode folding, ~15 µs a customer. They are
derived data, like the blocking keys: the write gate stores them with the keys
(`custinfo.dedupe.keys`), so a dedupe run reads them instead of recomputing 100,000 of
them. Each form that is compared for equality also has a 63-bit hash (`keys.form_hash`, 0 for
none): the run numbers values with numpy from the hashes, without a dictionary of 100,000
strings (two different forms sharing a hash, ~1 in 10^7 at a million distinct values,
would compare as equal). `apply` gives a Table exactly the attributes `name_forms` and
`place_forms` compute (same ids in the same order, so the same groups and scores). A change
to a form function of `custinfo.dedupe.normalize` needs a migration that calls
`keys.rebuild`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe import keys
from custinfo.dedupe import normalize as nz
from custinfo.dedupe.table import derive, factorize

TEXTS, HASHES = keys.FORM_TEXTS, keys.FORM_HASHES
#: The layout of `dedupe_forms.codes` (see `keys.FORM_HASHES`).
CODES = np.dtype([("cjk", "u1"), ("ntok", "<u2"), ("keys", "<u4"), ("birthday", "<i4"),
                  ("h", "<i8", (len(HASHES),))])  # fmt: skip


def name_forms(names: list[str]) -> dict[str, Any]:
    """Matching forms of names (factorised), by Table attribute."""
    # Names that fold to the same key but differ in script are kept apart (the key is
    # prefixed), so each name id has one script.
    raw: list[np.ndarray] = []
    name_id, strings = derive(
        names, lambda x: ("\x01" if nz.has_cjk(x) else "") + nz.name_key(x), raw
    )
    name_cjk = np.array([s.startswith("\x01") for s in strings], dtype=bool)
    strings = [s.lstrip("\x01") for s in strings]
    key_of, _ = factorize(strings)
    name_key_id = np.append(key_of, -1).astype(np.int32)[name_id]
    family, surname = {}, {}
    for name, nid in zip(names, name_id.tolist(), strict=True):
        if nid >= 0 and nid not in family:
            typed = nz.name_tokens(name) or ("",)
            family[nid] = typed[0]
            surname[nid] = nz.surname_token(name, typed)
    count = len(strings)
    return _name_attributes(
        name_id, strings, name_cjk, name_key_id, raw[0],
        [family.get(i, "") for i in range(count)], [surname.get(i, "") for i in range(count)],
    )  # fmt: skip


def _name_attributes(
    name_id: np.ndarray, strings: list[str], cjk: np.ndarray, key_id: np.ndarray,
    raw_id: np.ndarray, family: list[str], surname: list[str],
) -> dict[str, Any]:  # fmt: skip
    first, last, ntok = [], [], []  # no list of every name's tokens (~60 MiB at 1M)
    for s in strings:
        tk = s.split() or [""]
        first.append(tk[0])
        last.append(tk[-1])
        ntok.append(len(tk))
    return {
        "name_id": name_id,
        "name_strings": strings,
        "name_cjk": cjk,
        "name_array": np.array(strings, dtype=object),
        "name_first": np.array(first, dtype=object),
        "name_last": np.array(last, dtype=object),
        "name_family": np.array(family, dtype=object),
        "name_surname": np.array(surname, dtype=object),
        "name_ntok": np.array(ntok, dtype=np.int16),
        "name_raw_id": raw_id,
        "name_key_id": key_id,
    }


def place_forms(
    addresses: list[str | None], companies: list[str | None], cities: list[str | None]
) -> dict[str, Any]:
    """Matching forms of addresses, companies and cities (factorised), by Table attribute."""
    memo: dict[tuple[str, str | None], str] = {}  # an address key once per distinct value
    keys = []
    for a, c in zip(addresses, cities, strict=True):
        if not a:
            keys.append("")
            continue
        key = memo.get((a, c))
        if key is None:
            key = memo[(a, c)] = nz.address_key(a, c)
        keys.append(key)
    addr_id, addr_strings = factorize(keys)
    del memo, keys
    addr_house, _ = derive(addresses, nz.house_number)
    comp_id, comp_strings = derive(companies, nz.company_key)
    city_id, city_strings = derive(cities, nz.city_key)
    return {
        "addr_id": addr_id,
        "addr_strings": addr_strings,
        "addr_house": addr_house,
        "comp_id": comp_id,
        "comp_strings": comp_strings,
        "city_id": city_id,
        "city_strings": city_strings,
    }


def renumber(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of integer codes in order of first occurrence (codes <= 0 or -1: none, -1),
    as `factorize` numbers strings; returns (ids, first position of each id)."""
    valid = np.flatnonzero(codes > 0)
    ids = np.full(len(codes), -1, dtype=np.int32)
    if not len(valid):
        return ids, np.empty(0, dtype=np.int64)
    uniq, first, inverse = np.unique(codes[valid], return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int32)
    rank[order] = np.arange(len(uniq), dtype=np.int32)
    ids[valid] = rank[inverse.ravel()]
    return ids, valid[first[order]]


#: The hash that identifies each stored text (equal hashes, equal texts).
TEXT_HASH = {"name": "h_name", "first": "h_name", "last": "h_name", "family": "h_raw",
             "surname": "h_raw", "typed_name": "h_raw", "address": "h_address",
             "company": "h_company", "city": "h_city", "typed_city": "h_typed_city",
             "typed_birthday": "h_birthday"}  # fmt: skip
#: Texts read as None when empty (as the customers' own columns).
NULLABLE = ("typed_city", "typed_birthday")


@dataclass
class Column:
    """One stored form over the table's positions: its hashes and, for a text form, each
    position's index into the distinct texts."""

    hashes: np.ndarray
    index: np.ndarray | None = None
    distinct: np.ndarray | None = None  # object array, ends with the text of none

    def ids(self, keep: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
        """`factorize` of the column, the positions outside `keep` emptied."""
        codes = self.hashes if keep is None else np.where(keep, self.hashes, 0)
        ids, first = renumber(codes)
        if self.distinct is None or self.index is None:
            return ids, []
        return ids, self.distinct[self.index[first]].tolist()


@dataclass
class Stored:
    """The stored forms of a table's customers, read once (`read`): numbers per customer,
    texts once per distinct value in each range read (not one string per customer and
    form: ~400 MiB at 1M customers)."""

    codes: np.ndarray  # (customers,) of CODES
    keys: np.ndarray  # every customer's key hashes, one after the other
    key_pos: np.ndarray  # the position of each key's customer
    index: dict[str, np.ndarray]  # per text: each position's index into `distinct` (-1: none)
    distinct: dict[str, np.ndarray]  # per text: object array, ending with the text of none

    def hashes(self, name: str) -> np.ndarray:
        return self.codes["h"][:, HASHES.index(name)]

    def texts(self, name: str, at: np.ndarray | None = None) -> np.ndarray:
        """The text `name` of every position (or those `at`), as an object array."""
        index = self.index[name] if at is None else self.index[name][at]
        return self.distinct[name][index]

    def column(self, name: str, text: str | None = None) -> Column:
        if text is None:
            return Column(self.hashes(name))
        return Column(self.hashes(name), self.index[text], self.distinct[text])


_SEP = "\x1f"  # as keys.customer_forms
#: Ids per query of the full read: bounds the joined strings and per-customer texts (~25
#: MB and ~100 MB at this size).
READ_IDS = 1 << 17
Part = tuple[list[str], bytes, bytes]  # (texts, codes, keys) of some customers


def fetch_ranges(conn: Any) -> Iterator[tuple[np.ndarray, list[str], bytes, bytes]]:
    """(ids, texts, codes, keys) of every customer's packed forms, a range of ids at a time:
    each range as a few strings joined by SQLite (the packed numbers as bytes), nothing per
    customer in Python, and the customers' own (wide) rows not at all."""
    low = conn.execute("SELECT min(customer_id) FROM dedupe_forms").fetchone()[0]
    high = conn.execute("SELECT max(customer_id) FROM dedupe_forms").fetchone()[0]
    if low is None:
        return
    factory = conn.text_factory
    conn.text_factory = bytes  # the joined blobs, untouched (texts decoded here)
    try:
        for start in range(int(low), int(high) + 1, READ_IDS):
            count, cids, texts, codes, hashes = conn.execute(
                "SELECT count(*), group_concat(customer_id), group_concat(texts, char(31)), "
                "group_concat(codes, ''), group_concat(keys, '') FROM dedupe_forms "
                "WHERE customer_id >= ? AND customer_id < ?",
                (start, start + READ_IDS),
            ).fetchone()
            if count:
                ids = np.fromstring(cids.decode(), dtype=np.int64, sep=",")
                yield ids, texts.decode().split(_SEP), codes, hashes or b""
            del texts, codes, hashes
    finally:
        conn.text_factory = factory


def read_all(conn: Any, then: Callable[[np.ndarray], Any]) -> tuple[np.ndarray, Stored | None, Any]:
    """(ids, stored forms, `then(ids)`) of every customer; the forms (and `then`) None if one
    customer has none (then they are computed from the customers' rows).

    A second thread runs the queries (SQLite works without the GIL), then `then` (the
    phones and emails), while this one unpacks each range as it arrives: the connection is
    used by one thread at a time, and at most a few ranges' texts are held at once."""
    import contextlib
    import queue
    import threading

    ranges: queue.Queue[Any] = queue.Queue(maxsize=2)
    got: dict[str, Any] = {}

    def reader() -> None:
        try:
            got["customers"] = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
            ids = []
            for part in fetch_ranges(conn):
                ids.append(part[0])
                ranges.put(part)
            ranges.put(None)
            got["ids"] = np.concatenate(ids) if ids else np.empty(0, dtype=np.int64)
            complete = len(got["ids"]) == got["customers"] > 0
            got["then"] = then(got["ids"]) if complete else None
        except BaseException as exc:  # raised again in the caller's thread
            got["error"] = exc
            ranges.put(None)

    thread = threading.Thread(target=reader, name="dedupe-read", daemon=True)
    thread.start()
    unpacker = Unpacker()
    try:
        while (part := ranges.get()) is not None:
            unpacker.add(*part[1:])
            del part
    except BaseException:  # let the reader finish with the connection first
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                ranges.get(timeout=0.05)
        raise
    thread.join()
    if "error" in got:
        raise got["error"]
    if got["then"] is None:  # (every row references a customer: equal counts, equal sets)
        return got["ids"], None, None
    return got["ids"], unpacker.result(), got["then"]


def read(conn: Any, ids: np.ndarray, wanted: set[int]) -> Stored | None:
    """The stored forms of the customers `ids` (sorted; read row by row, those in `wanted`),
    or None if one has none."""
    from custinfo.dedupe.table import _columns

    sql = "SELECT customer_id, texts, codes, keys FROM dedupe_forms ORDER BY customer_id"
    cid, texts, codes, hashes = _columns(conn, sql, 4, wanted)
    if cid != ids.tolist():
        return None
    return unpack([(_SEP.join(texts).split(_SEP), b"".join(codes), b"".join(hashes))], len(ids))


def unpack(parts: list[Part], count: int) -> Stored | None:
    """The Stored forms of `count` customers from their packed parts (None: not as this
    module writes them)."""
    unpacker = Unpacker()
    for part in parts:
        unpacker.add(*part)
    stored = unpacker.result()
    return stored if stored is not None and len(stored.codes) == count else None


class Unpacker:
    """Stored forms unpacked one range of customers at a time: the range's texts are kept
    once per distinct value (then dropped), its numbers and key hashes as arrays."""

    def __init__(self) -> None:
        self.index: dict[str, list[np.ndarray]] = {c: [] for c in TEXTS}
        self.distinct: dict[str, list[np.ndarray]] = {c: [] for c in TEXTS}
        self.offset = dict.fromkeys(TEXTS, 0)
        self.codes: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []
        self.ok = True

    def add(self, flat: list[str], codes: bytes, keys: bytes) -> None:
        width = len(TEXTS)
        code = np.frombuffer(codes, dtype=CODES) if len(codes) % CODES.itemsize == 0 else None
        if code is None or len(flat) != width * len(code):
            self.ok = False  # (a separator inside a value: not a row this module wrote)
            return
        table = np.array(flat, dtype=object).reshape(len(code), width)
        del flat
        local: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per hash: ids in this range
        for column, name in enumerate(TEXTS):
            h = TEXT_HASH[name]
            if h not in local:
                local[h] = renumber(code["h"][:, HASHES.index(h)])
            ids, first = local[h]
            self.distinct[name].append(table[first, column])
            self.index[name].append(np.where(ids >= 0, ids + self.offset[name], -1))
            self.offset[name] += len(first)
        self.codes.append(code)
        self.keys.append(np.frombuffer(keys, dtype="<i8") if len(keys) % 8 == 0 else None)

    def result(self) -> Stored | None:
        if not self.ok or not self.codes or any(k is None for k in self.keys):
            return None
        code = np.concatenate(self.codes)
        hashes = np.concatenate(self.keys).astype(np.int64)
        counts = code["keys"].astype(np.int64)
        if int(counts.sum()) != len(hashes):
            return None
        key_pos = np.repeat(np.arange(len(code), dtype=np.int64), counts)
        none = {name: None if name in NULLABLE else "" for name in TEXTS}
        return Stored(
            code, hashes, key_pos,
            {name: np.concatenate(self.index[name]).astype(np.int32) for name in TEXTS},
            {name: np.array([*np.concatenate(self.distinct[name]).tolist(), none[name]],
                            dtype=object) for name in TEXTS},
        )  # fmt: skip


def apply(t: Any, stored: Stored, keep: np.ndarray | None) -> None:
    """Set the Table's matching forms from stored ones (`keep`: the positions whose place
    forms count, as `Table.prepare(needed)` computes them; None: all)."""
    key_id, _ = stored.column("h_name").ids()
    cjk = stored.codes["cjk"].astype(np.int64)
    # a name's id: its key and its script (see name_forms), numbered by first position
    codes = np.where((key_id >= 0) | (cjk == 1), (key_id.astype(np.int64) + 1) * 2 + cjk + 1, 0)
    name_id, first = renumber(codes)
    strings = stored.texts("name", first)
    t.name_id, t.name_key_id, t.name_cjk = name_id, key_id, cjk[first].astype(bool)
    t.name_array, t.name_strings = strings, strings.tolist()
    t.name_first, t.name_last = stored.texts("first", first), stored.texts("last", first)
    t.name_family = stored.texts("family", first)
    t.name_surname = stored.texts("surname", first)
    t.name_ntok = stored.codes["ntok"][first].astype(np.int16)
    t.name_raw_id, _ = stored.column("h_raw").ids()
    t.addr_id, t.addr_strings = stored.column("h_address", "address").ids(keep)
    t.addr_house, _ = stored.column("h_house").ids(keep)
    t.comp_id, t.comp_strings = stored.column("h_company", "company").ids(keep)
    t.city_id, t.city_strings = stored.column("h_city", "city").ids(keep)
    t.bday_id, _ = stored.column("h_birthday").ids()
    t.bday_int = stored.codes["birthday"].astype(np.int32)
