"""Ranked selection: the first page of any query without reading every match.

The order of `--sort rank` (docs/search.md): with a text query P (the words joined by one
space), first the customers whose name equals P (tier 0, in id order), then those whose
name starts with P (tier 1, in name order, then id), then every other match (tier 2, in id
order). Without text, id order. Each tier comes from an index in its own order, so the
ids stream and a LIMIT stops reading:

- tiers 0 and 1 walk `search_docs_name` (equality, then the prefix range);
- tier 2 walks the candidates in id order: the FTS index joined row by row (its rowids
  ascend), a dense source's customer index (an email domain matching 14% of customers),
  or, after a selective lookup (one phone, a rare tag), the few candidates sorted.

`_Plan.select` builds the same order as one sorted statement (the plain path); the tests
prove both give the same ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from custinfo.store.db import Connection

if TYPE_CHECKING:
    from custinfo.search.plan import _Plan, _Source

_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range
#: A source with at least this many rows is walked in id order through its customer
#: index instead of being read whole and sorted (the first page then needs ~50/density
#: index entries, not every match).
DENSE = 2000
#: Below this many candidates from a selective driver, sorting them all is cheapest.
_FETCH = 500


def stream(conn: Connection, plan: _Plan, sort: str, limit: int | None) -> Iterator[int]:
    """Ids of the plan's matches in `sort` order, at most `limit`, read lazily."""
    if limit == 0:
        return
    if sort != "rank":
        yield from _ids(conn, *plan.select(sort, limit))
        return
    plan, walked = dense(conn, plan)
    drv = plan.driver
    selective = drv is not None and drv.kind != "fts" and not walked
    if not plan.words or selective:
        if drv is not None and drv.kind == "fts":  # no words (--city/--company): FTS order
            yield from _ids(conn, *_tier2(plan, None, limit))
            return
        yield from _ids(conn, *plan.select(sort, limit))  # few candidates, or id order
        return
    phrase = " ".join(plan.words)
    left = limit
    for tier in (_tier0, _tier1, _tier2):
        sql, params = tier(plan, phrase, left)
        for cid in _ids(conn, sql, params):
            yield cid
            if left is not None:
                left -= 1
        if left == 0:
            return


def count(conn: Connection, plan: _Plan, cap: int | None = None) -> int:
    """How many customers match; with `cap`, at most `cap` (counting stops there)."""
    if cap is None:
        from custinfo.search.plan import run

        rows = run(conn, *plan.count())
        return rows[0] if rows else 0
    plan, _ = dense(conn, plan)
    drv = plan.driver
    if plan.fts_exact and drv is not None and drv.kind == "fts":
        inner, params = plan.count()
        inner = inner.replace("SELECT count(*)", "SELECT 1", 1)
    elif drv is not None and drv.kind == "fts":
        inner, params = _tier2(plan, None, None)
    else:
        sql, _, params = plan._from(need_c=False)
        inner = f"SELECT 1 {sql}"
    row = conn.execute(f"SELECT count(*) FROM ({inner} LIMIT ?)", [*params, cap]).fetchone()
    return row[0]


def dense(conn: Connection, plan: _Plan) -> tuple[_Plan, bool]:
    """(the plan, True) with a dense range driver (an email domain, a phone suffix) replaced
    by a walk of its customer index in id order; (the plan, False) otherwise."""
    drv = plan.driver
    if drv is None or not drv.walk:
        return plan, False
    probe = f"SELECT count(*) FROM ({drv.ids} LIMIT ?)"
    if conn.execute(probe, [*drv.params, DENSE]).fetchone()[0] < DENSE:
        return plan, False
    walked: _Source = replace(drv, ids=drv.walk, kind="flat", walk="")
    return replace(plan, driver=walked), True


# -- the tiers ---------------------------------------------------------------------------
def _conditions(plan: _Plan, idx: str, *, with_driver: bool) -> tuple[list[str], list[Any]]:
    """Every filter as a per-candidate check (the FTS pre-filter is implied by the words'
    instr checks and left out)."""
    where: list[str] = []
    params: list[Any] = []
    drv = plan.driver
    if with_driver and drv is not None and drv.kind != "fts":
        where.append(drv.condition)
        params += drv.params
    where += plan.where + plan.word_where
    params += plan.params + plan.word_params
    return [w.replace("{id}", idx) for w in where], params


def _join_c(plan: _Plan, idx: str) -> str:
    drv = plan.driver
    uses_c = plan.customers or (drv is not None and "c." in drv.condition)
    return f" CROSS JOIN customers c ON c.id = {idx}" if uses_c else ""


def _tier0(plan: _Plan, phrase: str, limit: int | None) -> tuple[str, list[Any]]:
    where, params = _conditions(plan, "d.customer_id", with_driver=True)
    sql = (
        "SELECT d.customer_id FROM search_docs d INDEXED BY search_docs_name"
        + _join_c(plan, "d.customer_id")
        + " WHERE "
        + " AND ".join(["d.name = ?", *where])
        + " ORDER BY d.customer_id"
    )
    return _limited(sql, [phrase, *params], limit)


def _tier1(plan: _Plan, phrase: str, limit: int | None) -> tuple[str, list[Any]]:
    where, params = _conditions(plan, "d.customer_id", with_driver=True)
    sql = (
        "SELECT d.customer_id FROM search_docs d INDEXED BY search_docs_name"
        + _join_c(plan, "d.customer_id")
        + " WHERE "
        + " AND ".join(["d.name > ? AND d.name < ?", *where])
        + " ORDER BY d.name, d.customer_id"
    )
    return _limited(sql, [phrase, phrase + _TOP, *params], limit)


def _tier2(plan: _Plan, phrase: str | None, limit: int | None) -> tuple[str, list[Any]]:
    """Matches outside tiers 0 and 1 (every match when `phrase` is None), in id order."""
    drv = plan.driver
    if drv is not None and drv.kind == "fts":
        idx = "f.rowid"
        sql = "FROM search_fts f CROSS JOIN search_docs d ON d.customer_id = f.rowid"
        where, params = ["search_fts MATCH ?"], list(drv.params)
    elif drv is not None:  # flat: ids in id order from an index
        idx = "drv.id"
        sql = f"FROM ({drv.ids}) AS drv CROSS JOIN search_docs d ON d.customer_id = drv.id"
        where, params = [], list(drv.params)
    else:
        idx, sql, where, params = "d.customer_id", "FROM search_docs d", [], []
    more, more_params = _conditions(plan, idx, with_driver=False)
    where += more
    params += more_params
    if phrase is not None:
        where.append("NOT (d.name >= ? AND d.name < ?)")
        params += [phrase, phrase + _TOP]
    sql = f"SELECT {idx} {sql}{_join_c(plan, idx)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return _limited(f"{sql} ORDER BY {idx}", params, limit)


def _limited(sql: str, params: list[Any], limit: int | None) -> tuple[str, list[Any]]:
    return (sql, params) if limit is None else (f"{sql} LIMIT ?", [*params, limit])


def _ids(conn: Connection, sql: str, params: list[Any]) -> Iterator[int]:
    """Ids from `sql`, fetched in batches (a pipe sees the first ones at once)."""
    from custinfo.store.db import translate_errors

    with translate_errors():
        cursor = conn.execute(sql, params)
        while batch := cursor.fetchmany(_FETCH):
            yield from (r[0] for r in batch)
