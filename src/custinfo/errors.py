"""Exceptions raised by the core library.

Each class carries the process exit code that the CLI maps it to; the core itself never
prints or exits. Messages must never contain personal data beyond what the user typed in
the failing command (for example the value that failed validation).
"""

from __future__ import annotations


class CustinfoError(Exception):
    """Base class: a runtime failure (exit 1)."""

    exit_code = 1


class UsageError(CustinfoError):
    """The command was used wrongly (exit 2)."""

    exit_code = 2


class ValidationError(UsageError):
    """A value failed validation (exit 2). `field` names the field, when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DuplicateError(ValidationError):
    """A phone or email already belongs to another customer (exit 2)."""

    def __init__(self, message: str, existing_id: int, field: str | None = None) -> None:
        super().__init__(message, field)
        self.existing_id = existing_id


class NotFoundError(CustinfoError):
    """An id (or other named object) does not exist (exit 3)."""

    exit_code = 3


class DatabaseLockedError(CustinfoError):
    """Another process holds the database past the busy timeout (exit 11)."""

    exit_code = 11


class PassphraseError(CustinfoError):
    """Wrong or missing passphrase, or not a custinfo database (exit 12)."""

    exit_code = 12


class IntegrityCheckError(CustinfoError):
    """An integrity or verification check failed (exit 13)."""

    exit_code = 13


class SuppressedError(ValidationError):
    """A phone or email belongs to an erased person and is suppressed (exit 2)."""


class BackupLockedError(DatabaseLockedError):
    """Another `backup create` is running on the same backup folder (exit 11)."""
