"""v10: reserved for another branch's migration (the lead's numbering: CON v010).

A placeholder so the numbers stay contiguous on this branch (the reports' migration is
v013); it changes nothing. Delete this file when the real v010 lands.
"""

STATEMENTS: list[str] = []
