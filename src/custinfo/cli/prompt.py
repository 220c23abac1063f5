"""Questions at the terminal: is there one, confirm, read a key (scriptable in tests)."""

from __future__ import annotations

import sys


def interactive() -> bool:
    """True when a person can answer: stdin and stdout are both a terminal."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def read_key(prompt: str) -> str:
    """Show `prompt` on stderr and read one answer line from stdin ("" at end of input)."""
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        return "q"
    return line.strip()


def confirm(question: str) -> bool:
    return read_key(f"{question} [y/N] ").lower() in ("y", "yes")
