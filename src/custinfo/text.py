"""Text normalisation shared by validation, search and dedupe (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata

# Full-width letters and digits fold to ASCII, the ideographic space to a space. Full-width
# punctuation (，。（）：) is correct Chinese typography and is kept in text; phones and emails
# fold every full-width ASCII character (`fold_symbols=True`).
_ALNUM = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in _ALNUM} | {0x3000: 0x20}
_FULLWIDTH_ALL = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# C0/C1 control characters other than tab and newline, plus DEL.
_FOLDABLE = re.compile("[\uff01-\uff5e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_INLINE_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def _base(value: str, fold_symbols: bool = False) -> str:
    table = _FULLWIDTH_ALL if fold_symbols else _FULLWIDTH
    value = unicodedata.normalize("NFC", value).translate(table)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    # Folding can produce sequences NFC would compose differently; normalise again.
    return unicodedata.normalize("NFC", value)


def normalize_text(value: str, *, fold_symbols: bool = False) -> str:
    """One-line text: NFC, full-width letters/digits folded, controls dropped, spaces collapsed."""
    if _already_plain(value):  # fast path with the same result (bulk import speed)
        return " ".join(value.split())
    return _SPACES.sub(" ", _base(value, fold_symbols)).strip()


def _already_plain(value: str) -> bool:
    """True if only space-collapsing can change `value`: it is printable (so no controls,
    line breaks or whitespace other than U+0020), NFC, and has nothing to fold."""
    return value.isprintable() and (
        value.isascii()
        or (unicodedata.is_normalized("NFC", value) and _FOLDABLE.search(value) is None)
    )


def normalize_multiline(value: str) -> str:
    """Like `normalize_text`, but keeps line breaks (for notes): blank runs become one break."""
    value = _INLINE_SPACES.sub(" ", _base(value))
    return _NEWLINES.sub("\n", value).strip()


#: Categories that show nothing on their own: controls, format characters (zero-width
#: space, joiners, direction marks, BOM), surrogates, private use, unassigned, separators,
#: and combining marks with no base character.
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"))
#: Letters and symbols that are drawn blank (Hangul fillers, the braille blank, Khmer
#: inherent vowels).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


_ASCII_UNSEEN = "".join(chr(cp) for cp in range(128) if not 0x21 <= cp <= 0x7E)


def has_visible(value: str) -> bool:
    """True if `value` shows at least one character (a name of only zero-width spaces or
    Hangul fillers looks empty, and so cannot be told from another)."""
    if value.isascii():
        return bool(value.strip(_ASCII_UNSEEN))
    category = unicodedata.category
    first = value[0]  # normalised text starts with what is seen, nearly always: one lookup
    if category(first) not in _INVISIBLE and first not in _BLANK:
        return True
    return any(category(ch) not in _INVISIBLE and ch not in _BLANK for ch in value)


def fold(value: str) -> str:
    """Case-insensitive matching key: normalised, then case-folded."""
    return normalize_text(value).casefold()


def width_of(text: str) -> int:
    """Terminal columns of `text` (East Asian wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
