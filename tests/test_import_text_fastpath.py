"""`text.normalize_text` has a fast path for already-plain text; it must change nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo.text import _SPACES, _base, normalize_text
from tests.budget import examples

ODD = list(" \t\n\r\x0b\x1c\x85\xa0\u3000\u2028\u200b\ufeffＡａ０！～e\u0301é王 x")


@settings(max_examples=examples(500), deadline=None)
@given(st.text(st.one_of(st.sampled_from(ODD), st.characters(codec="utf-8")), max_size=30))
def test_fast_path_matches_full_normalisation(value: str) -> None:
    for fold_symbols in (False, True):
        slow = _SPACES.sub(" ", _base(value, fold_symbols)).strip()
        assert normalize_text(value, fold_symbols=fold_symbols) == slow
