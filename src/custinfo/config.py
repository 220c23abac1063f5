"""The user's config file: `~/.config/custinfo/config.toml` (platformdirs' rule), never a secret.

    db = "/home/me/shop/customers.db"
    region = "CN"
    pager = "less -FRX"

Every value is text. Precedence, first that is set wins: the command-line option, the
environment variable, this file, the default (`cli/context.py` applies it). A key that
looks like a secret (`passphrase`, `password`, `secret`…) makes custinfo refuse to start:
the file is not protected like a passphrase file, and a passphrase belongs in a
passphrase file or a password manager (`passphrase_command`).

`CUSTINFO_CONFIG` names another file (tests, several shops on one account).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from custinfo.errors import UsageError
from custinfo.i18n import N_, _

ENV_CONFIG = "CUSTINFO_CONFIG"
FILENAME = "config.toml"


def _check_language(value: str) -> str:
    from custinfo.i18n import normalize

    code = normalize(value)
    if code is None:
        raise UsageError(_("unknown language {value!r}: use en or zh_CN").format(value=value))
    return code


def _check_region(value: str) -> str:
    from custinfo.validation import check_region

    return check_region(value)


def _check_currency(value: str) -> str:
    from custinfo.currency import check_currency

    return check_currency(value)


def _nonempty(value: str) -> str:
    if not value.strip():
        raise UsageError(_("the value is empty"))
    return value


class Setting(NamedTuple):  # a NamedTuple, not a dataclass: cheaper at every start-up
    name: str
    help: str
    env: str | None = None
    in_db: bool = False  # also stored in the database (`config set KEY VALUE --in-db`)
    check: Callable[[str], str] = _nonempty


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("db", N_("Database file."), env="CUSTINFO_DB"),
        Setting(
            "region",
            N_("Region for phones typed without +country."),
            env="CUSTINFO_REGION",
            in_db=True,
            check=_check_region,
        ),
        Setting(
            "currency",
            N_("Currency of amounts (ISO 4217, e.g. CNY)."),
            env="CUSTINFO_CURRENCY",
            in_db=True,
            check=_check_currency,
        ),
        Setting("backup_dir", N_("Backup folder."), env="CUSTINFO_BACKUP_DIR"),
        Setting(
            "pager",
            N_("Pager for long tables (empty: none)."),
            env="CUSTINFO_PAGER",
            check=lambda value: value,
        ),
        Setting(
            "language", N_("Language: en or zh_CN."), env="CUSTINFO_LANG", check=_check_language
        ),
        Setting(
            "passphrase_command",
            N_("Command printing the passphrase (e.g. pass show shop)."),
            env="CUSTINFO_PASSPHRASE_COMMAND",
        ),
        Setting(
            "passphrase_file",
            N_("Private file holding the passphrase (chmod 600)."),
            env="CUSTINFO_PASSPHRASE_FILE",
        ),
    )
}

#: Keys allowed although their names mention a passphrase: they say where it is, not what.
_WHERE_NOT_WHAT = {"passphrase_command", "passphrase_file"}
_SECRET_WORDS = ("passphrase", "password", "passwd", "secret", "token")
_SECRET_NAMES = {"pass", "key", "pin", "pw", "pwd"}


def path() -> Path:
    """The config file: $CUSTINFO_CONFIG, else the platform's user config dir."""
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    from custinfo.paths import user_dir

    return user_dir("config") / FILENAME


def looks_secret(key: str) -> bool:
    name = key.strip().lower().replace("-", "_")
    if name in _WHERE_NOT_WHAT:
        return False
    return name in _SECRET_NAMES or any(word in name for word in _SECRET_WORDS)


def load(where: Path | None = None) -> dict[str, str]:
    """The settings in the file (none if it does not exist); UsageError if it holds a secret,
    is not TOML, or has a value that is not text. Unknown keys are kept (the caller warns)."""
    where = where or path()
    try:
        data = where.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise UsageError(_("config file {path} is a directory").format(path=where)) from None
    except OSError as exc:
        raise UsageError(
            _("cannot read config file {path}: {reason}").format(path=where, reason=exc.strerror)
        ) from None
    import tomllib

    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            _("config file {path} is not valid TOML: {reason}").format(path=where, reason=exc)
        ) from None
    for key in _all_keys(parsed):
        if looks_secret(key):
            raise UsageError(
                _(
                    "config file {path} holds a secret ({key!r}); remove it: custinfo never "
                    "reads a passphrase from its config (use passphrase_command or "
                    "passphrase_file)"
                ).format(path=where, key=key)
            )
    settings: dict[str, str] = {}
    for key, value in parsed.items():
        if not isinstance(value, str):
            raise UsageError(
                _("config file {path}: {key} must be text in quotes").format(path=where, key=key)
            )
        settings[key] = value
    return settings


def _all_keys(table: dict[str, object]) -> list[str]:
    keys = []
    for key, value in table.items():
        keys.append(key)
        if isinstance(value, dict):
            keys += _all_keys(value)
    return keys


def unknown(settings: dict[str, str]) -> list[str]:
    return [key for key in settings if key not in SETTINGS]


def setting(name: str) -> Setting:
    found = SETTINGS.get(name)
    if found is None:
        known = ", ".join(SETTINGS)
        raise UsageError(
            _("unknown setting {name!r}: one of {known}").format(name=name, known=known)
        )
    return found


def set_value(name: str, value: str | None, where: Path | None = None) -> Path:
    """Write `name = "value"` into the file (or remove the line when `value` is None),
    keeping every other line and comment; atomic, 0600. Returns the file's path."""
    where = where or path()
    if value is not None and looks_secret(name):  # never reached for known settings
        raise UsageError(_("refusing to store a secret in the config file"))
    try:
        lines = where.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = ["# custinfo settings: custinfo config set KEY VALUE (never a passphrase)"]
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    table_start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")),
                       len(lines))  # fmt: skip
    found = [i for i in range(table_start) if pattern.match(lines[i])]
    for index in reversed(found[1:]):
        del lines[index]
    if value is None:
        if found:
            del lines[found[0]]
    elif found:
        lines[found[0]] = f"{name} = {quote(value)}"
    else:
        lines.insert(table_start, f"{name} = {quote(value)}")
    _write(where, "\n".join(lines) + "\n")
    return where


def quote(value: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _write(where: Path, text: str) -> None:
    where.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = where.with_name(f".{where.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, where)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
