"""Custom fields in the database: declarations (`field_defs`) and values (`field_values`).

Declarations are settings, not customer data: key, label, type, choices and position. A
field id and a choice id are never reused (AUTOINCREMENT, `choice_seq`), so a merge
snapshot that names one can never name another field or choice later.

Values are a record kind (`store.records.FIELDS`): one row per customer and field, the
value typed (`custinfo.fields.values`), `indexed = 1` for choice and bool fields, whose
values the partial index `field_values_by_value` covers (the drivers of `--where
tier=金卡`); other types are read through the primary key (customer_id, field_id), which is
also the order a bulk import appends in, so an import pays for no random index inserts.

Writes take the unit of work (`store.gate.Write`); each notes the kind "fields" and the
field names (`field:KEY`) for the audit entry, never a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from custinfo.errors import CustinfoError, NotFoundError, UsageError
from custinfo.fields import CHOICE_TYPES, MAX_CHOICES, Catalog, Field
from custinfo.fields.values import multi_ids, multi_text
from custinfo.store.db import Connection
from custinfo.text import fold

if TYPE_CHECKING:
    from custinfo.store.gate import Write

_IDS = "(SELECT value FROM json_each(?))"
_UPSERT = (
    "INSERT INTO field_values(customer_id, field_id, value, indexed) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(customer_id, field_id) DO UPDATE SET value = excluded.value"
)


def _field(row: Sequence[Any]) -> Field:
    choices = tuple((int(cid), str(label)) for cid, label in json.loads(row[4]))
    return Field(row[0], row[1], row[2], row[3], choices, row[5])


def catalog(conn: Connection) -> Catalog:
    """Every declared field, and the database currency (meta `currency`, default CNY)."""
    rows = conn.execute(
        "SELECT id, key, label, type, choices, position FROM field_defs ORDER BY position, id"
    ).fetchall()
    currency = conn.execute("SELECT value FROM meta WHERE key = 'currency'").fetchone()
    return Catalog([_field(r) for r in rows], (currency[0] if currency else None) or "CNY")


def audit_name(field: Field | str) -> str:
    return f"field:{field if isinstance(field, str) else field.key}"


# -- declarations ---------------------------------------------------------------------------
def declare(w: Write, key: str, kind: str, label: str, choices: Sequence[str] = ()) -> Field:
    """Declare a field (key, type and label already checked)."""
    conn = w.conn
    if kind in CHOICE_TYPES and not choices:
        raise UsageError(f"a {kind} field needs --choices A,B,C")
    if kind not in CHOICE_TYPES and choices:
        raise UsageError(f"--choices applies to choice and multichoice fields, not {kind}")
    if len(choices) > MAX_CHOICES:
        raise UsageError(f"at most {MAX_CHOICES} choices")
    if conn.execute("SELECT 1 FROM field_defs WHERE key = ?", (key,)).fetchone():
        raise UsageError(f"field {key} already exists (see 'custinfo field list')")
    _label_free(catalog(conn), label, None)
    items = [[index, label] for index, label in enumerate(choices, start=1)]
    position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM field_defs").fetchone()[0]
    new_id = conn.execute(
        "INSERT INTO field_defs(key, label, type, choices, choice_seq, position) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key, label, kind, json.dumps(items, ensure_ascii=False), len(items), position),
    ).lastrowid
    w.audit(detail=f"field {key} added ({kind})", fields=[audit_name(key)])
    return Field(new_id, key, label, kind, tuple((i, c) for i, c in items), position)


def _label_free(cat: Catalog, label: str, own: int | None) -> None:
    """Labels name import columns too: one may not be another field's label or key."""
    for other in cat:
        if other.id != own and fold(label) in (fold(other.label), fold(other.key)):
            raise UsageError(f"label {label!r} is already used by field {other.key}")


def _existing(w: Write, key: str) -> Field:
    found = catalog(w.conn).find(key)
    if found is None:
        raise NotFoundError(f"no field {key!r} (see 'custinfo field list')")
    return found


def rename(w: Write, key: str, new_key: str, label: str | None) -> Field:
    """Give a field another key (and optionally label); values are kept."""
    field = _existing(w, key)
    if new_key != field.key and catalog(w.conn).find(new_key) is not None:
        raise UsageError(f"field {new_key} already exists")
    new_label = label if label is not None else field.label
    _label_free(catalog(w.conn), new_label, field.id)
    w.conn.execute(
        "UPDATE field_defs SET key = ?, label = ? WHERE id = ?", (new_key, new_label, field.id)
    )
    w.audit(detail=f"field {field.key} renamed to {new_key}",
            fields=[audit_name(field), audit_name(new_key)])  # fmt: skip
    return Field(field.id, new_key, new_label, field.type, field.choices, field.position)


def holders(conn: Connection, field: Field, choice_id: int) -> int:
    """Customers whose value of `field` is (or includes) the choice `choice_id`."""
    if field.type == "choice":
        sql = "SELECT count(*) FROM field_values WHERE field_id = ? AND indexed = 1 AND value = ?"
        return conn.execute(sql, (field.id, choice_id)).fetchone()[0]
    sql = "SELECT count(*) FROM field_values WHERE field_id = ? AND instr(value, ?)"
    return conn.execute(sql, (field.id, multi_text([choice_id]))).fetchone()[0]


