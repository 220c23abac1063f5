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
    from custinfo.search.plan import _Plan

_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range
#: A range source (an email domain, a phone suffix) with at least this many rows is walked
#: in id order through its customer index instead of being read whole and sorted: the
#: first page then needs about 50/density index entries, not every match.
DENSE = 2000
#: Tier 2 walks `search_docs` in id order in chunks of this many ids while at least
#: 1/`SPARSE` of them match (a word in 15% of the customers: the first page is in the
#: first chunk); below that, the FTS index takes over from the next id (its prefix
#: queries merge every matching token's doclist first, ~0.2 s for `上海` at 1M).
CHUNK = 1024
SPARSE = 64
#: ... unless the chunks walked so far would fill the rest of the page within this many
#: more chunks (two dense words together, `上海 王`: 1.4% of 1M customers, walk on).
WALK_MORE = 8
_FETCH = 500


def stream(conn: Connection, plan: _Plan, sort: str, limit: int | None) -> Iterator[int]:
    """Ids of the plan's matches in `sort` order, at most `limit`, read lazily."""
    if limit == 0:
        return
    if sort != "rank":
        yield from _ids(conn, *plan.select(sort, limit))
        return
    plan = dense(conn, plan)
    drv = plan.driver
    if drv is not None and drv.kind not in ("fts", "walk"):  # few candidates, or id order
        yield from _ids(conn, *plan.select(sort, limit))
        return
    if not plan.words:
        yield from _tier2(conn, plan, None, limit)
        return
    phrase = " ".join(plan.words)
    left = limit
    for tier in (_tier0, _tier1, _tier2):
        for cid in tier(conn, plan, phrase, left):
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
    plan = dense(conn, plan)
    drv = plan.driver
    if drv is None or drv.kind in ("fts", "walk"):
        return sum(1 for _ in _tier2(conn, plan, None, cap))
    sql, _, params = plan._from(need_c=False)
    row = conn.execute(f"SELECT count(*) FROM (SELECT 1 {sql} LIMIT ?)", [*params, cap])
    return row.fetchone()[0]


def dense(conn: Connection, plan: _Plan) -> _Plan:
    """The plan with a dense range driver (an email domain, a phone suffix) turned into a
    walk of its customer index in id order (kind "walk"); unchanged otherwise."""
    drv = plan.driver
    if drv is None or drv.walk is None:
        return plan
    probe = f"SELECT count(*) FROM ({drv.ids} LIMIT ?)"
    if conn.execute(probe, [*drv.params, DENSE]).fetchone()[0] < DENSE:
        return plan
    return replace(plan, driver=replace(drv, kind="walk"))


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


def _by_name(conn: Connection, plan: _Plan, test: str, test_params: list[Any], order: str,
             limit: int | None) -> Iterator[int]:  # fmt: skip
    where, params = _conditions(plan, "d.customer_id", with_driver=True)
    sql = (
        "SELECT d.customer_id FROM search_docs d INDEXED BY search_docs_name"
        + _join_c(plan, "d.customer_id")
        + " WHERE "
        + " AND ".join([test, *where])
        + f" ORDER BY {order}"
    )
    return _ids(conn, *_limited(sql, [*test_params, *params], limit))


def _tier0(conn: Connection, plan: _Plan, phrase: str, limit: int | None) -> Iterator[int]:
    """The name equals the phrase: an index equality, in id order."""
    return _by_name(conn, plan, "d.name = ?", [phrase], "d.customer_id", limit)


def _tier1(conn: Connection, plan: _Plan, phrase: str, limit: int | None) -> Iterator[int]:
    """The name starts with the phrase: an index range, in name order."""
    test = "d.name > ? AND d.name < ?"
    return _by_name(conn, plan, test, [phrase, phrase + _TOP], "d.name, d.customer_id", limit)


def _tier2(conn: Connection, plan: _Plan, phrase: str | None, limit: int | None
           ) -> Iterator[int]:  # fmt: skip
    """Matches outside tiers 0 and 1 (every match when `phrase` is None), in id order."""
    drv = plan.driver
    extra, extra_params = [], []
    if phrase is not None:
        extra, extra_params = ["NOT (d.name >= ? AND d.name < ?)"], [phrase, phrase + _TOP]
    if drv is not None and drv.kind == "walk":
        table, column, index = drv.walk  # type: ignore[misc]
        idx = "w.customer_id"
        sql = f"FROM {table} w INDEXED BY {index}"
        if plan.docs or phrase is not None:
            sql += " CROSS JOIN search_docs d ON d.customer_id = w.customer_id"
        where, params = [f"w.{column} >= ? AND w.{column} < ?"], list(drv.params)
        more, more_params = _conditions(plan, idx, with_driver=False)
        sql = f"SELECT {idx} {sql}{_join_c(plan, idx)} WHERE " + " AND ".join(
            [*where, *more, *extra]
        )  # the GROUP BY drops a customer's second address at the same domain
        sql += f" GROUP BY {idx} ORDER BY {idx}"
        yield from _ids(conn, *_limited(sql, [*params, *more_params, *extra_params], limit))
        return
    more, more_params = _conditions(plan, "d.customer_id", with_driver=False)
    where, params = [*more, *extra], [*more_params, *extra_params]
    join = _join_c(plan, "d.customer_id")
    walk = (
        f"SELECT d.customer_id FROM search_docs d{join} WHERE d.customer_id >= ? "
        "AND d.customer_id < ?" + "".join(f" AND {w}" for w in where) + " ORDER BY d.customer_id"
    )
    fts = drv is not None and drv.kind == "fts"
    top = conn.execute("SELECT max(customer_id) FROM search_docs").fetchone()[0] or 0
    low = 1
    while low <= top:  # walk id chunks while the matches are dense
        found = 0
        for cid in _ids(conn, walk, [low, low + CHUNK, *params]):
            yield cid
            found += 1
            if limit is not None and found == limit:
                return
        if limit is not None:
            limit -= found
        low += CHUNK
        if fts and found * SPARSE < CHUNK and not (limit and found and limit <= found * WALK_MORE):
            break
    if low > top:
        return
    sql = (
        f"SELECT f.rowid FROM search_fts f CROSS JOIN search_docs d ON d.customer_id = f.rowid"
        f"{_join_c(plan, 'f.rowid')} WHERE search_fts MATCH ? AND f.rowid >= ?"
        + "".join(f" AND {w}" for w in where)
        + " ORDER BY f.rowid"
    )
    yield from _ids(conn, *_limited(sql, [*drv.params, low, *params], limit))  # type: ignore[union-attr]


def _limited(sql: str, params: list[Any], limit: int | None) -> tuple[str, list[Any]]:
    return (sql, params) if limit is None else (f"{sql} LIMIT ?", [*params, limit])


def _ids(conn: Connection, sql: str, params: list[Any]) -> Iterator[int]:
    """Ids from `sql`, fetched in batches (a pipe sees the first ones at once)."""
    from custinfo.store.db import translate_errors

    with translate_errors():
        cursor = conn.execute(sql, params)
        while batch := cursor.fetchmany(_FETCH):
            yield from (r[0] for r in batch)
