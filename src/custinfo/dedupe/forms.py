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

from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe import keys
from custinfo.dedupe import normalize as nz
from custinfo.dedupe.table import derive, factorize

TEXTS, NUMBERS = keys.FORM_TEXTS, keys.FORM_NUMBERS


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


@dataclass
class Column:
    """One stored form over the table's positions: its hashes and its texts (or None)."""

    hashes: np.ndarray
    texts: np.ndarray | None  # object array

    def ids(self, keep: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
        """`factorize` of the column, the positions outside `keep` emptied."""
        codes = self.hashes if keep is None else np.where(keep, self.hashes, 0)
        ids, first = renumber(codes)
        return ids, [] if self.texts is None else self.texts[first].tolist()


@dataclass
class Stored:
    """The stored forms of a table's customers, read once (`read`)."""

    texts: np.ndarray  # (customers, FORM_TEXTS) object array
    codes: np.ndarray  # (customers, FORM_NUMBERS) int64
    keys: np.ndarray  # every customer's key hashes, one after the other
    key_pos: np.ndarray  # the position of each key's customer

    def text(self, name: str) -> np.ndarray:
        return self.texts[:, TEXTS.index(name)]

    def number(self, name: str) -> np.ndarray:
        return self.codes[:, NUMBERS.index(name)]

    def column(self, name: str, text: str | None = None) -> Column:
        return Column(self.number(name), None if text is None else self.text(text))


_SEP = "\x1f"  # as keys.customer_forms
#: Customers read per query: bounds the joined strings (~40 MB at this size).
READ_ROWS = 1 << 17


def read(conn: Any, ids: np.ndarray, wanted: set[int] | None) -> Stored | None:
    """The stored forms of the table's customers (ids in order; `wanted`: the subset read),
    or None if one is missing (then they are computed).

    The whole table is read in ranges of ids, each as three strings joined by SQLite (the
    packed numbers as hex, decoded in C), none per customer; a subset row by row."""
    parts: list[tuple[list[str], bytes, bytes]] = []
    if wanted is not None:
        from custinfo.dedupe.table import _columns

        sql = "SELECT customer_id, texts, codes, keys FROM dedupe_forms ORDER BY customer_id"
        cid, texts, codes, hashes = _columns(conn, sql, 4, wanted)
        if cid != ids.tolist():
            return None
        parts.append((_SEP.join(texts).split(_SEP), b"".join(codes), b"".join(hashes)))
    else:
        for start in range(0, len(ids), READ_ROWS):
            stop = min(start + READ_ROWS, len(ids))
            last = stop == len(ids)
            where = "customer_id >= ?" + ("" if last else " AND customer_id < ?")
            bounds = (int(ids[start]),) if last else (int(ids[start]), int(ids[stop]))
            count, text, code, hashes = conn.execute(
                "SELECT count(*), group_concat(texts, char(31)), group_concat(hex(codes), ''), "
                f"group_concat(hex(keys), '') FROM dedupe_forms WHERE {where}",
                bounds,
            ).fetchone()
            if count != stop - start:
                return None  # (every row references a customer: equal counts, equal sets)
            parts.append((text.split(_SEP), bytes.fromhex(code), bytes.fromhex(hashes or "")))
            del text, code, hashes
    if not parts:
        return None
    texts = [np.array(t, dtype=object) for t, _, _ in parts]
    codes = [np.frombuffer(c, dtype="<i8") for _, c, _ in parts]
    width_t, width_c = len(TEXTS), len(NUMBERS)
    if sum(map(len, texts)) != width_t * len(ids) or sum(map(len, codes)) != width_c * len(ids):
        return None
    code = np.concatenate(codes).astype(np.int64).reshape(-1, width_c)
    hashes = np.concatenate([np.frombuffer(k, dtype="<i8") for _, _, k in parts])
    counts = code[:, NUMBERS.index("keys")]
    if int(counts.sum()) != len(hashes):
        return None
    key_pos = np.repeat(np.arange(len(ids), dtype=np.int64), counts)
    text_all = np.concatenate(texts).reshape(-1, width_t)
    return Stored(text_all, code, hashes.astype(np.int64), key_pos)


def apply(t: Any, stored: Stored, keep: np.ndarray | None) -> None:
    """Set the Table's matching forms from stored ones (`keep`: the positions whose place
    forms count, as `Table.prepare(needed)` computes them; None: all)."""
    key_id, _ = stored.column("h_name").ids()
    cjk = stored.number("cjk")
    # a name's id: its key and its script (see name_forms), numbered by first position
    codes = np.where((key_id >= 0) | (cjk == 1), (key_id.astype(np.int64) + 1) * 2 + cjk + 1, 0)
    name_id, first = renumber(codes)
    strings = stored.text("name")[first]
    t.name_id, t.name_key_id, t.name_cjk = name_id, key_id, cjk[first].astype(bool)
    t.name_array, t.name_strings = strings, strings.tolist()
    t.name_first, t.name_last = stored.text("first")[first], stored.text("last")[first]
    t.name_family, t.name_surname = stored.text("family")[first], stored.text("surname")[first]
    t.name_ntok = stored.number("ntok")[first].astype(np.int16)
    t.name_raw_id, _ = stored.column("h_raw").ids()
    t.addr_id, t.addr_strings = stored.column("h_address", "address").ids(keep)
    t.addr_house, _ = stored.column("h_house").ids(keep)
    t.comp_id, t.comp_strings = stored.column("h_company", "company").ids(keep)
    t.city_id, t.city_strings = stored.column("h_city", "city").ids(keep)
    t.bday_id, _ = stored.column("h_birthday").ids()
    t.bday_int = stored.number("birthday").astype(np.int32)
