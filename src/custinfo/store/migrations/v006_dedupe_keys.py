"""v6: dedupe keys of two more kinds (issue 17), and a place for the fitted model.

`dedupe_keys` gains `y|birthday|number` (birthday with the first or last number of the
address) and `s|number street` (house number and street name): FEBRL-style duplicates with
a typo in the name, a changed postcode or suburb still meet. `upgrade` recomputes every
customer's keys. The fitted dedupe model lives in `meta` (key `dedupe_model`); a model
stored before this version (none was) would be dropped.
"""

from typing import Any

STATEMENTS = ["DELETE FROM meta WHERE key = 'dedupe_model'"]


def upgrade(conn: Any) -> None:
    from custinfo.dedupe import keys as dedupe_keys

    dedupe_keys.rebuild(conn)
