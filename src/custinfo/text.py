"""Text normalisation shared by validation, search and dedupe (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (U+FF01..U+FF5E) folds to half-width; the ideographic space to a space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# C0/C1 control characters other than tab and newline, plus DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_INLINE_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def _base(value: str) -> str:
    value = unicodedata.normalize("NFC", value).translate(_FULLWIDTH)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    # Folding can produce sequences NFC would compose differently; normalise again.
    return unicodedata.normalize("NFC", value)


def normalize_text(value: str) -> str:
    """One-line text: NFC, full-width ASCII folded, controls dropped, whitespace collapsed."""
    return _SPACES.sub(" ", _base(value)).strip()


def normalize_multiline(value: str) -> str:
    """Like `normalize_text`, but keeps line breaks (for notes): blank runs become one break."""
    value = _INLINE_SPACES.sub(" ", _base(value))
    return _NEWLINES.sub("\n", value).strip()


def fold(value: str) -> str:
    """Case-insensitive matching key: normalised, then case-folded."""
    return normalize_text(value).casefold()
