"""A columnar snapshot of the customers to deduplicate, read straight from the database.

Positions 0..n-1 index every array; strings are factorised to integer ids so that each
distinct pair of strings is compared once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import InitVar, dataclass, field
from typing import Any

import numpy as np


def factorize(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Integer ids for strings ("" or None → -1) and the list of distinct strings."""
    distinct = [v for v in dict.fromkeys(values) if v]
    lookup: dict[str | None, int] = {v: i for i, v in enumerate(distinct)}
    lookup[""] = lookup[None] = -1
    ids = np.fromiter(map(lookup.__getitem__, values), dtype=np.int32, count=len(values))
    return ids, distinct


def derive(values: list[Any], fn: Any, raw: list | None = None) -> tuple[np.ndarray, list[str]]:
    """Like factorize(fn(v) for v in values), calling fn once per distinct value.

    `raw`: a list that receives the ids of the values themselves (factorized once)."""
    raw_ids, distinct = factorize([v or "" for v in values])
    derived_ids, strings = factorize([fn(v) for v in distinct])
    lookup = np.append(derived_ids, -1).astype(np.int32)  # raw -1 (empty) stays -1
    if raw is not None:
        raw.append(raw_ids)
    return lookup[raw_ids], strings


@dataclass
class Multi:
    """Several values per position (phones, emails) in compressed-row form."""

    pos: np.ndarray  # sorted positions
    values: list[str]
    starts: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if len(self.pos) > 1 and (self.pos[1:] < self.pos[:-1]).any():  # else sorted already
            order = np.argsort(self.pos, kind="stable")
            self.pos = self.pos[order]
            self.values = [self.values[i] for i in order.tolist()]
        self.starts = np.searchsorted(
            self.pos, np.arange(0, 1 + (self.pos.max() + 1 if len(self.pos) else 0))
        )

    def factorized(self) -> tuple[np.ndarray, list[str]]:
        """`factorize(values)`, computed once."""
        cached = self.__dict__.get("_factorized")
        if cached is None:
            cached = self.__dict__["_factorized"] = factorize(self.values)
        return cached

    def get(self, p: int) -> list[str]:
        if p + 1 >= len(self.starts):
            return []
        return self.values[self.starts[p] : self.starts[p + 1]]

    def present(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[self.pos] = True
        return out


@dataclass
class Table:
    ids: np.ndarray
    names: list[str]
    companies: list[str | None] | None  # None: read with stored forms (not needed)
    addresses: list[str | None] | None
    cities: list[str | None]
    birthdays: list[str | None]
    phones: Multi  # E.164 (with " ext. N")
    emails: Multi  # display addresses
    email_keys: Multi  # case-folded keys, same order as emails
    name_id: np.ndarray = field(init=False)
    name_strings: list[str] = field(init=False)
    name_array: np.ndarray = field(init=False)  # object array of name_strings
    name_first: np.ndarray = field(init=False)  # first / last sorted token per name id
    name_last: np.ndarray = field(init=False)
    name_ntok: np.ndarray = field(init=False)
    name_family: np.ndarray = field(init=False)  # family name token as typed first
    name_surname: np.ndarray = field(init=False)  # the family name (last Latin token)
    name_cjk: np.ndarray = field(init=False)  # the name was written in Chinese characters
    name_raw_id: np.ndarray = field(init=False)  # id of the name exactly as stored
    name_key_id: np.ndarray = field(init=False)  # id of the matching form, any script
    bday_int: np.ndarray = field(init=False)  # YYYYMMDD, 0 if none
    phone_primary: np.ndarray = field(init=False)  # id of the first phone, -1 if none
    phone_strings: list[str] = field(init=False)
    email_primary: np.ndarray = field(init=False)  # id of the first email key, -1 if none
    email_strings: list[str] = field(init=False)
    city_strings: list[str] = field(init=False)
    addr_house: np.ndarray = field(init=False)  # id of its first (house) number, -1 if none
    bday_id: np.ndarray = field(init=False)
    addr_id: np.ndarray = field(init=False)
    addr_strings: list[str] = field(init=False)
    comp_id: np.ndarray = field(init=False)
    comp_strings: list[str] = field(init=False)
    city_id: np.ndarray = field(init=False)
    has_phone: np.ndarray = field(init=False)
    has_email: np.ndarray = field(init=False)
    #: All customers of the database are in the table (blocking may pre-filter keys in SQL).
    complete: bool = field(default=False, repr=False)
    #: The stored matching forms (`forms.Stored`), used and dropped by `prepare`.
    stored: Any = field(default=None, repr=False)
    #: Leave the matching forms to `prepare(needed)` (computed only where pairs need them).
    defer: InitVar[bool] = False

    def __post_init__(self, defer: bool) -> None:
        n = len(self.ids)
        self.has_phone = self.phones.present(n)
        self.has_email = self.emails.present(n)
        if not defer:
            self.prepare()

    def prepare(self, needed: np.ndarray | None = None) -> None:
        """Matching forms of every position (all if `needed` is None); with `needed`
        (positions or a boolean mask), the address, company and city forms of the other
        positions count as empty (names: all, term frequencies count every customer).

        Forms stored with the dedupe keys (`stored`, read by `load`) are used as they are;
        otherwise they are computed (`custinfo.dedupe.forms`)."""
        from custinfo.dedupe import forms
        from custinfo.dedupe.compare import _primary

        keep = None
        if needed is not None:
            keep = needed
            if keep.dtype != bool:
                keep = np.zeros(len(self.ids), dtype=bool)
                keep[needed] = True
        n = len(self.ids)
        self.phone_primary, self.phone_strings = _primary(self.phones, n)
        self.email_primary, self.email_strings = _primary(self.email_keys, n)
        if self.stored is not None:
            stored, self.stored = self.stored, None
            forms.apply(self, stored, keep)
            return
        self.bday_id, days = factorize([b or "" for b in self.birthdays])
        day_ints = np.array([int(d.replace("-", "")) for d in days] + [0], dtype=np.int32)
        self.bday_int = day_ints[self.bday_id]  # -1 (none) picks the trailing 0
        addresses, companies, cities = self.addresses, self.companies, self.cities
        if keep is not None:
            mask = keep.tolist()
            addresses = [v if k else None for v, k in zip(addresses, mask, strict=True)]
            companies = [v if k else None for v, k in zip(companies, mask, strict=True)]
            cities = [v if k else None for v, k in zip(cities, mask, strict=True)]
        for attr, value in forms.place_forms(addresses, companies, cities).items():
            setattr(self, attr, value)
        for attr, value in forms.name_forms(self.names).items():
            setattr(self, attr, value)

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, customer_id: int) -> int:
        return int(np.searchsorted(self.ids, customer_id))


