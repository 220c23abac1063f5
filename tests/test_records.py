"""Every customer record is declared once, and everything covers every declaration.

- The schema: every table that references customers is a record kind, derived data or merge
  history, and is erased with the customer (ON DELETE CASCADE); every other table is known.
- Each kind, given one row with a unique marker: merge moves it, unmerge gives it back
  exactly, subject lists it, purge leaves no row of the customer anywhere.
- The one road for writes: outside `custinfo.store`, no module writes SQL, except derived
  data implementations, to the tables they declare; the CLI never touches `store.conn`/`.db`.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from custinfo import validation
from custinfo.store import Store, derived, records

SRC = Path(__file__).resolve().parent.parent / "src" / "custinfo"

#: Tables that hold no customer records, and why each is safe.
OTHER_TABLES = {
    "meta": "settings and per-database keys",
    "audit": "what happened: command, time, count, field names (never values)",
    "audit_customers": "audit links; purge deletes a person's links explicitly",
    "tags": "tag labels; a tag left on nobody is deleted by tag remove and purge",
    "suppressed": "keyed HMACs of erased contacts, never the values",
    "purge_log": "anonymous purge tombstones (uid, time, count, reason)",
    "purposes": "processing purposes: key, label, basis, retention rule (no customer data)",
    "optouts": "keyed HMACs of opted-out contacts, never the values; purge keeps them",
    "sqlite_sequence": "SQLite's AUTOINCREMENT counters",
    "field_defs": "custom field declarations: key, label, type, choices (no customer data)",
}


def _tables(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts%' "
            "ORDER BY name"
        )
    ]


def _derived_tables() -> set[str]:
    return {t for impl in derived.implementations() for t in impl.writes if "." not in t}


def test_every_table_that_references_customers_is_covered(store: Store) -> None:
    conn = store.conn
    kinds = {kind.table for kind in records.KINDS}
    covered = kinds | _derived_tables() | set(records.HISTORY_TABLES)
    for table in _tables(conn):
        refs = [
            r for r in conn.execute(f"SELECT * FROM pragma_foreign_key_list('{table}')")
            if r[2] == "customers"
        ]  # fmt: skip
        if table == "customers":
            continue
        if refs:
            assert table in covered, f"{table} references customers but is not declared"
            assert all(r[6] == "CASCADE" for r in refs), f"{table}: not ON DELETE CASCADE"
        else:
            assert table in OTHER_TABLES or table in covered, (
                f"table {table} is neither a record kind, derived data, history nor known: "
                "declare it in custinfo.store.records (or explain it in OTHER_TABLES)"
            )
    for kind in records.KINDS:
        assert kind.example is not None, f"kind {kind.name} has no example row"


def _marker(index: int) -> str:
    return f"{73920400 + index:08d}"


def _customer(store: Store, name: str) -> int:
    return store.add(validation.customer_input(name=name, region="CN"))


def _give_examples(store: Store, cid: int) -> dict[str, str]:
    markers = {}
    with store.write("test") as w:
        for index, kind in enumerate(records.KINDS):
            marker = _marker(index + 10 * cid)
            kind.insert(w.conn, cid, [kind.example(marker)])  # type: ignore[misc]
            w.touch(kind.name, [cid])
            markers[kind.name] = marker
    return markers


def _rows(store: Store, cid: int) -> dict[str, list[tuple]]:
    return {kind.name: [r[1:] for r in kind.rows(store.conn, cid)] for kind in records.KINDS}


def test_each_kind_through_merge_unmerge_subject_and_purge(store: Store) -> None:
    from custinfo.export import export
    from custinfo.privacy import purge
    from custinfo.privacy.access_report import report

    keep = _customer(store, "Kept Person")
    other = _customer(store, "Absorbed Person")
    markers = _give_examples(store, other)
    before_keep, before_other = _rows(store, keep), _rows(store, other)
    for name, rows in before_other.items():
        assert rows, f"{name}: the example row was not stored"

    store.merge(keep, [other])
    merged = _rows(store, keep)
    for kind in records.KINDS:
        for row in before_other[kind.name]:
            assert row in merged[kind.name], f"merge lost {kind.name}"
    subject = json.dumps(report(store, keep), ensure_ascii=False)
    for name, marker in markers.items():
        assert marker in subject, f"subject does not list {name}"

    assert store.unmerge(keep) == [other]
    assert _rows(store, keep) == before_keep
    assert _rows(store, other) == before_other
    for fmt in ("json", "ndjson"):
        out = io.StringIO()
        export(store, out, fmt, ids=[other])
        for name, marker in markers.items():
            assert marker in out.getvalue(), f"export --format {fmt} does not carry {name}"

    purge.purge(store, [other], reason="test")
    conn = store.conn
    derived_tables = _derived_tables()
    for table in _tables(conn):
        columns = {
            ref[3] for ref in conn.execute(f"SELECT * FROM pragma_foreign_key_list('{table}')")
            if ref[2] == "customers"
        }  # fmt: skip
        if table in derived_tables:  # derived data without a foreign key (dedupe_keys: v18)
            names = {c[1] for c in conn.execute(f"SELECT * FROM pragma_table_info('{table}')")}
            columns |= names & {"customer_id"}
        for column in columns:
            n = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (other,))
            assert n.fetchone()[0] == 0, f"{table} still holds rows of the purged customer"
    tag = f"%{markers['tags']}"
    assert conn.execute("SELECT count(*) FROM tags WHERE name LIKE ?", (tag,)).fetchone() == (0,)


_WRITES = (
    re.compile(r"\bUPDATE\s+([\w.{}]+)\s+SET\b"),
    re.compile(r"\bDELETE\s+FROM\s+([\w.{}]+)"),
    re.compile(r"\b(?:INSERT|REPLACE)\s+(?:OR\s+[A-Z]+\s+)?INTO\s+([\w.{}]+)"),
)


def _sql_strings(path: Path) -> list[str]:
    """String literals of a module (f-strings with {} for their fields), docstrings left out."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    out, inner = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inner.add(id(value))
                parts.append(value.value if isinstance(value, ast.Constant) else "{}")
            out.append("".join(str(p) for p in parts))
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and id(node) not in inner
        ):  # fmt: skip
            out.append(node.value)
    return out


def test_no_sql_writes_outside_the_store() -> None:
    allowed: dict[str, set[str]] = {}
    for impl in derived.implementations():
        module = type(impl).__module__
        allowed.setdefault(module, set()).update(t.split(".")[0] for t in impl.writes)
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        if module.startswith("custinfo.store"):
            continue  # the write gate, the record kinds and the migrations
        for text in _sql_strings(path):
            for pattern in _WRITES:
                for match in pattern.finditer(text):
                    table = match.group(1)
                    dynamic = "{" in table
                    if module in allowed and (dynamic or table in allowed[module]):
                        continue
                    offences.append(f"{module}: {match.group(0)}")
    assert not offences, "SQL writes outside custinfo.store:\n" + "\n".join(offences)


def test_the_cli_never_reaches_into_the_connection() -> None:
    offences = []
    for path in sorted((SRC / "cli").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"(?<![\w.])store\.(conn|db)\b|\.conn\.execute", line):
                offences.append(f"{path.name}:{number}: {line.strip()}")
    assert not offences, "\n".join(offences)
