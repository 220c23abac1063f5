"""Placeholder for the search migration (owned by the find/tag work; dropped at merge)."""

STATEMENTS: list[str] = []
