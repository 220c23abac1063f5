"""Deterministic synthetic-customer generator.

Produces realistic, *labelled* customer records for a small business in China with
international customers: ~60% zh_CN, ~25% en_US and ~15% other locales.  Each record
carries its ground-truth identity (``cluster``); duplicate records of the same person
carry realistic corruptions (listed in ``corruption``), namesakes are different people
sharing a common name, and sparse records have neither phone nor e-mail.

Faker is used only to build small pools once per process (with a fixed seed); all
per-record sampling uses a private ``random.Random(seed)``, so output is identical for
the same seed across runs and processes, and fast (~60k records/s, ~16 µs each).

Modules: `record` (the record, `csv_row`, `to_fields`, the label names), `data` (static
tables), `phones` (number blocks and typing styles), `pools` (built with Faker), `people`
(the generator state, people and duplicates), `corrupt` (the corruptions).  Only
`custinfo demo`, the tests and `bench/` import this package (tests/test_synth.py checks).
"""

from __future__ import annotations

from collections.abc import Iterator

from custinfo.demo.synth.people import _Gen, _Person
from custinfo.demo.synth.record import (
    CORRUPTIONS,
    CSV_HEADER,
    LOCALE_WEIGHTS,
    SynthCustomer,
    csv_row,
    to_fields,
)

__all__ = [
    "CORRUPTIONS",
    "CSV_HEADER",
    "LOCALE_WEIGHTS",
    "SynthCustomer",
    "csv_row",
    "generate",
    "to_fields",
]

_RESERVOIR = 50_000
_MAX_CLUSTER = 4


def generate(
    n: int,
    *,
    seed: int = 0,
    dup_share: float = 0.15,
    namesake_share: float = 0.02,
    sparse_share: float = 0.05,
) -> Iterator[SynthCustomer]:
    """Yield exactly ``n`` synthetic customers, deterministically for ``seed``.

    About ``dup_share`` of the records are extra (corrupted) records of an earlier
    person (same ``cluster``), spread through the output; about ``namesake_share``
    are new people named exactly like an earlier person; about ``sparse_share`` of
    people have no phone and no e-mail (name, address and birthday only).  Cluster ids
    are 0, 1, 2, ... in order of a person's first appearance.  Duplicates are drawn
    from a uniform reservoir of up to 50,000 earlier people, so memory stays bounded.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    for nm, v in (("dup_share", dup_share), ("namesake_share", namesake_share)):
        if not 0.0 <= v < 1.0:
            raise ValueError(f"{nm} must be in [0, 1)")
    if not 0.0 <= sparse_share <= 1.0:
        raise ValueError("sparse_share must be in [0, 1]")
    if dup_share + namesake_share >= 1.0:
        raise ValueError("dup_share + namesake_share must be < 1")
    return _generate(n, seed, dup_share, namesake_share, sparse_share)


def _generate(
    n: int, seed: int, dup_share: float, namesake_share: float, sparse_share: float
) -> Iterator[SynthCustomer]:
    g = _Gen(seed)
    r = g.r
    res: list[_Person] = []
    people = 0
    ns_cut = dup_share + namesake_share
    for _ in range(n):
        x = r.random()
        if x < dup_share and res:
            per = None
            for _try in range(4):
                cand = res[r.randrange(len(res))]
                size = cand.copies + 1
                if size < _MAX_CLUSTER and (size == 1 or r.random() < 0.35):
                    per = cand
                    break
            if per is not None:
                per.copies += 1
                yield g.duplicate(per)
                continue
        name_from = res[r.randrange(len(res))] if x >= dup_share and x < ns_cut and res else None
        per = g.new_person(people, r.random() < sparse_share, name_from)
        people += 1
        if len(res) < _RESERVOIR:
            res.append(per)
        else:
            j = r.randrange(people)
            if j < _RESERVOIR:
                res[j] = per
        yield per.rec
