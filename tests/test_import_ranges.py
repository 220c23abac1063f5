"""`IdRanges` (the ids an import inserted, kept as runs) behaves like the plain list."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from custinfo.store.bulk import IdRanges


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=30))
def test_ranges_equal_the_list_of_ids(steps: list[tuple[int, int]]) -> None:
    ranges, plain, next_id = IdRanges(), [], 1
    for gap, size in steps:  # consecutive batches, sometimes with a gap between them
        batch = range(next_id + gap, next_id + gap + size)
        ranges.add(batch)
        plain.extend(batch)
        next_id = batch.stop
    assert list(ranges) == plain and len(ranges) == len(plain)
    assert len(ranges.runs) <= len(steps)
    for probe in range(0, next_id + 2):
        assert (probe in ranges) == (probe in plain)
