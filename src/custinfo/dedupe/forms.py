"""Matching forms of customers: computed (small tables) or read as stored (`dedupe_forms`).

The forms a comparison needs (a name's order-free key, script, family and surname tokens;
an address's folded key and house number; a company's key) cost pinyin, regexes and
Unicode folding, ~15 µs a customer. They are derived data, like the blocking keys: the write
gate stores them with the keys (`custinfo.dedupe.keys`), so a dedupe run reads them instead
of recomputing 100,000 of them. `Stored` holds them read and factorised over the whole
table; `apply` gives a Table exactly the attributes `name_forms` and `place_forms` compute
(same ids in the same order, so the same groups and scores). A change to a form function of
`custinfo.dedupe.normalize` needs a migration that calls `keys.rebuild`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custinfo.dedupe import normalize as nz
from custinfo.dedupe.table import derive, factorize

#: Stored columns of `dedupe_forms` after `customer_id`, in order.
COLUMNS = ("name", "cjk", "family", "surname", "address", "house", "company")


def customer_forms(
    name: str, address: str | None, city: str | None, company: str | None
) -> tuple[str, int, str, str, str, str, str]:
    """One customer's stored forms (the order of COLUMNS); pure: import workers run it."""
    typed = nz.name_tokens(name) if name else ()
    return (
        nz.name_key(name) if name else "",
        int(bool(name) and nz.has_cjk(name)),
        typed[0] if typed else "",
        nz.surname_token(name, typed or ("",)) if name else "",
        nz.address_key(address, city) if address else "",
        nz.house_number(address),
        nz.company_key(company),
    )


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


def renumber(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense ids of integer codes in order of first occurrence (-1 stays -1), as
    `factorize` numbers strings; returns (ids, code of each id, first position of each id)."""
    valid = np.flatnonzero(codes >= 0)
    if not len(valid):
        empty = np.empty(0, dtype=np.int64)
        return np.full(len(codes), -1, dtype=np.int32), empty, empty
    uniq, first = np.unique(codes[valid], return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int32)
    rank[order] = np.arange(len(uniq), dtype=np.int32)
    ids = np.full(len(codes), -1, dtype=np.int32)
    ids[valid] = rank[np.searchsorted(uniq, codes[valid])]
    return ids, uniq[order], valid[first[order]]


@dataclass
class Column:
    """One stored text form over the table's positions, factorised."""

    ids: np.ndarray  # int32, -1 for ""
    strings: list[str]

    def masked(self, keep: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
        """`factorize` of the column with the positions outside `keep` emptied."""
        if keep is None:
            return self.ids, self.strings
        ids, codes, _ = renumber(np.where(keep, self.ids, -1))
        return ids, [self.strings[c] for c in codes.tolist()]


@dataclass
class Stored:
    """The stored forms of a table's customers, read once (`read`)."""

    name: dict[str, Any]  # Table attributes of the names (all positions)
    address: Column
    house: Column
    company: Column


_SEP = "\x1f"  # as table._concat_columns: no stored form holds control characters


def read(conn: Any, ids: np.ndarray, names: list[str], wanted: set[int] | None) -> Stored | None:
    """The stored forms of the table's customers (ids in order; `wanted`: the subset read),
    or None if one is missing (then they are computed).

    The whole table is read as one string per column, joined by SQLite, and split one
    column at a time (no list of every form at once: ~400 MiB at 1M customers)."""
    if wanted is not None:
        from custinfo.dedupe.table import _columns

        sql = f"SELECT customer_id, {', '.join(COLUMNS)} FROM dedupe_forms ORDER BY customer_id"
        cid, *lists = _columns(conn, sql, 1 + len(COLUMNS), wanted)
        if cid != ids.tolist():
            return None
        return from_columns(dict(zip(COLUMNS, lists, strict=True)).pop, names)
    parts = ", ".join(
        "group_concat(cjk, '')" if c == "cjk" else f"group_concat(coalesce({c}, ''), char(31))"
        for c in COLUMNS
    )  # the script flags as one string of digits
    row = conn.execute(
        f"SELECT count(*), group_concat(customer_id), {parts} FROM dedupe_forms"
    ).fetchone()
    count, joined, *texts = row
    if count != len(ids) or not count:
        return None
    if not np.array_equal(np.fromstring(joined, dtype=np.int64, sep=","), ids):
        return None
    del joined
    columns = dict(zip(COLUMNS, texts, strict=True))
    del texts, row
    torn = False

    def take(column: str) -> Any:
        nonlocal torn
        text = columns.pop(column)
        if column == "cjk":
            torn |= len(text) != count
            return text if not torn else "0" * count
        values = text.split(_SEP)
        torn |= len(values) != count
        return values if not torn else [""] * count

    stored = from_columns(take, names)
    return None if torn else stored


def from_columns(take: Any, raw_names: list[str]) -> Stored:
    """Stored forms from the text columns of `dedupe_forms` in table order ("" for none;
    `cjk` as 0/1): `take(column)` gives each list once (bounded memory at 1M)."""
    key_id, key_strings = factorize(take("name"))
    flags = take("cjk")
    if isinstance(flags, str):
        cjk = np.frombuffer(flags.encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    else:
        cjk = np.array(flags, dtype=np.int64)
    # a name's id: its key and its script (see name_forms); ids in order of first position
    codes = np.where((key_id >= 0) | (cjk == 1), (key_id.astype(np.int64) + 1) * 2 + cjk, -1)
    name_id, id_codes, first = renumber(codes)
    id_key = (id_codes >> 1) - 1
    strings = [key_strings[k] if k >= 0 else "" for k in id_key.tolist()]
    family, surname = take("family"), take("surname")
    at = first.tolist()
    name = _name_attributes(
        name_id, strings, (id_codes & 1).astype(bool), key_id, factorize(raw_names)[0],
        [family[p] for p in at], [surname[p] for p in at],
    )  # fmt: skip
    del family, surname
    columns = {f: Column(*factorize(take(f))) for f in ("address", "house", "company")}
    return Stored(name, **columns)


def apply(t: Any, stored: Stored, keep: np.ndarray | None) -> None:
    """Set the Table's matching forms from stored ones (`keep`: the positions whose place
    forms count, as `Table.prepare(needed)` computes them; None: all)."""
    for attr, value in stored.name.items():
        setattr(t, attr, value)
    t.addr_id, t.addr_strings = stored.address.masked(keep)
    t.addr_house, _ = stored.house.masked(keep)
    t.comp_id, t.comp_strings = stored.company.masked(keep)
    cities = t.cities
    if keep is not None:
        cities = [v if k else None for v, k in zip(cities, keep.tolist(), strict=True)]
    t.city_id, t.city_strings = derive(cities, nz.city_key)