def _columns(
    conn: Any, sql: str, width: int, wanted: set[int] | None, shared: tuple[int, ...] = ()
) -> list[list[Any]]:
    """Read a query column by column in batches (no list of row tuples held in memory).

    Columns in `shared` hold one string object per distinct value (cities, birthdays and
    companies repeat: at 1M customers that saves ~100 MiB)."""
    cols: list[list[Any]] = [[] for _ in range(width)]
    memos: dict[int, dict[Any, Any]] = {c: {} for c in shared}
    cur = conn.execute(sql)
    while rows := cur.fetchmany(50_000):
        if wanted is not None:
            rows = [r for r in rows if r[0] in wanted]
            if not rows:
                continue
        for c, (col, values) in enumerate(zip(cols, zip(*rows, strict=True), strict=True)):
            if c in memos:
                memo = memos[c]
                values = [memo.setdefault(v, v) for v in values]
            col.extend(values)
    return cols


_SEP = "\x1f"  # unit separator: validation keeps control characters out of stored text


def _concat_columns(
    conn: Any, source: str, exprs: list[str], shared: tuple[int, ...] = ()
) -> tuple[np.ndarray, list[list[Any]]] | None:
    """Ids and text columns of a whole table in one row: SQLite joins each column into one
    string (one pass over the table, no Python object per row and cell), split here.

    The first expression is the (integer) id. Empty text reads as None; columns in `shared`
    hold one string object per distinct value. None if a value holds the separator (the
    caller reads row by row then)."""
    parts = ", ".join(f"group_concat(coalesce({e}, ''), char(31))" for e in exprs[1:])
    row = conn.execute(f"SELECT count(*), group_concat({exprs[0]}), {parts} FROM {source}")
    count, *joined = row.fetchone()
    if not count:
        return np.empty(0, dtype=np.int64), [[] for _ in exprs[1:]]
    ids = np.fromstring(joined[0], dtype=np.int64, sep=",")
    cols: list[list[Any]] = []
    for c, text in enumerate(joined[1:], start=1):
        values = text.split(_SEP)
        if len(values) != count:
            return None
        if c in shared:
            memo: dict[str, str] = {}
            values = [memo.setdefault(v, v) if v else None for v in values]
        cols.append(values)
    if len(ids) != count:
        return None
    order = np.argsort(ids, kind="stable")  # a scan in id order already: order is 0..n-1
    if (order != np.arange(count)).any():
        ids = ids[order]
        cols = [[col[i] for i in order.tolist()] for col in cols]
    return ids, cols


#: Page cache of the read (KiB): it is one pass over the file, the store's 64 MiB buy nothing.
READ_CACHE_KIB = 4096


