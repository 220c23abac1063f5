"""v9: reserved for another branch's migration (the lead's numbering: ORD v008, FLD v009).

A placeholder so the numbers stay contiguous on this branch (issue 15's migration is v010);
it changes nothing. Delete this file when the real v009 lands.
"""

STATEMENTS: list[str] = []
