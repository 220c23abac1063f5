"""The query planner: one indexed driver produces candidates (phone, email, full text, tag,
date, or all customers) and every other filter is checked per candidate with an indexed
lookup. See docs/search.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from custinfo.errors import ValidationError
from custinfo.i18n import _
from custinfo.search.index import email_rev, phone_rev, runs
from custinfo.search.match import (
    email_match,
    fts_terms,
    is_email_shaped,
    is_phone_shaped,
    phone_match,
)
from custinfo.store.db import Connection
from custinfo.text import fold
from custinfo.times import since

if TYPE_CHECKING:
    from custinfo.search import Query

SORTS = ("rank", "name", "created", "updated")
_TOP = "\U0010ffff"  # sorts after every character: the end of a prefix range


# SQL fragments use "{id}" for the candidate's customer id and "c." for customers columns
# (the customers table is joined only when such a column is needed).
_FTS_IDS = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"


@dataclass
class _Source:
    """A filter that can produce candidate ids (`ids`) or check one (`condition`)."""

    rank: int  # lower = more selective: chosen first as the driver
    ids: str  # SQL selecting candidate customer ids (one column)
    condition: str
    params: list[Any]
    kind: str = "in"  # in: `{id} IN (ids)`; flat: ids in index order; fts: the FTS index
    #: For a range that may match many: (table, column, customer index) to walk it in id
    #: order instead (`search.rank.dense`, when the range is dense).
    walk: tuple[str, str, str] | None = None


@dataclass
class _Plan:
    driver: _Source | None = None
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    docs: bool = False  # needs search_docs (d)
    customers: bool = False  # needs customers columns (c)
    words: list[str] = field(default_factory=list)  # folded text words (for ranking)
    fts_exact: bool = False  # the FTS match alone is exact for the words (no d-filters)
    word_where: list[str] = field(default_factory=list)  # instr checks of the words
    word_params: list[Any] = field(default_factory=list)
    field_sort: tuple[int, bool] | None = None  # --sort field:KEY: (field id, descending)

    def _from(self, need_c: bool) -> tuple[str, str, list[Any]]:
        """(FROM … WHERE … clause, id expression, params)."""
        drv, where = self.driver, [*self.where, *self.word_where]
        params: list[Any] = []
        joined_d = joined_c = False
        if drv is not None and drv.kind == "flat":
            sql, idx = f"FROM ({drv.ids}) AS drv", "drv.id"
            params += drv.params
        elif drv is not None and drv.kind == "fts":
            sql, idx, joined_d = "FROM search_docs d", "d.customer_id", True
            where.insert(0, f"d.customer_id IN ({drv.ids})")
            params += drv.params
        elif drv is not None:
            sql, idx, joined_c = "FROM customers c", "c.id", True
            where.insert(0, f"c.id IN ({drv.ids})")
            params += drv.params
        elif self.docs:
            sql, idx, joined_d = "FROM search_docs d", "d.customer_id", True
        else:
            sql, idx, joined_c = "FROM customers c", "c.id", True
        if self.docs and not joined_d:
            sql += f" CROSS JOIN search_docs d ON d.customer_id = {idx}"
        if (need_c or self.customers) and not joined_c:
            sql += f" CROSS JOIN customers c ON c.id = {idx}"
        if where:
            sql += " WHERE " + " AND ".join(w.replace("{id}", idx) for w in where)
        return sql, idx, params + self.params + self.word_params

    def select(self, sort: str, limit: int | None) -> tuple[str, list[Any]]:
        sql, idx, params = self._from(need_c=sort in ("created", "updated"))
        if self.field_sort is not None:
            from custinfo.search.fields import order_sql

            order, extra = order_sql(idx, self.field_sort)
            params += extra
        elif sort == "name":
            order = f"d.name, {idx}"  # case-folded
        elif sort == "created":
            order = f"c.created_at DESC, {idx} DESC"
        elif sort == "updated":
            order = f"c.updated_at DESC, {idx} DESC"
        elif self.words:  # the tiers of `search.rank` as one sort (the plain path)
            phrase, top = " ".join(self.words), " ".join(self.words) + _TOP
            prefix = "d.name > ? AND d.name < ?"
            order = (
                f"CASE WHEN d.name = ? THEN 0 WHEN {prefix} THEN 1 ELSE 2 END, "
                f"CASE WHEN {prefix} THEN d.name END, {idx}"
            )
            params += [phrase, phrase, top, phrase, top]
        else:
            order = idx  # the drivers deliver ids in order: no sort, LIMIT stops early
        sql = f"SELECT {idx} {sql} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return sql, params

    def count(self) -> tuple[str, list[Any]]:
        drv = self.driver
        if self.fts_exact and drv is not None and drv.kind == "fts":
            # Every word is a 1-3 character run: the FTS match is exact, so counting needs
            # neither search_docs nor verification (fast for very common words).
            sql = "FROM search_fts f"
            if self.customers:
                sql += " CROSS JOIN customers c ON c.id = f.rowid"
            where = ["search_fts MATCH ?", *(w.replace("{id}", "f.rowid") for w in self.where)]
            params = drv.params + self.params
            return f"SELECT count(*) {sql} WHERE {' AND '.join(where)}", params
        sql, _, params = self._from(need_c=False)
        return f"SELECT count(*) {sql}", params


def make_plan(conn: Connection, q: Query, region: str) -> _Plan | None:
    """The SQL plan for `q`, or None when it cannot match anything (e.g. an unknown tag)."""
    from custinfo.search import fields as field_filters

    if q.sort not in SORTS and not field_filters.is_sort(q.sort):
        raise ValidationError(
            _("unknown sort {sort!r}: use one of {value}, or field:KEY / -field:KEY").format(
                sort=q.sort, value=", ".join(SORTS)
            )
        )
    if q.limit is not None and q.limit < 0:
        raise ValidationError(_("limit must not be negative"))
    plan = _Plan()
    phone, email = (q.phone or "").strip(), (q.email or "").strip()
    text = (q.text or "").strip()
    if text and not phone and is_phone_shaped(text):
        phone, text = text, ""
    elif text and not email and is_email_shaped(text):
        email, text = text, ""

    sources: list[_Source] = []
    if phone:
        sources.append(_phone_source(phone, region))
    if email:
        sources.append(_email_source(email))

    # Free text, city and company: verified with instr on search_docs, narrowed by FTS.
    fts: list[str] = []
    for word in fold(text).split() if text else []:
        plan.words.append(word)
        fts += fts_terms(word)
        plan.word_where.append(
            "(instr(d.name, ?) OR instr(d.company, ?) OR instr(d.city, ?) OR instr(d.other, ?))"
        )
        plan.word_params += [word] * 4
    for column, value in (("city", q.city), ("company", q.company)):
        folded = fold(value or "")
        if folded:
            fts += fts_terms(folded)
            plan.where.append(f"instr(d.{column}, ?)")
            plan.params.append(folded)
    plan.fts_exact = (
        bool(plan.words)
        and not plan.where  # no --city/--company verification
        and all(runs(w) == [w] and len(w) <= 3 for w in plan.words)
    )
    plan.docs = bool(plan.where) or bool(plan.words) or q.sort == "name"
    if fts:
        sources.append(
            _Source(2, _FTS_IDS, f"{{id}} IN ({_FTS_IDS})", [" AND ".join(fts)], kind="fts")
        )

    # Tags: an unknown tag in --tag, or only unknown tags in --any-tag, matches nothing.
    all_ids = _tag_ids(conn, q.tags_all)
    if None in all_ids:
        return None
    for tag_id in dict.fromkeys(all_ids):
        rank = 1 if fts and _small_tag(conn, tag_id) else 3  # a rare tag beats a common word
        sources.append(
            _Source(
                rank,
                "SELECT customer_id AS id FROM customer_tags WHERE tag_id = ?",
                "EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = {id} "
                "AND ct.tag_id = ?)",
                [tag_id],
                kind="flat",
            )
        )
    if q.tags_any:
        any_ids = [t for t in dict.fromkeys(_tag_ids(conn, q.tags_any)) if t is not None]
        if not any_ids:
            return None
        marks = ",".join("?" * len(any_ids))
        sources.append(
            _Source(
                4,
                f"SELECT customer_id FROM customer_tags WHERE tag_id IN ({marks})",
                "EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = {id} "
                f"AND ct.tag_id IN ({marks}))",
                any_ids,
            )
        )
    not_ids = [t for t in dict.fromkeys(_tag_ids(conn, q.tags_not)) if t is not None]
    if not_ids:
        marks = ",".join("?" * len(not_ids))
        plan.where.append(
            "NOT EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = {id} "
            f"AND ct.tag_id IN ({marks}))"
        )
        plan.params += not_ids
    for column, value, option in (
        ("created_at", q.added_since, "--added-since"),
        ("updated_at", q.updated_since, "--updated-since"),
    ):
        if value:
            day = since(value, option)  # a local day's start (YYYY-MM-DD or 90d)
            sources.append(
                _Source(
                    5, f"SELECT id FROM customers WHERE {column} >= ?", f"c.{column} >= ?", [day]
                )
            )

    if q.consent or q.no_consent:  # checked per candidate, never a driver
        from custinfo.search.consent import conditions

        where, values = conditions(conn, q)
        plan.where += where
        plan.params += values

    custom = field_filters.plan(conn, q)  # --where on custom fields, --sort field:KEY
    if custom is None:
        return None
    sources += custom.sources
    plan.where += custom.where
    plan.params += custom.params
    plan.field_sort = custom.sort
    from custinfo.search import activity  # orders, contacts, interaction kinds

    behaviour = activity.sources(conn, q)
    if behaviour is None:
        return None
    sources += behaviour
    from custinfo.search import followups  # follow-ups, cadences, birthdays

    planned = followups.sources(conn, q)
    if planned is None:
        return None
    sources += planned

    # The most selective source drives; the others are checked per candidate. After a
    # phone, email or rare-tag lookup (few rows) the FTS index is not needed: instr verifies.
    sources.sort(key=lambda s: s.rank)
    if sources:
        plan.driver = sources.pop(0)
        if plan.driver.rank < 2:
            sources = [s for s in sources if s.kind != "fts"]
    plan.where = [s.condition for s in sources] + plan.where
    plan.params = [p for s in sources for p in s.params] + plan.params
    plan.customers = any(re.search(r"\bc\.", s.condition) for s in sources)
    if plan.words:
        plan.docs = True
    return plan


def _phone_source(phone: str, region: str) -> _Source:
    kind, value = phone_match(phone, region)
    if kind == "exact":
        return _Source(
            0,
            "SELECT customer_id FROM phones WHERE e164 = ?",
            "EXISTS (SELECT 1 FROM phones p WHERE p.customer_id = {id} AND p.e164 = ?)",
            [value],
        )
    low = phone_rev(value)
    return _Source(
        1,
        "SELECT customer_id FROM search_phones WHERE rev >= ? AND rev < ?",
        "EXISTS (SELECT 1 FROM search_phones sp WHERE sp.customer_id = {id} "
        "AND sp.rev >= ? AND sp.rev < ?)",
        [low, low + _TOP],
        walk=_walk("search_phones", "rev", "search_phones_customer"),
    )


def _email_source(email: str) -> _Source:
    kind, key = email_match(email)
    if kind == "exact":
        return _Source(
            0,
            "SELECT customer_id FROM emails WHERE key = ?",
            "EXISTS (SELECT 1 FROM emails e WHERE e.customer_id = {id} AND e.key = ?)",
            [key],
        )
    if kind == "prefix":
        return _Source(
            1,
            "SELECT customer_id FROM emails WHERE key >= ? AND key < ?",
            "EXISTS (SELECT 1 FROM emails e WHERE e.customer_id = {id} "
            "AND e.key >= ? AND e.key < ?)",
            [key, key + _TOP],
            walk=_walk("emails", "key", "sqlite_autoindex_emails_1"),
        )
    low = email_rev(key)
    return _Source(
        1,
        "SELECT customer_id FROM search_emails WHERE rev >= ? AND rev < ?",
        "EXISTS (SELECT 1 FROM search_emails se WHERE se.customer_id = {id} "
        "AND se.rev >= ? AND se.rev < ?)",
        [low, low + _TOP],
        walk=_walk("search_emails", "rev", "search_emails_customer"),
    )


def _walk(table: str, column: str, index: str) -> tuple[str, str, str]:
    return (table, column, index)


def _small_tag(conn: Connection, tag_id: int, limit: int = 5000) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM customer_tags WHERE tag_id = ? LIMIT ?)",
        (tag_id, limit),
    ).fetchone()
    return row[0] < limit


def _tag_ids(conn: Connection, tags: list[str]) -> list[int | None]:
    from custinfo.validation import tag_key

    found: list[int | None] = []
    for tag in tags:
        key = tag_key(tag)
        if not key:
            continue
        row = conn.execute("SELECT id FROM tags WHERE key = ?", (key,)).fetchone()
        found.append(row[0] if row else None)
    return found


def run(conn: Connection, sql: str, params: list[Any]) -> list[int]:
    from custinfo.store.db import translate_errors

    with translate_errors():
        return [r[0] for r in conn.execute(sql, params)]
