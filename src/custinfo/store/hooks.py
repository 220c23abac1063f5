"""Derived data kept in step with customer writes: the search index, dedupe blocking keys,
export cells.

Each module named in HOOK_MODULES that is installed may define any of:

- `changed(conn, ids)`: customers were added or changed (inside the writing transaction);
- `removed(conn, ids)`: customers are about to be deleted (purge, merge);
- `bulk_end(conn, ids)`: a bulk load (import) inserted `ids` without per-row `changed` calls;
- `derive_row(row)` and `store_derived(conn, [(id, derived), ...])`: the import's fast path.
  `derive_row` computes a new customer's derived data from its validated row (a pure
  function, run in the import's worker processes); `store_derived` writes it once the row
  has its id. A module with these is left out of `bulk_end(..., derived=True)`;
- `tagged(conn, ids)`: the tags of `ids` changed (tag add/remove/rename or merge of a tag).

The names are declared here up front so features can be added without editing this file.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Collection, Sequence
from functools import cache
from types import ModuleType
from typing import Any

HOOK_MODULES = ("custinfo.search.index", "custinfo.dedupe.keys", "custinfo.export.cells")


@cache
def _modules() -> tuple[ModuleType, ...]:
    found = []
    for name in HOOK_MODULES:
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return tuple(found)


def _call(event: str, conn: Any, ids: Sequence[int]) -> None:
    if not ids:
        return
    for module in _modules():
        handler = getattr(module, event, None)
        if handler is not None:
            handler(conn, list(ids))


def changed(conn: Any, ids: Sequence[int]) -> None:
    _call("changed", conn, ids)


def removed(conn: Any, ids: Sequence[int]) -> None:
    _call("removed", conn, ids)


def bulk_end(conn: Any, ids: Collection[int], *, derived: bool = False) -> None:
    """`derived`: the rows' `derive`d data was already stored (only the others are told)."""
    if not ids:
        return
    for module in _modules():
        handler = getattr(module, "bulk_end", None)
        if handler is not None and not (derived and hasattr(module, "derive_row")):
            handler(conn, list(ids))


@cache
def _derivers() -> tuple[ModuleType, ...]:
    return tuple(m for m in _modules() if hasattr(m, "derive_row"))


def derive(row: Any) -> tuple[Any, ...]:
    """Every module's derived data for one new customer's validated row (a plain tuple)."""
    return tuple(module.derive_row(row) for module in _derivers())


def store_derived(conn: Any, ids: Sequence[int], derived: Sequence[tuple[Any, ...]]) -> None:
    """Store `derive`d data of freshly inserted customers `ids` (aligned with `derived`)."""
    for index, module in enumerate(_derivers()):
        module.store_derived(conn, [(i, d[index]) for i, d in zip(ids, derived, strict=True)])


def tagged(conn: Any, ids: Sequence[int]) -> None:
    _call("tagged", conn, ids)
