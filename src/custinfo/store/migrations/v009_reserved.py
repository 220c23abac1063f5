"""v9: reserved for another branch's migration (the lead's numbering: ORD v008,
FLD v009, CON v010); a placeholder so the numbers stay contiguous on this branch (issue 13's
migration is v011). It changes nothing. Delete this file when the real one lands.
"""

STATEMENTS: list[str] = []