def load(
    conn: Any,
    only: Iterable[int] | None = None,
    *,
    defer: bool = False,
) -> Table:
    """Read the customers (optionally only these ids) into a Table (see `Table.prepare`);
    `defer`: with their stored matching forms, prepared later (`Table.prepare(needed)`)."""
    wanted = None if only is None else set(only)
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{READ_CACHE_KIB}")
    try:
        return _load(conn, wanted, defer)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


def _load(conn: Any, wanted: set[int] | None, defer: bool) -> Table:
    stored = contacts = None
    if defer and wanted is None:  # the stored forms hold all a run needs of the customers
        from custinfo.dedupe import forms

        ids, stored, contacts = forms.read_all(conn, lambda ids: _contacts(conn, ids, None))
    if stored is not None:
        names, cities, birthdays = (  # one string object per distinct value
            stored.texts(c).tolist() for c in ("typed_name", "typed_city", "typed_birthday")
        )
        companies = addresses = None  # not needed with the stored forms
    else:
        got = None
        columns = ["id", "name", "city", "birthday", "company", "address"]
        if wanted is None:
            got = _concat_columns(conn, "customers", columns, shared=(2, 3, 4))
        if got is not None:
            ids, values = got
        else:
            sql = f"SELECT {', '.join(columns)} FROM customers ORDER BY id"
            cid, *values = _columns(conn, sql, len(columns), wanted, shared=(2, 3, 4))
            ids = np.array(cid, dtype=np.int64)
            del cid
        names, cities, birthdays, companies, addresses = values
        companies = [v or None for v in companies]  # text columns: "" reads as None
        addresses = [v or None for v in addresses]
        contacts = _contacts(conn, ids, wanted)  # (positions of these ids)
        if defer and wanted is not None:
            from custinfo.dedupe import forms

            stored = forms.read(conn, ids, wanted)
    phones, emails, email_keys = contacts
    return Table(
        ids=ids,
        names=names,
        companies=companies,
        addresses=addresses,
        cities=cities,
        birthdays=birthdays,
        phones=phones,
        emails=emails,
        email_keys=email_keys,
        complete=wanted is None,
        stored=stored,
        defer=defer,
    )


def _contacts(conn: Any, ids: np.ndarray, wanted: set[int] | None) -> tuple[Multi, Multi, Multi]:
    """Phones, emails and email keys of the customers `ids` (sorted)."""

    def multi(source: str, exprs: list[str]) -> list[Multi]:
        fast = None
        if wanted is None:
            fast = _concat_columns(conn, f"(SELECT * FROM {source} ORDER BY id)", exprs)
        if fast is not None:  # the rows in id order, grouped by customer
            raw_ids, values = fast
        else:
            sql = f"SELECT {', '.join(exprs)} FROM {source} ORDER BY id"
            cid, *values = _columns(conn, sql, len(exprs), wanted)
            raw_ids = np.array(cid, dtype=np.int64)
        pos = np.searchsorted(ids, raw_ids)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, max(len(ids) - 1, 0))] == raw_ids)
        keep = np.flatnonzero(ok)
        if len(keep) == len(raw_ids):
            return [Multi(pos.astype(np.int64), col) for col in values]
        return [Multi(pos[keep].astype(np.int64), [col[i] for i in keep]) for col in values]

    (phones,) = multi(
        "phones", ["customer_id", "CASE ext WHEN '' THEN e164 ELSE e164 || ' ext. ' || ext END"]
    )
    emails, email_keys = multi("emails", ["customer_id", "address", "key"])
    shown = emails.values  # a key spelt like its address shares the string object
    email_keys.values = [s if k == s else k for s, k in zip(shown, email_keys.values, strict=True)]
    return phones, emails, email_keys


def from_customers(customers: list[Any]) -> Table:
    """A Table from `Customer`-like objects with ids (tests, one-customer checks)."""
    customers = sorted(customers, key=lambda c: c.id)
    phone_pos, phone_vals, email_pos, email_vals, key_vals = [], [], [], [], []
    for p, c in enumerate(customers):
        for ph in c.phones:
            phone_pos.append(p)
            phone_vals.append(str(ph))
        for em in c.emails:
            email_pos.append(p)
            email_vals.append(str(em))
            key_vals.append(getattr(em, "key", None) or str(em).casefold())
    return Table(
        ids=np.array([c.id for c in customers], dtype=np.int64),
        names=[c.name for c in customers],
        companies=[c.company for c in customers],
        addresses=[c.address for c in customers],
        cities=[c.city for c in customers],
        birthdays=[c.birthday for c in customers],
        phones=Multi(np.array(phone_pos, dtype=np.int64), phone_vals),
        emails=Multi(np.array(email_pos, dtype=np.int64), email_vals),
        email_keys=Multi(np.array(email_pos, dtype=np.int64), key_vals),
    )
