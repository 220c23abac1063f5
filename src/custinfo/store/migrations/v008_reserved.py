"""v8: reserved for the orders migration (ORD); a no-op until it lands.

Versions must be contiguous and custom fields were assigned v009. Delete this file when
the orders branch (its own `v008_*.py`) is merged.
"""

STATEMENTS: list[str] = []
