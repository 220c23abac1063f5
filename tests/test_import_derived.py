"""An import stores exactly the derived data (search index, dedupe keys) that the write gate
(`derived.refresh`) computes for the same customers, also those merged by the import."""

from __future__ import annotations

import csv
import io

import pytest

from custinfo.demo.synth import CSV_HEADER, csv_row, generate
from custinfo.importer.engine import ImportOptions, run_import
from custinfo.store import derived


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


@pytest.mark.parametrize("policy", ["skip", "merge"])
def test_fast_derived_data_equals_the_gates_own(store, policy: str) -> None:
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


class _Sink:
    """A RejectsWriter stand-in that keeps nothing."""

    def start_csv(self, header, delimiter) -> None:
        pass

    def start_json(self) -> None:
        pass

    def write(self, record, message) -> None:
        pass
