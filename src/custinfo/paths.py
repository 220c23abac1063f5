"""Where the database, its backups and the config file live."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ENV_DB = "CUSTINFO_DB"
DB_FILENAME = "customers.db"
APP = "custinfo"

#: XDG variable and default under $HOME of the user directories custinfo uses.
_XDG = {"config": ("XDG_CONFIG_HOME", ".config"), "data": ("XDG_DATA_HOME", ".local/share")}


def user_dir(kind: str) -> Path:
    """The platform's user `config` or `data` directory for custinfo (platformdirs' answer).

    On plain Linux with an absolute $HOME this is the XDG rule that platformdirs applies
    (`$XDG_CONFIG_HOME` if absolute, else `~/.config`), computed here so that start-up does
    not import platformdirs; anywhere else (macOS, Windows, Android) platformdirs decides.
    """
    variable, default = _XDG[kind]
    home = os.environ.get("HOME", "")
    if sys.platform == "linux" and "ANDROID_DATA" not in os.environ and os.path.isabs(home):
        base = os.environ.get(variable, "")
        return Path(base if os.path.isabs(base) else os.path.join(home, default)) / APP
    import platformdirs

    if kind == "config":
        return platformdirs.user_config_path(APP, appauthor=False)
    return platformdirs.user_data_path(APP, appauthor=False)


def database_path(option: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """--db, else CUSTINFO_DB, else the platform's user data directory."""
    env = os.environ if environ is None else environ
    if option is not None:
        return option.expanduser()
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    return user_dir("data") / DB_FILENAME
