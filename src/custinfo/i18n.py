"""Messages in the user's language: `_()` for a message, `plural()` for a count.

The language is chosen once per process, first that is set: `CUSTINFO_LANG`, the config
file's `language`, then `LC_ALL`, `LC_MESSAGES`, `LANG` (POSIX order). Any `zh*` value
means Simplified Chinese (`zh_CN`); anything else English, the default. The catalogue is
`custinfo/locale/zh_CN/LC_MESSAGES/custinfo.mo` (gettext; extracted with Babel, see
`babel.cfg`), loaded on the first message that needs it, so English runs never import
gettext.

Messages defined at import time (a table of summaries) are marked with `N_()` and
translated where they are shown. A message keeps its one-line form in every language.

The rule: a message is translated where it is built. The core calls `_()` when it raises
or returns a text for people, so an exception's `str()` is already in the user's language
(docs/architecture.md, "Help, language and settings").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DOMAIN = "custinfo"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh_CN")
ENV_LANG = "CUSTINFO_LANG"

_state: dict[str, Any] = {"language": None, "catalogue": None, "configured": None}


def N_(message: str) -> str:
    """Mark `message` for extraction; translated later, where it is shown."""
    return message


def normalize(value: str | None) -> str | None:
    """`zh`, `zh-CN`, `zh_CN.UTF-8`, `zh_TW` → zh_CN; `en*`, `C`, `POSIX` → en; else None."""
    if not value:
        return None
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en") or code in ("c", "posix"):
        return "en"
    return None


def configure(language: str | None) -> None:
    """The config file's `language` (called once at start-up, before any message)."""
    _state["configured"] = language
    _state["language"] = None
    _state["catalogue"] = None


def language() -> str:
    """The language of this process: `en` or `zh_CN`."""
    if _state["language"] is None:
        chosen = normalize(os.environ.get(ENV_LANG)) or normalize(_state["configured"])
        if chosen is None:
            for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
                value = os.environ.get(name)
                if value:  # the first one set decides, as in POSIX
                    chosen = normalize(value)
                    break
        _state["language"] = chosen or "en"
    return str(_state["language"])


def _catalogue() -> Any:
    if _state["catalogue"] is None:
        import gettext

        _state["catalogue"] = gettext.translation(
            DOMAIN, LOCALE_DIR, languages=[language()], fallback=True
        )
    return _state["catalogue"]


def _(message: str) -> str:
    """`message` in the user's language (unchanged in English or when untranslated)."""
    if language() == "en":
        return message
    return str(_catalogue().gettext(message))


def gap() -> str:
    """What joins two sentences: a space in English, nothing in Chinese."""
    return " " if language() == "en" else ""


def plural(n: int, noun: str, noun_plural: str | None = None) -> str:
    """`1 customer`, `2 customers`, `23,104 rows` (`1 位客户` in Chinese): the one place for
    counted nouns. Give `noun_plural` when it is not `noun + "s"`. Both forms are catalogue
    messages, `{n} customer` and `{n} customers` (the catalogue reads every `plural()` call),
    so a counted noun is translated apart from the same word as a table header."""
    message = "{n} " + (noun if n == 1 else (noun_plural or noun + "s"))
    return _(message).format(n=f"{n:,}")