def change_choices(w: Write, key: str, add: Sequence[str], remove: Sequence[str]) -> Field:
    """Append choices and remove unused ones (a choice still held is refused, exit 1)."""
    field = _existing(w, key)
    if field.type not in CHOICE_TYPES:
        raise UsageError(f"field {field.key} is a {field.type} field: it has no choices")
    conn = w.conn
    items = list(field.choices)
    for label in remove:
        match = [c for c in items if fold(c[1]) == fold(label)]
        if not match:
            raise UsageError(
                f"field {field.key} has no choice {label!r} "
                f"(choices: {', '.join(field.choice_labels())})"
            )
        count = holders(conn, field, match[0][0])
        if count:
            who = "customer holds" if count == 1 else "customers hold"
            raise CustinfoError(
                f"choice {match[0][1]!r} of field {field.key} is in use: {count} {who} it "
                f"(change them first, e.g. with 'custinfo find --where \"{field.key}="
                f"{match[0][1]}\" --format ids')"
            )
        items.remove(match[0])
    seq = conn.execute("SELECT choice_seq FROM field_defs WHERE id = ?", (field.id,)).fetchone()[0]
    for label in add:
        if any(fold(c[1]) == fold(label) for c in items):
            raise UsageError(f"field {field.key} already has the choice {label!r}")
        seq += 1
        items.append((seq, label))
    if not items:
        raise UsageError(f"field {field.key} would have no choices left")
    if len(items) > MAX_CHOICES:
        raise UsageError(f"at most {MAX_CHOICES} choices")
    conn.execute(
        "UPDATE field_defs SET choices = ?, choice_seq = ? WHERE id = ?",
        (json.dumps([list(c) for c in items], ensure_ascii=False), seq, field.id),
    )
    w.audit(detail=f"field {field.key}: {len(add)} choices added, {len(remove)} removed",
            fields=[audit_name(field)])  # fmt: skip
    return Field(field.id, field.key, field.label, field.type, tuple(items), field.position)


def remove(w: Write, key: str) -> tuple[Field, int]:
    """Erase every value of a field and its declaration; returns (field, values erased).
    The audit entry names the field and the count, no customer and no value."""
    field = _existing(w, key)
    conn = w.conn
    before = conn.total_changes
    conn.execute("DELETE FROM field_values WHERE field_id = ?", (field.id,))
    erased = conn.total_changes - before
    conn.execute("DELETE FROM field_defs WHERE id = ?", (field.id,))
    w.audit(detail=f"field {field.key} removed: {erased} values erased", fields=[audit_name(field)])
    return field, erased


# -- values ---------------------------------------------------------------------------------
def set_values(w: Write, customer_id: int, pairs: Iterable[tuple[Field, Any]]) -> None:
    """Set (a stored value) or clear (None) fields of one customer."""
    pairs = list(pairs)
    conn = w.conn
    for field, stored in pairs:
        if stored is None:
            conn.execute(
                "DELETE FROM field_values WHERE customer_id = ? AND field_id = ?",
                (customer_id, field.id),
            )
        else:
            conn.execute(_UPSERT, (customer_id, field.id, stored, int(field.indexed)))
    if pairs:
        w.touch("fields", [customer_id], [audit_name(f) for f, _ in pairs])


def insert(conn: Connection, customer_id: int, rows: Iterable[Sequence[Any]]) -> None:
    """Insert (field id or key, stored value) rows of one customer (add, unmerge, merge).

    Rows of a field removed since (a merge snapshot) are skipped, as are choices removed
    since. A key (str) names a field; one that does not exist is declared as a text field
    (the coverage tests' example rows)."""
    cat = catalog(conn)
    out = []
    for ref, stored in rows:
        field = cat.by_id.get(ref) if isinstance(ref, int) else cat.find(ref)
        if field is None and isinstance(ref, str):
            field = _plain_text_field(conn, ref)
        if field is None:
            continue
        stored = _still_valid(field, stored)
        if stored is not None:
            out.append((customer_id, field.id, stored, int(field.indexed)))
    conn.executemany(
        "INSERT OR IGNORE INTO field_values(customer_id, field_id, value, indexed) "
        "VALUES (?, ?, ?, ?)",
        out,
    )


def _plain_text_field(conn: Connection, key: str) -> Field:
    position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM field_defs").fetchone()[0]
    new_id = conn.execute(
        "INSERT INTO field_defs(key, label, type, position) VALUES (?, ?, 'text', ?)",
        (key, key, position),
    ).lastrowid
    return Field(new_id, key, key, "text", (), position)


def _still_valid(field: Field, stored: Any) -> Any:
    if field.type == "choice":
        return stored if any(cid == stored for cid, _ in field.choices) else None
    if field.type == "multichoice":
        known = {cid for cid, _ in field.choices}
        kept = [i for i in multi_ids(stored) if i in known]
        return multi_text(kept) if kept else None
    return stored


