"""Placeholder (owned by another feature branch; dropped at merge)."""

STATEMENTS: list[str] = []
