"""Schema migrations, tracked with PRAGMA user_version.

Each module `vNNN_<what>.py` in this package upgrades the schema from version NNN-1 to NNN with
a list `STATEMENTS` of SQL statements (run in one transaction) and optionally a function
`upgrade(conn)` run after them. Numbers are allocated per feature so that work in parallel
does not collide: v001 foundation, v002 search, v003 dedupe/merge, v004 purge/backup,
v005 export cells, v006 dedupe keys (issue 17), v007 contacts: handles and labels (18),
v008 orders and interactions (12), v009 custom fields (14), v010 consent (15), v011
follow-ups (13), v012 report indexes (16), v013 the agenda's derived data (13), v014
revenue per day (16), v015 names in id order (16), v016 dedupe forms (17), v017
birthdays in id order (13), v018 dedupe keys without their customer-id index (19).

Opening a database at the latest version imports none of these modules (`versions()`
lists them by file name), so start-up does not pay for their SQL text.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING

from custinfo.i18n import _

if TYPE_CHECKING:
    from custinfo.store.db import Database


def versions() -> list[tuple[int, str]]:
    """(version, module name) of every migration, sorted, without importing them."""
    found = []
    for filename in os.listdir(__path__[0]):
        name, _dot, suffix = filename.partition(".")
        if suffix == "py" and name.startswith("v") and name[1:4].isdigit():
            found.append((int(name[1:4]), name))
    found.sort()
    numbers = [v for v, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migration versions are not contiguous: {numbers}")
    return found


def available() -> list[tuple[int, ModuleType]]:
    """All migration modules, sorted by version number."""
    return [(v, importlib.import_module(f"{__name__}.{name}")) for v, name in versions()]


def latest_version() -> int:
    return len(versions())


def migrate(db: Database, target: int | None = None) -> int:
    """Upgrade `db` to `target` (default: latest); returns the resulting version."""
    current = db.conn.execute("PRAGMA user_version").fetchone()[0]
    latest = latest_version()
    target = latest if target is None else target
    if current > latest:
        from custinfo.errors import UsageError

        raise UsageError(
            _(
                "database schema version {current} is newer than this "
                "custinfo ({n}); upgrade custinfo"
            ).format(current=current, n=latest)
        )
    if current >= target:  # up to date: no migration module is imported
        return current
    for version, module in available():
        if current < version <= target:
            with db.transaction() as conn:
                # Another process may have run it while this one waited for the write lock.
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current >= version:
                    continue
                for statement in module.STATEMENTS:
                    conn.execute(statement)
                upgrade = getattr(module, "upgrade", None)
                if upgrade is not None:
                    upgrade(conn)
                conn.execute(f"PRAGMA user_version = {version}")
            current = version
    return current
