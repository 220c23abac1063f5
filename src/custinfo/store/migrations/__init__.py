"""Schema migrations, tracked with PRAGMA user_version.

Each module `vNNN_<what>.py` in this package upgrades the schema from version NNN-1 to NNN with
a list `STATEMENTS` of SQL statements (run in one transaction) and optionally a function
`upgrade(conn)` run after them. Numbers are allocated per feature so that work in parallel
does not collide: v001 foundation, v002 search, v003 dedupe/merge, v004 purge/backup,
v005 export cells, v006 dedupe keys (issue 17), v007 contacts: handles and labels (18),
v008 orders and interactions (12), v009 custom fields (14), v010 consent (15), v011
follow-ups (13), v012 report indexes (16), v013 keep-in-touch due data (13).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING

from custinfo.i18n import _

if TYPE_CHECKING:
    from custinfo.store.db import Database


def available() -> list[tuple[int, ModuleType]]:
    """All migration modules, sorted by version number."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("v") and info.name[1:4].isdigit():
            found.append((int(info.name[1:4]), importlib.import_module(f"{__name__}.{info.name}")))
    found.sort(key=lambda item: item[0])
    versions = [v for v, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration versions are not contiguous: {versions}")
    return found


def latest_version() -> int:
    return len(available())


def migrate(db: Database, target: int | None = None) -> int:
    """Upgrade `db` to `target` (default: latest); returns the resulting version."""
    current = db.conn.execute("PRAGMA user_version").fetchone()[0]
    migrations = available()
    target = len(migrations) if target is None else target
    if current > len(migrations):
        from custinfo.errors import UsageError

        raise UsageError(
            _(
                "database schema version {current} is newer than this "
                "custinfo ({n}); upgrade custinfo"
            ).format(current=current, n=len(migrations))
        )
    for version, module in migrations:
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
