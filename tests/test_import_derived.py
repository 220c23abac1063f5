"""An import stores exactly the derived data (search index, dedupe keys) that the write gate
(`derived.refresh`) computes for the same customers, also those merged by the import."""

from __future__ import annotations

import csv
import io

import pytest

from custinfo import validation
from custinfo.demo.synth import CSV_HEADER, csv_row, generate
from custinfo.importer import same
from custinfo.importer.engine import ImportOptions, run_import
from custinfo.store import derived
from custinfo.store.bulk import KeyOrdered


def _csv(n: int, seed: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_row(record) for record in generate(n, seed=seed))
    return out.getvalue().encode()


def _derived(conn) -> dict[str, list[tuple]]:
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, search_fts, row)"
    )
    tables = {
        "search_docs": "SELECT customer_id, name, company, city, other FROM search_docs",
        "search_phones": "SELECT rev, customer_id FROM search_phones",
        "search_emails": "SELECT rev, customer_id FROM search_emails",
        "dedupe_keys": "SELECT key, customer_id FROM dedupe_keys",
        "dedupe_forms": "SELECT * FROM dedupe_forms",
        "fts_terms": "SELECT term, doc FROM temp.fts_terms",
    }
    return {name: sorted(conn.execute(sql).fetchall()) for name, sql in tables.items()}


@pytest.mark.parametrize("policy,held", [("skip", None), ("merge", 97)])
def test_fast_derived_data_equals_the_gates_own(store, monkeypatch, policy, held) -> None:
    if held is not None:  # key-ordered batches written during the import, not only at its end
        monkeypatch.setattr(KeyOrdered, "PAIRS_LIMIT", held)
        monkeypatch.setattr(KeyOrdered, "ROWS_LIMIT", held // 3)
    monkeypatch.setattr(KeyOrdered, "FROM_CUSTOMERS", 0)  # as in a large database
    # An existing customer for the merge policy to merge into (it gets re-derived too).
    first = _csv(300, seed=11)
    run_import(store, io.BytesIO(first), ImportOptions(rejects=_Sink(), workers=0))
    # Two parallel chunks (parallel.CHUNK is 1,000 rows) and a tail of known customers.
    data = _csv(1600, seed=12) + b"\n".join(first.splitlines()[1:40]) + b"\n"
    summary = run_import(
        store, io.BytesIO(data), ImportOptions(on_duplicate=policy, rejects=_Sink(), workers=2)
    )
    assert summary.committed and summary.imported > 1000
    if policy == "merge":
        assert summary.merged > 0
    conn = store.conn
    fast = _derived(conn)
    assert fast["search_docs"] and fast["dedupe_keys"] and fast["fts_terms"]
    assert len(fast["dedupe_forms"]) == len(fast["search_docs"])
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    with store.db.transaction() as tx:
        derived.removed(tx, ids)
        assert not _derived(tx)["search_docs"]
        for cid in ids:
            derived.refresh(tx, [cid])
    assert _derived(conn) == fast


def _latin(i: int) -> str:
    letters = ""
    while True:
        i, digit = divmod(i, 26)
        letters += chr(ord("a") + digit)
        if not i:
            return f"Ann {letters.capitalize()}"


@pytest.mark.parametrize(("held", "cached"), [(None, None), (500, None), (None, 1), (500, 1)])
def test_a_contactless_row_repeated_chunks_later_is_found(store, monkeypatch, held, cached) -> None:
    # Row 2,300 repeats row 10 (no phone, no email): found through the names kept loaded,
    # or (cached=1: every earlier name dropped) through its dedupe keys, which the write
    # gate may still hold back when the later chunk looks them up.
    if held is not None:
        monkeypatch.setattr(KeyOrdered, "PAIRS_LIMIT", held)
        monkeypatch.setattr(KeyOrdered, "ROWS_LIMIT", held // 3)
    if cached is not None:
        monkeypatch.setattr(same, "CACHED_NAMES", cached)
    monkeypatch.setattr(KeyOrdered, "FROM_CUSTOMERS", 0)  # as in a large database
    lines = ["name,city", *(f"{_latin(i)},Hangzhou" for i in range(2400))]
    lines.insert(2301, lines[11])
    data = ("\n".join(lines) + "\n").encode()
    summary = run_import(store, io.BytesIO(data), ImportOptions(workers=0))
    assert (summary.imported, summary.skipped) == (2400, 1)


def test_a_merge_reloads_the_names_it_may_have_changed(store) -> None:
    # Chunk 1 merges a company into the stored "Ann Stored"; chunk 2's row with another
    # company is then a different person (kept names would still show no company).
    store.add(validation.customer_input(name="Ann Stored", region="CN"))
    lines = ["name,company", "Ann Stored,ACME", *(f"{_latin(i)}," for i in range(1000))]
    lines.append("Ann Stored,Other Ltd")
    data = ("\n".join(lines) + "\n").encode()
    options = ImportOptions(workers=0, on_duplicate="merge")
    summary = run_import(store, io.BytesIO(data), options)
    assert (summary.merged, summary.imported) == (1, 1001)


class _Sink:
    """A RejectsWriter stand-in that keeps nothing."""

    def start_csv(self, header, delimiter) -> None:
        pass

    def start_json(self) -> None:
        pass

    def write(self, record, message) -> None:
        pass
