"""Property: export | import into an empty database reproduces every customer field for
field (ids and source differ: the import assigns new ids and records `import:<name>`)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from custinfo.errors import ValidationError

AWKWARD = [*list(",;\"'\\\n\r\t =+-@#"), "王", "明", "😀", "é", "ｅ", "\u3000", "x", "Y", "7"]
text = st.text(st.one_of(st.sampled_from(AWKWARD), st.characters(codec="utf-8")), max_size=25)
PHONES = [
    "13800138000",
    "+44 20 7946 0018",
    "010-62345678 ext 23",
    "+1 650 253 0000",
    "+8613912345678",
]
emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.sampled_from(["anna", "o'neil+x", "Mixed.Case", "王", "a_b-c"]),
    st.sampled_from(["example.com", "Example.ORG", "mail.example.cn", "例子.中国"]),
)
TIMES = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
)
nonempty = text.map(lambda s: s + "z")
tag = text.map(lambda s: re.sub(r"[,\x00-\x1f\x7f-\x9f]", "", s) + "t")
customer = st.fixed_dictionaries(
    {
        "name": nonempty,
        "phones": st.lists(st.sampled_from(PHONES), max_size=3),
        "emails": st.lists(emails, max_size=2),
        "company": st.none() | text,
        "address": st.none() | text,
        "city": st.none() | text,
        "birthday": st.none() | st.dates(max_value=dt.date(2020, 1, 1)).map(str),
        "tags": st.lists(tag, max_size=3),
        "notes": st.lists(st.tuples(TIMES, nonempty), max_size=3),
    }
)


def _clear(store: Any) -> None:
    store.conn.execute("DELETE FROM customers")


def _load(store: Any, records: list[dict]) -> None:
    from custinfo import validation

    for record in records:
        fields = {k: v for k, v in record.items() if k != "notes"}
        try:
            new = validation.customer_input(region="CN", **fields)
            notes = [(at, validation.normalize_note(t)) for at, t in record["notes"]]
        except ValidationError:
            notes = None
        assume(notes is not None)
        cid = store.add(new, allow_duplicate=True)
        for at, note in notes:
            store.add_note(cid, note, at=at)


def _snapshot(store: Any) -> list[dict]:
    out = []
    for c in store.iter_all():
        record = c.to_dict()
        del record["id"], record["source"]
        for note in record["notes"]:  # new rows get new ids, like the customers
            del note["id"]
        out.append(record)
    return out


@pytest.mark.parametrize("fmt", ["csv", "excel", "ndjson", "json"])
def test_round_trip(store: Any, fmt: str) -> None:
    from custinfo.export import export
    from custinfo.importer import ImportOptions, run_import

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.lists(customer, min_size=1, max_size=4))
    def check(records: list[dict]) -> None:
        _clear(store)
        _load(store, records)
        before = _snapshot(store)
        buffer = io.StringIO(newline="")
        export(store, buffer, "csv" if fmt == "excel" else fmt, excel=fmt == "excel")
        _clear(store)
        options = ImportOptions(on_duplicate="add", region="CN", workers=0)
        summary = run_import(store, io.BytesIO(buffer.getvalue().encode("utf-8")), options)
        assert summary.rejected == 0, summary.problems
        assert _snapshot(store) == before

    check()
