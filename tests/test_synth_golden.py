"""Golden hashes: the synthetic generator's output is byte-identical for a given seed.

Benchmarks and recorded figures (docs/benchmarks.md) depend on `generate(n, seed=s)` never
changing; a deliberate change to the generator must update these hashes (and re-measure).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from custinfo.demo.synth import csv_row, generate

#: (seed, keyword arguments) -> sha256 of 2,000 records; recorded before the split into a package.
GOLDEN: dict[tuple[int, str], str] = {
    (0, ""): "e2a52fea8e502897a5d4199651c6448825d48f76b13281815689de5d3df4ba19",
    (7, ""): "ee46ac11cc01a11edd7f9adfa1f1bc1b0cd9d1f91284844ebb207e37d0ce2b57",
    (42, ""): "a267ea01b5d95940cd117e0a87bab72036f5feda11fc4e42fc5facc8fabad853",
    (5, "dup_share=0.4,namesake_share=0.1,sparse_share=0.3"): (
        "7cccea7fec1e40faf0704da90c5be908217b4b0bf734db28ded227d5d63a0618"
    ),
}


def _digest(seed: int, kwargs: str, n: int = 2000) -> str:
    kw = {k: float(v) for k, v in (p.split("=") for p in kwargs.split(",") if p)}
    h = hashlib.sha256()
    for c in generate(n, seed=seed, **kw):
        rec = dataclasses.asdict(c)  # every field, labels (cluster, locale, corruption) too
        h.update(json.dumps(rec, ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\x00")
        h.update(json.dumps(csv_row(c), ensure_ascii=False).encode())
        h.update(b"\x01")
    return h.hexdigest()


@pytest.mark.parametrize(("seed", "kwargs"), sorted(GOLDEN))
def test_output_is_byte_identical(seed: int, kwargs: str) -> None:
    assert _digest(seed, kwargs) == GOLDEN[seed, kwargs]
