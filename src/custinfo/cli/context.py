"""Per-process state shared by commands: options, settings, the passphrase, the one store.

The key is derived once per process (SQLCipher's KDF costs ~0.1 s by design). Settings
follow one precedence: the option, then the environment variable, then the config file
(`custinfo.config`), then the default.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from custinfo.store import Store

_defaults: dict[str, Path | None] = {"db": None, "passphrase_file": None}
_store: Store | None = None
_settings: dict[str, str] | None = None
_held = False  # keep the store open across runs (`hold_store`)

# Shared options (sqlite-utils style): accepted on every command that opens the database.
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="FILE",
        help="Database file (else $CUSTINFO_DB, the config, the user data dir).",
    ),
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file", metavar="FILE", help="Read the passphrase from this file's first line."
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="CC",
        help="Region for phones without +country code (default: the db's).",
    ),
]


def set_defaults(*, db: Path | None, passphrase_file: Path | None) -> None:
    _defaults["db"] = db
    _defaults["passphrase_file"] = passphrase_file


def load_settings() -> dict[str, str]:
    """The config file's settings, read once per process (UsageError if it holds a secret);
    applies the language and the pager, and warns about unknown keys."""
    global _settings
    if _settings is None:
        from custinfo import config, i18n
        from custinfo.cli import terminal

        _settings = {}  # an unreadable file is reported once, not on every lookup
        loaded = config.load()
        i18n.configure(loaded.get("language"))
        terminal.set_pager(loaded.get("pager"))
        _settings = loaded
        for key in config.unknown(loaded):
            from custinfo.i18n import _

            print(_("custinfo: warning: unknown setting {key!r} in {path} (ignored)").format(
                key=key, path=config.path()), file=sys.stderr)  # fmt: skip
    return _settings


def setting(name: str) -> str | None:
    """A setting from the environment, else the config file (None: the default applies)."""
    from custinfo.config import SETTINGS

    env = SETTINGS[name].env
    if env and os.environ.get(env):
        return os.environ[env]
    return load_settings().get(name) or None


def source(name: str) -> str:
    """Where `setting(name)` comes from: `env`, `config` or `default`."""
    from custinfo.config import SETTINGS

    env = SETTINGS[name].env
    if env and os.environ.get(env):
        return "env"
    return "config" if load_settings().get(name) else "default"


def db_path(db: Path | None = None) -> Path:
    """--db (after or before the command), else CUSTINFO_DB, else the config, else the
    platform's user data dir."""
    from custinfo.paths import database_path

    chosen = db or _defaults["db"]
    if chosen is None and (configured := setting("db")):
        chosen = Path(configured)
    return database_path(chosen)


def backup_dir(option: Path | None = None) -> Path | None:
    """--to, else CUSTINFO_BACKUP_DIR, else the config (None: beside the database)."""
    configured = setting("backup_dir")
    return option or (Path(configured).expanduser() if configured else None)


def passphrase_value(passphrase_file: Path | None = None) -> str | None:
    """The passphrase from the first configured source, without prompting (None if none):
    --passphrase-file, the CUSTINFO_PASSPHRASE* variables, then the config's
    passphrase_command or passphrase_file."""
    from custinfo import passphrase

    value = passphrase.from_sources(passphrase_file or _defaults["passphrase_file"])
    if value is None:
        settings = load_settings()
        if settings.get("passphrase_command"):
            value = passphrase.run_passphrase_command(settings["passphrase_command"])
        elif settings.get("passphrase_file"):
            value = passphrase.read_passphrase_file(Path(settings["passphrase_file"]).expanduser())
    return value


def passphrase_key(passphrase_file: Path | None = None, *, confirm: bool = False) -> bytes:
    """The key from the configured source, else a no-echo prompt on a terminal."""
    from custinfo import passphrase
    from custinfo.cli import terminal
    from custinfo.errors import PassphraseError
    from custinfo.i18n import _

    value = passphrase_value(passphrase_file)
    if value is None:
        if not terminal.person_present():
            raise PassphraseError(
                _("no passphrase and no terminal to ask on: {hint}").format(
                    hint=_(passphrase.SOURCES_HINT)
                )
            )
        value = terminal.read_secret(_("Passphrase: "))
        if confirm and terminal.read_secret(_("Repeat passphrase: ")) != value:
            raise PassphraseError(_("the passphrases do not match"))
    return passphrase.to_key(value)


def new_passphrase_key(
    source: Path | None = None, *, force_weak: bool = False, configured: bool = True
) -> bytes:
    """The key for a new passphrase (`init`, `passwd`): from `source` (a private file), else
    (when `configured`) a configured source, else asked twice on the terminal. Warns that a
    lost passphrase loses the data; a passphrase under 8 characters needs `force_weak`."""
    from custinfo import passphrase
    from custinfo.cli import terminal
    from custinfo.errors import PassphraseError, UsageError
    from custinfo.i18n import _

    if source is not None:
        value = passphrase.read_passphrase_file(source)
    else:
        value = passphrase_value() if configured else None
    if value is None:
        if not terminal.person_present():
            hint = _(passphrase.SOURCES_HINT) if configured else _("use --new-passphrase-file")
            raise PassphraseError(
                _("no new passphrase and no terminal to ask on: {hint}").format(hint=hint)
            )
        value = terminal.read_new_passphrase(force_weak=force_weak)
    else:
        if value and len(value) < terminal.MIN_LENGTH and not force_weak:
            raise UsageError(
                _(
                    "the new passphrase has only {n} characters; use at least {min}, "
                    "or add --force-weak"
                ).format(n=len(value), min=terminal.MIN_LENGTH)
            )
        if not terminal.quiet():
            print(_(terminal.NEW_PASSPHRASE_WARNING), file=sys.stderr)
    return passphrase.to_key(value)


def open_store(db: Path | None = None, passphrase_file: Path | None = None) -> Store:
    """The store for this process, opened (and the key derived) on first use."""
    global _store
    if _store is None:
        from custinfo.store import Store

        path = db_path(db)
        if not path.exists():
            from custinfo.errors import UsageError
            from custinfo.i18n import _

            raise UsageError(
                _("no database at {path} (create one with 'custinfo init')").format(path=path)
            )
        _store = Store.open(path, passphrase_key(passphrase_file))
        _store.on_redirect = _report_redirect
        _store.on_notice = _report_notice
    return _store


def _report_redirect(old: int, keep: int) -> None:
    from custinfo.cli import terminal
    from custinfo.i18n import _

    if not terminal.quiet():
        print(
            _("custinfo: customer {old} was merged into {keep}").format(old=old, keep=keep),
            file=sys.stderr,
        )


def _report_notice(message: str) -> None:
    """A write unit's notice (already translated by its author): always shown, even with
    -q, since it says a person was kept unreachable."""
    from custinfo.i18n import _

    print(_("custinfo: warning: {message}").format(message=message), file=sys.stderr)


def region(store: Store | None, override: str | None) -> str:
    """--region, else CUSTINFO_REGION, else the config's region, else the database's."""
    from custinfo.validation import check_region

    chosen = override or setting("region")
    if chosen:
        return check_region(chosen)
    return store.region if store is not None else "CN"


def hold_store(held: bool) -> None:
    """Keep the store open from one `run()` to the next (the demo's tour runs many commands
    on one database: one key derivation instead of one per command); False closes it."""
    global _held
    _held = held
    if not held:
        close()


def close() -> None:
    """Close the store and forget per-process state (the CLI runs many times in tests)."""
    global _store, _settings
    if _store is not None and not _held:
        _store.close()
        _store = None
    _settings = None
    _defaults.update(db=None, passphrase_file=None)
