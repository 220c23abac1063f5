"""Derived data: what the write gate keeps in step with customer records.

Each implementation is a small object with the `Derived` protocol; `implementations()` is
the explicit list (no run-time module lookups). The write gate calls, inside the writing
transaction:

- `removed(conn, ids)` just before customers are deleted (purge, merge), so an index can
  still read what it must erase;
- `changed(conn, ids)` once on exit, for the customers whose records of a kind named in
  `depends` changed ("customer" is the customer row itself).

The import's fast path uses `RowDerived` implementations: `derive_row(row)` is a pure
function of a validated import row (run in the import's worker processes) and
`store_derived(conn, items, later)` writes the result once the new customers have ids
(rows of random-key trees may be held in `later`, a `store.bulk.KeyOrdered`, and written in
key order before the unit's derived data is updated). Each
implementation writes only the tables (or, for export cells, the columns) it declares in
`writes`; `tests/test_records.py` checks the source against that.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from custinfo.store.db import Connection

if TYPE_CHECKING:
    from custinfo.store.bulk import KeyOrdered


@runtime_checkable
class Derived(Protocol):
    name: str
    #: Record kinds ("customer", "phones", "emails", "tags", "notes", "orders", ...) it is
    #: computed from.
    depends: frozenset[str]
    #: Tables it writes; "customers.<column>" for a derived column of `customers`.
    writes: tuple[str, ...]

    def changed(self, conn: Connection, ids: Sequence[int]) -> None: ...

    def removed(self, conn: Connection, ids: Sequence[int]) -> None: ...

    def rebuild(self, conn: Connection) -> None: ...


@runtime_checkable
class RowDerived(Derived, Protocol):
    def derive_row(self, row: Any) -> Any: ...

    def store_derived(
        self, conn: Connection, items: list[tuple[int, Any]], later: KeyOrdered | None = None
    ) -> None: ...


@cache
def implementations() -> tuple[Derived, ...]:
    """Every derived-data implementation, in the order they are updated."""
    from custinfo.activity.aggregates import ACTIVITY
    from custinfo.activity.order_days import ORDER_DAYS
    from custinfo.dedupe.keys import DEDUPE_KEYS
    from custinfo.export.cells import EXPORT_CELLS, TAG_CELLS
    from custinfo.followups.due import KEEP_IN_TOUCH_DUE, OPEN_FOLLOWUPS
    from custinfo.search.index import SEARCH_INDEX

    # (keep-in-touch due data reads the activity aggregates: it comes after them)
    return (SEARCH_INDEX, DEDUPE_KEYS, EXPORT_CELLS, TAG_CELLS, ACTIVITY, KEEP_IN_TOUCH_DUE,
            OPEN_FOLLOWUPS, ORDER_DAYS)  # fmt: skip


@cache
def row_derivers() -> tuple[RowDerived, ...]:
    """The implementations the import computes in its workers (`derive_row`)."""
    return tuple(d for d in implementations() if isinstance(d, RowDerived))


def derive(row: Any) -> tuple[Any, ...]:
    """Every row deriver's data for one validated import row (a plain tuple)."""
    return tuple(d.derive_row(row) for d in row_derivers())


def changed(conn: Connection, dirty: dict[str, set[int]], gone: set[int]) -> None:
    """Update every implementation for the customers whose records of its kinds changed."""
    for impl in implementations():
        ids: set[int] = set()
        for kind in impl.depends:
            ids |= dirty.get(kind, set())
        ids -= gone
        if ids:
            impl.changed(conn, sorted(ids))


def removed(conn: Connection, ids: Sequence[int]) -> None:
    for impl in implementations():
        impl.removed(conn, ids)


def rebuild(conn: Connection) -> None:
    """Recompute all derived data from the records (repair)."""
    for impl in implementations():
        impl.rebuild(conn)


def refresh(conn: Connection, ids: Sequence[int]) -> None:
    """Recompute every implementation for `ids` (repair, tests)."""
    for impl in implementations():
        impl.changed(conn, list(ids))