def fill_in(conn: Connection, customer_id: int, pairs: Iterable[tuple[str, Any]]) -> None:
    """Import `--on-duplicate merge`: values by field key for the fields the customer has no
    value of (the stored one is kept)."""
    pairs = list(pairs)
    if not pairs:
        return
    cat = catalog(conn)
    conn.executemany(
        "INSERT OR IGNORE INTO field_values(customer_id, field_id, value, indexed) "
        "VALUES (?, ?, ?, ?)",
        [(customer_id, cat.by_key[k].id, v, int(cat.by_key[k].indexed)) for k, v in pairs],
    )


def insert_bulk(conn: Connection, ids: Sequence[int], rows: Sequence[Any]) -> None:
    """The import's values: row i's `fields` ((key, stored), ...) for customer ids[i]."""
    if not any(getattr(r, "fields", None) for r in rows):
        return
    known = {key: (fid, kind) for fid, key, kind in conn.execute(
        "SELECT id, key, type FROM field_defs")}  # fmt: skip
    indexed = {k: int(t in ("choice", "bool")) for k, (_, t) in known.items()}
    conn.executemany(
        "INSERT INTO field_values(customer_id, field_id, value, indexed) VALUES (?, ?, ?, ?)",
        [(cid, known[k][0], v, indexed[k])
         for cid, r in zip(ids, rows, strict=True) for k, v in r.fields],
    )  # fmt: skip


# -- reads ----------------------------------------------------------------------------------
def values_of(conn: Connection, ids: Sequence[int]) -> dict[int, dict[int, Any]]:
    """{customer id: {field id: stored value}} for the customers `ids` that have values."""
    out: dict[int, dict[int, Any]] = {}
    for cid, fid, value in conn.execute(
        f"SELECT customer_id, field_id, value FROM field_values WHERE customer_id IN {_IDS}",
        (json.dumps(list(ids)),),
    ):
        out.setdefault(cid, {})[fid] = value
    return out


def field_column(conn: Connection, field: Field) -> Iterable[tuple[int, Any]]:
    """(customer id, stored value) of every customer holding a value of `field`."""
    return conn.execute(
        "SELECT customer_id, value FROM field_values WHERE field_id = ?", (field.id,)
    )


def public_values(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """{customer id: {key: JSON value}} in field order (`show`, JSON export, subject)."""
    values = values_of(conn, ids)
    if not values:
        return {}
    cat = catalog(conn)
    return {cid: cat.public(v) for cid, v in values.items()}


def counts(conn: Connection) -> dict[int, int]:
    """Customers holding a value, per field id."""
    rows = conn.execute("SELECT field_id, count(*) FROM field_values GROUP BY field_id")
    return dict(rows.fetchall())


def split(
    conn: Connection, field: Field, ids: Sequence[int] | None = None
) -> list[tuple[str, int]]:
    """Customers per choice of a choice, multichoice or bool field, in choice order (for
    reports: "the split by any choice field"); `ids` restricts it to a segment. A
    multichoice customer counts once per choice held; customers without a value are not
    counted (see `counts` for how many have one)."""
    where, params = "field_id = ?", [field.id]
    if ids is not None:
        where += f" AND customer_id IN {_IDS}"
        params.append(json.dumps(list(ids)))
    if field.type in ("choice", "bool"):  # the partial value index alone
        rows = dict(conn.execute(
            f"SELECT value, count(*) FROM field_values WHERE {where} AND indexed = 1 "
            "GROUP BY value", params))  # fmt: skip
        if field.type == "bool":
            return [("yes", rows.get(1, 0)), ("no", rows.get(0, 0))]
        return [(label, rows.get(cid, 0)) for cid, label in field.choices]
    if field.type != "multichoice":
        raise UsageError(f"field {field.key} is a {field.type} field: it has no choices")
    held: dict[int, int] = {}
    for (value,) in conn.execute(f"SELECT value FROM field_values WHERE {where}", params):
        for cid in multi_ids(value):
            held[cid] = held.get(cid, 0) + 1
    return [(label, held.get(cid, 0)) for cid, label in field.choices]


def conflict_notes(
    conn: Connection, keep: Sequence[Sequence[Any]], others: Sequence[tuple[int, Sequence[Any]]]
) -> list[str]:
    """Merge: "merged from #12: tier = 银卡" for each value of an absorbed customer that the
    kept customer's value (or an earlier absorbed one, which filled the gap) overrides.
    Rows are (row id, field id, stored value) as in a merge snapshot."""
    held = {row[1]: row[2] for row in keep}
    notes: list[str] = []
    cat: Catalog | None = None
    for cid, rows in others:
        for _, fid, value in rows:
            if fid not in held:
                held[fid] = value
            elif held[fid] != value:
                cat = cat or catalog(conn)
                field = cat.by_id.get(fid)
                if field is not None:
                    notes.append(f"merged from #{cid}: {field.key} = {cat.to_text(field, value)}")
    return notes
