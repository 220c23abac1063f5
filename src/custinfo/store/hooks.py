"""Derived data kept in step with customer writes: the search index, dedupe blocking keys,
export cells.

Each module named in HOOK_MODULES that is installed may define any of:

- `changed(conn, ids)`: customers were added or changed (inside the writing transaction);
- `removed(conn, ids)`: customers are about to be deleted (purge, merge);
- `bulk_end(conn, ids)`: a bulk load (import) inserted `ids` without per-row `changed` calls;
- `tagged(conn, ids)`: the tags of `ids` changed (tag add/remove/rename or merge of a tag).

The names are declared here up front so features can be added without editing this file.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import Any

HOOK_MODULES = ("custinfo.search_index", "custinfo.dedupe_keys", "custinfo.export_cells")


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


def bulk_end(conn: Any, ids: Sequence[int]) -> None:
    _call("bulk_end", conn, ids)


def tagged(conn: Any, ids: Sequence[int]) -> None:
    _call("tagged", conn, ids)
