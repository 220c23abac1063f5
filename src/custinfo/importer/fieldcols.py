"""Custom-field columns at import: which columns feed which fields, and their values.

A column feeds a field when:
- `--map COLUMN=field:KEY` says so;
- its header is `field:KEY` (what `custinfo export` writes);
- its header is a declared field's key or label (会员等级), and no standard field claims it
  (an attribute column such as 客户等级, which would otherwise become tags, is claimed);
- `--create-fields` is given and the column is unknown or an attribute column: a field is
  declared for it, with a type inferred from every value of the column
  (`custinfo.fields.infer`), inside the import's transaction (a dry run or a failed
  import declares nothing).

Before the rows are read, `survey` makes one pass over the input for `--create-fields`
(a file is read twice; stdin is held in memory). Values are parsed in the validating
workers (`convert`, called by `importer.rows`); a value that does not fit its field makes
the row invalid, with the reason, so it goes to the rejects. Valid rows carry
((key, stored value), ...) for `store.fields.insert_bulk`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, BinaryIO

from custinfo.errors import UsageError, ValidationError
from custinfo.fields import Field, check_key
from custinfo.fields.infer import ColumnStats, key_for
from custinfo.fields.values import parse
from custinfo.store.db import Connection

PREFIX = "field:"


def map_target(name: str) -> str | None:
    """The `--map COLUMN=field:KEY` target `field:key`, or None for another FIELD."""
    if not name.strip().lower().startswith(PREFIX):
        return None
    return PREFIX + check_key(name.strip()[len(PREFIX) :], what="--map field key")


def header_target(header: str) -> str | None:
    """`field:key` for a `field:KEY` header (as exported), else None."""
    text = header.strip()
    if not text.lower().startswith(PREFIX):
        return None
    try:
        return PREFIX + check_key(text[len(PREFIX) :])
    except UsageError:
        return None


@dataclass
class FieldColumn:
    column: str
    key: str
    type: str
    created: bool = False


@dataclass
class FieldPlan:
    """Picklable: sent to the validating workers with the converter."""

    fields: dict[str, Field] = field(default_factory=dict)  # key -> declared or to declare
    currency: str = "CNY"
    columns: list[FieldColumn] = field(default_factory=list)
    to_declare: list[Field] = field(default_factory=list)
    #: Per field key: {cell text: stored value} of the types whose cells repeat (`convert`).
    memo: dict[str, dict[str, Any]] = field(default_factory=dict)


#: Types whose parsed cells are remembered (parsing is pure; a sheet repeats its tiers,
#: dates and numbers), and how many cells per field at most.
_MEMO_TYPES = frozenset(("choice", "multichoice", "bool", "date", "number", "money"))
_MEMO_MAX = 100_000


def is_field(name: str | None) -> bool:
    """True for a column target `field:KEY`."""
    return name is not None and name.startswith(PREFIX)


#: Columns a declared field (or --create-fields) may claim: unknown ones, and the
#: attribute columns (客户等级, 会员等级…) that otherwise become COLUMN:VALUE tags.
_CLAIMABLE = (None, "attribute")


def survey(stream: BinaryIO, options: Any, overrides: dict[str, str]) -> tuple[BinaryIO, Any]:
    """One pass over the input for `--create-fields`: per column that is not a standard
    field, what its values allow. Returns a stream positioned at the start again."""
    from custinfo.importer import formats
    from custinfo.importer.mapping import columns
    from custinfo.importer.source import csv_records

    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    start = stream.tell()
    kind, wrapped = formats.sniff(stream, options.fmt, options.source_name)
    source = formats.open_input(kind, wrapped, options.fmt, options.encoding, options.sheet)
    if source.fmt not in ("csv", "tsv", "xlsx"):
        raise UsageError("--create-fields applies to CSV, TSV and xlsx input")
    records = source.sheet.records() if source.fmt == "xlsx" else csv_records(source)
    first = next(records, None)
    header = source.sheet.header if source.fmt == "xlsx" else source.header
    cols = columns(header, overrides)
    wanted = [i for i, c in enumerate(cols) if c.field in _CLAIMABLE or is_field(c.field)]
    stats = {header[i]: ColumnStats() for i in wanted}
    for _, record in chain([first] if first is not None else [], records):
        if len(record) != len(header):
            continue
        for i in wanted:
            stats[header[i]].add(record[i])
    stream.seek(start)
    return stream, stats


def resolve(
    conn: Connection, header: list[str], cols: list[Any], stats: dict[str, ColumnStats] | None,
) -> tuple[list[Any], FieldPlan]:  # fmt: skip
    """The columns (`contacts.Column`) with field columns resolved, and the plan the
    converter uses. `stats` (from `survey`) means `--create-fields`."""
    from custinfo.importer.contacts import Column
    from custinfo.importer.mapping import header_key
    from custinfo.store.fields import catalog

    cat = catalog(conn)
    plan = FieldPlan(dict(cat.by_key), cat.currency)
    by_name = {header_key(n): f for f in cat for n in (f.key, f.label)}
    out = list(cols)
    for index, (column, col) in enumerate(zip(header, cols, strict=True)):
        created, target = False, col.field
        if target in _CLAIMABLE and header_key(column) in by_name:
            target = PREFIX + by_name[header_key(column)].key
        if is_field(target):
            key = target[len(PREFIX) :]
            if key not in plan.fields:
                if stats is None:
                    raise UsageError(
                        f"column {column!r} is meant for field {key!r}, which is not declared: "
                        f"declare it with 'custinfo field add {key} --type TYPE', or use "
                        "--create-fields"
                    )
                _declare(plan, key, column, stats[column])
                created = True
        elif target in _CLAIMABLE and stats is not None:
            key = key_for(column, set(plan.fields))
            _declare(plan, key, column, stats[column])
            target, created = PREFIX + key, True
        else:
            continue
        key = target[len(PREFIX) :]
        if any(c.key == key for c in plan.columns):
            where = [c.column for c in plan.columns if c.key == key] + [column]
            raise UsageError(
                f"columns {', '.join(map(repr, where))} all map to field {key}: "
                "use --map COLUMN=ignore for all but one"
            )
        out[index] = Column(target)
        plan.columns.append(FieldColumn(column, key, plan.fields[key].type, created))
    return out, plan


def _declare(plan: FieldPlan, key: str, column: str, stats: ColumnStats) -> None:
    from custinfo.fields import check_label

    kind, choices = stats.infer()
    new = Field(0, key, check_label(column, key), kind,
                tuple((i, c) for i, c in enumerate(choices, start=1)))  # fmt: skip
    plan.fields[key] = new
    plan.to_declare.append(new)


def declare(w: Any, plan: FieldPlan) -> None:
    """Declare the fields `--create-fields` infers (inside the import's unit of work)."""
    from custinfo.store import fields

    for new in plan.to_declare:
        fields.declare(w, new.key, new.type, new.label, new.choice_labels())


def convert(plan: FieldPlan | None, target: str, value: Any, out: dict[str, Any]) -> None:
    """Parse one cell for the field `target` (`field:key`) into `out` (key -> stored)."""
    key = target[len(PREFIX) :]
    found = plan.fields.get(key) if plan is not None else None
    if found is None:
        raise ValidationError(f"unknown field {key!r} (declare it with 'custinfo field add')", key)
    if type(value) is str and found.type in _MEMO_TYPES:  # type: ignore[union-attr]
        memo = plan.memo.setdefault(key, {})  # type: ignore[union-attr]
        stored = memo.get(value)
        if stored is None:
            stored = parse(found, value, plan.currency)  # type: ignore[arg-type,union-attr]
            if len(memo) < _MEMO_MAX:
                memo[value] = stored
        out[key] = stored
        return
    out[key] = parse(found, value, plan.currency)  # type: ignore[union-attr]


def convert_object(plan: FieldPlan | None, value: dict[str, Any], out: dict[str, Any]) -> None:
    """A JSON record's `fields` object ({key: value}, as `export --format json` writes)."""
    if not isinstance(value, dict):
        from custinfo.importer.rows import kind

        raise ValidationError(f"expected an object of custom fields, got {kind(value)}", "fields")
    for key, item in value.items():
        if item is None or item == "" or item == []:
            continue
        convert(plan, PREFIX + str(key).strip().lower(), item, out)
