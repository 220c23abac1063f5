"""Per-process state shared by commands: options, the passphrase, the one open store.

The key is derived once per process (SQLCipher's KDF costs ~0.1 s by design).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from custinfo.store import Store

_defaults: dict[str, Path | None] = {"db": None, "passphrase_file": None}
_store: Store | None = None

# Shared options (sqlite-utils style): accepted on every command that opens the database.
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file (else $CUSTINFO_DB, else the user data dir)."),
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option("--passphrase-file", help="Read the passphrase from this file's first line."),
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="Region for phones without +country code (default: the db's)."),
]


def set_defaults(*, db: Path | None, passphrase_file: Path | None) -> None:
    _defaults["db"] = db
    _defaults["passphrase_file"] = passphrase_file


def db_path(db: Path | None = None) -> Path:
    from custinfo.paths import database_path

    return database_path(db or _defaults["db"])


def passphrase_key(passphrase_file: Path | None = None, *, confirm: bool = False) -> bytes:
    """The key from the configured source, else a no-echo prompt on a terminal."""
    from custinfo import passphrase
    from custinfo.cli import terminal
    from custinfo.errors import PassphraseError

    value = passphrase.from_sources(passphrase_file or _defaults["passphrase_file"])
    if value is None:
        if not terminal.person_present():
            raise PassphraseError(
                f"no passphrase and no terminal to ask on: {passphrase.SOURCES_HINT}"
            )
        value = terminal.read_secret("Passphrase: ")
        if confirm and terminal.read_secret("Repeat passphrase: ") != value:
            raise PassphraseError("the passphrases do not match")
    return passphrase.to_key(value)


def open_store(db: Path | None = None, passphrase_file: Path | None = None) -> Store:
    """The store for this process, opened (and the key derived) on first use."""
    global _store
    if _store is None:
        from custinfo.store import Store

        path = db_path(db)
        if not path.exists():
            from custinfo.errors import UsageError

            raise UsageError(f"no database at {path} (create one with 'custinfo init')")
        _store = Store.open(path, passphrase_key(passphrase_file))
        _store.on_redirect = _report_redirect
        _store.on_notice = _report_notice
    return _store


def _report_redirect(old: int, keep: int) -> None:
    print(f"custinfo: customer {old} was merged into {keep}", file=sys.stderr)


def _report_notice(message: str) -> None:
    print(f"custinfo: warning: {message}", file=sys.stderr)


def region(store: Store, override: str | None) -> str:
    from custinfo.validation import check_region

    return check_region(override) if override else store.region


def close() -> None:
    global _store
    if _store is not None:
        _store.close()
        _store = None
