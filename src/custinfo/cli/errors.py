"""The one place that turns exceptions into a one-line message and an exit code.

Exit codes: 0 ok; 1 runtime failure (I/O, disk full); 2 usage error or invalid input;
3 not found; 11 database locked; 12 wrong or missing passphrase, or not a custinfo database;
13 integrity check failed; 130 interrupted.
"""

from __future__ import annotations

import errno
import os
import sys

OK = 0
FAILURE = 1
USAGE = 2
NOT_FOUND = 3
LOCKED = 11
PASSPHRASE = 12
INTEGRITY = 13
INTERRUPTED = 130


def describe(exc: BaseException) -> tuple[int, str]:
    """(exit code, one-line message) for any exception; never a traceback or locals."""
    from custinfo.errors import CustinfoError
    from custinfo.i18n import _

    if isinstance(exc, CustinfoError):
        return exc.exit_code, " ".join(str(exc).split())  # one line, whatever it says
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED, _("interrupted; nothing half-saved")
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return FAILURE, _("disk is full: nothing was saved")
        where = f": {exc.filename}" if exc.filename else ""
        return FAILURE, f"{exc.strerror or exc.__class__.__name__}{where}"
    if type(exc).__module__.startswith("sqlcipher3"):
        from custinfo.store.db import classify

        error = classify(exc)
        return error.exit_code, str(error)
    if isinstance(exc, UnicodeError):
        reason = exc.reason if hasattr(exc, "reason") else exc
        return USAGE, _("text encoding problem: {reason}").format(reason=reason)
    return FAILURE, _("internal error ({name}); set CUSTINFO_DEBUG=1 for details").format(
        name=type(exc).__name__
    )


def report(exc: BaseException) -> int:
    """Print the message for `exc` on stderr and return its exit code."""
    code, message = describe(exc)
    if os.environ.get("CUSTINFO_DEBUG") and code == FAILURE:
        import traceback

        traceback.print_exception(exc)
    from custinfo.i18n import _

    print(_("custinfo: error: {message}").format(message=message), file=sys.stderr)
    return code


def usage_message(exc: BaseException) -> str:
    """The one-line message of a click usage error, in the user's language (click itself
    only speaks English: its common messages are rebuilt here from the exception's fields)."""
    from custinfo.i18n import language

    text = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    if language() == "en":
        return text
    try:
        return _translated_usage(exc, text)
    except Exception:  # a message in English beats a traceback
        return text


def _translated_usage(exc: BaseException, text: str) -> str:
    import re

    from custinfo.i18n import _, gap

    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    if kind == "NoSuchOption":
        message = _("No such option: {name}").format(name=exc.option_name)  # type: ignore[attr-defined]
        possible = getattr(exc, "possibilities", None)
        if possible:
            message += gap() + _("(Possible options: {names})").format(
                names=", ".join(sorted(possible))
            )
        return message
    if kind == "MissingParameter" and param is not None and not exc.message:  # type: ignore[attr-defined]
        name = param.get_error_hint()
        if param.param_type_name == "argument":
            return _("Missing argument {name}.").format(name=name)
        return _("Missing option {name}.").format(name=name)
    if kind == "BadParameter" and param is not None:
        return _("Invalid value for {name}: {reason}").format(
            name=param.get_error_hint(),
            reason=exc.message,  # type: ignore[attr-defined]
        )
    match = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", text)
    if match:
        return _("Got unexpected extra arguments ({args})").format(args=match.group(1))
    match = re.fullmatch(r"Option '(.*)' requires an argument\.", text)
    if match:
        return _("Option {name} requires a value.").format(name=repr(match.group(1)))
    match = re.fullmatch(r"Option '(.*)' does not take a value\.", text)
    if match:
        return _("Option {name} does not take a value.").format(name=repr(match.group(1)))
    return text
