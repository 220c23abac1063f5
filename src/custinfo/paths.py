"""Where the database and its backups live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_DB = "CUSTINFO_DB"
DB_FILENAME = "customers.db"


def database_path(option: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """--db, else CUSTINFO_DB, else the platform's user data directory."""
    env = os.environ if environ is None else environ
    if option is not None:
        return option.expanduser()
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("custinfo", appauthor=False) / DB_FILENAME
