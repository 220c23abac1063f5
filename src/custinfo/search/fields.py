"""`--where` conditions and `--sort field:KEY` in the query planner (`search.plan`).

Each condition (`custinfo.fields.where`) becomes, for the planner, either a source (a
positive condition: it can drive, giving candidate ids, and is checked per candidate
otherwise) or a per-candidate check only (`!=`, `!KEY?`: customers without a value match
too). Values are parsed by the field's type and bound as parameters, so comparisons
follow the type (numbers and money numerically, dates as YYYY-MM-DD) and no text typed
by a user ever becomes SQL; keys must name declared fields.

- choice and bool `=`: the partial value index, ids in customer order (rank 3, like a tag);
- a choice range or `~` (a set of choices): the same index (rank 4);
- any other positive condition: the values' primary key (customer_id, field_id) scanned
  in customer order (rank 6: the first page stops early when matches are common);
- per candidate: one primary-key seek `(customer_id, field_id)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from custinfo.errors import UsageError, ValidationError
from custinfo.fields import Catalog, Field
from custinfo.fields import where as grammar
from custinfo.fields.values import multi_text
from custinfo.search.plan import _Source
from custinfo.store.db import Connection
from custinfo.text import fold, normalize_text

if TYPE_CHECKING:
    from custinfo.search import Query

_EXISTS = "EXISTS (SELECT 1 FROM field_values fv WHERE fv.customer_id = {id} AND fv.field_id = ?"
_SCAN = "SELECT customer_id AS id FROM field_values WHERE field_id = ?"
_RANGES = ("<", "<=", ">", ">=")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass
class FieldFilters:
    sources: list[_Source] = field(default_factory=list)
    where: list[str] = field(default_factory=list)  # checks only (negative conditions)
    params: list[Any] = field(default_factory=list)
    sort: tuple[int, bool] | None = None  # (field id, descending)


def is_sort(sort: str) -> bool:
    return sort.startswith(("field:", "-field:"))


def plan(conn: Connection, q: Query) -> FieldFilters | None:
    """The planner's parts for `q.where` and a field sort; None when nothing can match."""
    out = FieldFilters()
    if not q.where and not is_sort(q.sort):
        return out
    from custinfo.store.fields import catalog

    cat = catalog(conn)
    if is_sort(q.sort):
        key = q.sort.partition(":")[2]
        chosen = cat.get(key, what=f"--sort {q.sort}")
        if chosen.type == "multichoice":
            raise UsageError(f"--sort {q.sort}: a multichoice field cannot be sorted by")
        out.sort = (chosen.id, q.sort.startswith("-"))
    for text in q.where:
        cond = grammar.parse(text)
        fld = cat.get(cond.key, what=f"--where {text!r}")
        pred = _predicate(cat, fld, cond)
        if pred is None:  # a positive condition no value can meet (no such choice)
            if not cond.negative:
                return None
            continue
        sql, params, rank = pred
        check = f"{_EXISTS}{' AND ' + sql.replace('value', 'fv.value') if sql else ''})"
        if cond.negative:
            out.where.append("NOT " + check)
            out.params += [fld.id, *params]
        elif rank == 4:
            ids = f"SELECT customer_id FROM field_values WHERE field_id = ? AND {sql}"
            out.sources.append(_Source(4, ids, check, [fld.id, *params]))
        else:
            ids = _SCAN + (f" AND {sql}" if sql else "")
            out.sources.append(_Source(rank, ids, check, [fld.id, *params], kind="flat"))
    return out


def _parsed(cat: Catalog, fld: Field, cond: grammar.Condition) -> Any:
    try:
        return cat.parse(fld, cond.value)
    except ValidationError as exc:
        raise ValidationError(f"--where {cond.text!r}: {exc}", fld.key) from None


def _refuse(fld: Field, cond: grammar.Condition, allowed: str) -> UsageError:
    return UsageError(f"--where {cond.text!r}: {cond.op} {allowed}, and {fld.key} is a "
                      f"{fld.type} field")  # fmt: skip


def _predicate(
    cat: Catalog, fld: Field, cond: grammar.Condition
) -> tuple[str, list[Any], int] | None:
    """(SQL on `value`, params, rank) of the positive form of `cond`, or None when no
    value can meet it. `!=` is the negation of `=`, `!?` that of `?`."""
    op = "=" if cond.op == "!=" else cond.op
    kind = fld.type
    if op in ("?", "!?"):
        return "", [], 6
    if op == "~":
        if kind == "text":
            needle = normalize_text(cond.value).translate(_ASCII_LOWER)
            return "instr(lower(value), ?)", [needle], 6
        if kind not in ("choice", "multichoice"):
            raise _refuse(fld, cond, "applies to text, choice and multichoice fields")
        wanted = fold(cond.value)
        return _choices(fld, [cid for cid, label in fld.choices if wanted in fold(label)])
    if op in _RANGES and kind not in ("number", "money", "date", "choice"):
        raise _refuse(fld, cond, "applies to number, money, date and choice fields")
    if kind == "choice" and op in _RANGES:
        pivot = fld.choice_order(_parsed(cat, fld, cond))
        order = {"<": pivot.__gt__, "<=": pivot.__ge__, ">": pivot.__lt__, ">=": pivot.__le__}[op]
        return _choices(fld, [c for c, _ in fld.choices if order(fld.choice_order(c))])
    value = _parsed(cat, fld, cond)
    if kind in ("choice", "bool"):
        return "indexed = 1 AND value = ?", [value], 3
    if kind == "multichoice":  # every given choice is among the customer's
        ids = [int(p) for p in value.strip(";").split(";")]
        return " AND ".join(["instr(value, ?)"] * len(ids)), [multi_text([i]) for i in ids], 6
    return f"value {op} ?", [value], 6


def _choices(fld: Field, ids: list[int]) -> tuple[str, list[Any], int] | None:
    if not ids:
        return None
    if fld.type == "multichoice":
        sql = "(" + " OR ".join(["instr(value, ?)"] * len(ids)) + ")"
        return sql, [multi_text([i]) for i in ids], 6
    if len(ids) == 1:
        return "indexed = 1 AND value = ?", ids, 3
    return f"indexed = 1 AND value IN ({','.join('?' * len(ids))})", ids, 4


def order_sql(idx: str, sort: tuple[int, bool]) -> tuple[str, list[Any]]:
    """ORDER BY terms for a field sort: customers without a value last, then by id."""
    direction = "DESC" if sort[1] else "ASC"
    sql = (f"(SELECT value FROM field_values WHERE customer_id = {idx} AND field_id = ?) "
           f"{direction} NULLS LAST, {idx}")  # fmt: skip
    return sql, [sort[0]]
