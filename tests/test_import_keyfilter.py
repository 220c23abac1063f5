"""The duplicate-key Bloom filter changes how an import finds duplicates, never what it
finds: the same import with and without it stores the same customers."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custinfo.importer import engine
from custinfo.importer.engine import ImportOptions, run_import
from custinfo.importer.keyfilter import KeyFilter
from custinfo.store import Store
from tests.conftest import PASSPHRASE as SHARED
from tests.test_import_derived import _csv, _Sink

PASSPHRASE = SHARED.encode()


@given(st.sets(st.text(min_size=1, max_size=30), max_size=200))
def test_filter_has_no_false_negatives(keys: set[str]) -> None:
    known = KeyFilter()
    known.update(keys)
    assert all(key in known for key in keys)


def test_filter_rejects_most_unknown_keys() -> None:
    known = KeyFilter()
    known.update(f"p+86138{i:08d} " for i in range(100_000))
    false = sum(f"p+86139{i:08d} " in known for i in range(20_000))
    assert false < 20  # ~0.0005% expected at this fill


def _load(path, data_sets: list[bytes], policy: str) -> tuple[list, list]:
    Store.create(path, PASSPHRASE, region="CN").close()
    summaries = []
    with Store.open(path, PASSPHRASE) as store:
        for data in data_sets:
            options = ImportOptions(on_duplicate=policy, rejects=_Sink(), workers=0)
            summaries.append(run_import(store, io.BytesIO(data), options).line())
        rows = [_timeless(store.get(r[0]).to_dict()) for r in store.conn.execute(
            "SELECT id FROM customers ORDER BY id"
        )]  # fmt: skip
    return summaries, rows


def _timeless(record: dict) -> str:
    """The record without the import's clock (the two runs happen at different times)."""
    record = {k: v for k, v in record.items() if k not in ("created_at", "updated_at")}
    record["notes"] = [note["text"] for note in record["notes"]]
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("policy", ["skip", "merge"])
def test_import_with_filter_equals_without(tmp_path, monkeypatch, policy: str) -> None:
    first = _csv(400, seed=21)
    second = _csv(900, seed=22) + b"\n".join(first.splitlines()[1:120]) + b"\n"
    monkeypatch.setattr(engine, "FILTER_MIN_ROWS", 10**9)
    plain = _load(tmp_path / "plain.db", [first, second], policy)
    monkeypatch.setattr(engine, "FILTER_MIN_ROWS", 0)  # from the first chunk on
    filtered = _load(tmp_path / "filtered.db", [first, second], policy)
    met = "skipped" if policy == "skip" else "merged"
    assert f"{met} 0," not in plain[0][1]  # the second import does meet duplicates
    assert filtered == plain
