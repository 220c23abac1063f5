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
COLUMNS = TEXTS + NUMBERS


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

    columns: dict[str, Any]  # COLUMNS: Column (h_*, with the text of the same name) or array


_SEP = "\x1f"  # as table._concat_columns: no stored form holds control characters
_TEXT_OF = {"h_name": "name", "h_address": "address", "h_company": "company", "h_city": "city"}


def read(conn: Any, ids: np.ndarray, wanted: set[int] | None) -> Stored | None:
    """The stored forms of the table's customers (ids in order; `wanted`: the subset read),
    or None if one is missing (then they are computed).

    The whole table is read as one string per column, joined by SQLite (numbers parsed by
    numpy, texts split in C); a subset row by row."""
    got: dict[str, Any] = {}
    if wanted is not None:
        from custinfo.dedupe.table import _columns

        sql = f"SELECT customer_id, {', '.join(COLUMNS)} FROM dedupe_forms ORDER BY customer_id"
        cid, *lists = _columns(conn, sql, 1 + len(COLUMNS), wanted)
        if cid != ids.tolist():
            return None
        for c, values in zip(COLUMNS, lists, strict=True):
            got[c] = np.array(values, dtype=object if c in TEXTS else np.int64)
    else:
        parts = [f"group_concat({c}, char(31))" for c in TEXTS] + [
            f"group_concat({c})" for c in NUMBERS
        ]
        row = conn.execute(
            f"SELECT count(*), group_concat(customer_id), {', '.join(parts)} FROM dedupe_forms"
        ).fetchone()
        count, joined, *texts = row
        del row
        if count != len(ids) or not count:
            return None
        if not np.array_equal(np.fromstring(joined, dtype=np.int64, sep=","), ids):
            return None
        for c, text in zip(COLUMNS, texts, strict=True):
            if c in TEXTS:
                values = np.array(text.split(_SEP), dtype=object)
            else:
                values = np.fromstring(text, dtype=np.int64, sep=",")
            if len(values) != count:
                return None
            got[c] = values
        del texts, text
    columns: dict[str, Any] = {c: got[c] for c in ("cjk", "ntok", "birthday", *TEXTS)}
    for c in NUMBERS[3:]:
        columns[c] = Column(got[c], got.get(_TEXT_OF.get(c, "")))
    return Stored(columns)


def apply(t: Any, stored: Stored, keep: np.ndarray | None) -> None:
    """Set the Table's matching forms from stored ones (`keep`: the positions whose place
    forms count, as `Table.prepare(needed)` computes them; None: all)."""
    col = stored.columns
    key_id, _ = col["h_name"].ids()
    cjk = col["cjk"]
    # a name's id: its key and its script (see name_forms), numbered by first position
    codes = np.where((key_id >= 0) | (cjk == 1), (key_id.astype(np.int64) + 1) * 2 + cjk + 1, 0)
    name_id, first = renumber(codes)
    strings = col["name"][first]
    t.name_id, t.name_key_id, t.name_cjk = name_id, key_id, cjk[first].astype(bool)
    t.name_array, t.name_strings = strings, strings.tolist()
    t.name_first, t.name_last = col["first"][first], col["last"][first]
    t.name_family, t.name_surname = col["family"][first], col["surname"][first]
    t.name_ntok = col["ntok"][first].astype(np.int16)
    t.name_raw_id, _ = col["h_raw"].ids()
    t.addr_id, t.addr_strings = col["h_address"].ids(keep)
    t.addr_house, _ = col["h_house"].ids(keep)
    t.comp_id, t.comp_strings = col["h_company"].ids(keep)
    t.city_id, t.city_strings = col["h_city"].ids(keep)
    t.bday_id, _ = col["h_birthday"].ids()
    t.bday_int = col["birthday"].astype(np.int32)
