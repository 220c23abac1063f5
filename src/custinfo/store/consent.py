"""Consent rows: the write-gate operations and reads behind `custinfo.privacy.consent`.

Writes take the `Write` (one unit of work); `enforce` is also run by the gate on exit for
every customer whose phones, emails or consents changed, so no road (add, edit, import,
merge, unmerge, a restore) can leave a customer holding an opted-out contact without a
`withdrawn` entry for that purpose and channel.

The SQL twins of the state rules of `privacy.consent` (`latest`) are `latest_sql` (used by
the find filters and the gated export); `tests/test_consent.py` proves them equal.
"""

from __future__ import annotations

import hmac
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from custinfo.store.db import Connection

if TYPE_CHECKING:
    from custinfo.privacy.consent import Entry, Purpose
    from custinfo.store.gate import Write

_IDS = "(SELECT value FROM json_each(?))"
_CHUNK = 500
AUTO_METHOD = "automatic: contact opted out"


# -- purposes ---------------------------------------------------------------------------------
_PURPOSE = "SELECT key, label, basis, retention, retention_from, created_at FROM purposes"


def purposes(conn: Connection) -> list[Purpose]:
    from custinfo.privacy.consent import Purpose

    return [Purpose(*r) for r in conn.execute(_PURPOSE + " ORDER BY key")]


def purpose(conn: Connection, key: str) -> Purpose | None:
    from custinfo.privacy.consent import Purpose

    row = conn.execute(_PURPOSE + " WHERE key = ?", (key,)).fetchone()
    return Purpose(*row) if row else None


def add_purpose(w: Write, p: Purpose) -> None:
    w.conn.execute(
        "INSERT INTO purposes(key, label, basis, retention, retention_from, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (p.key, p.label, p.basis, p.retention, p.retention_from, p.created_at),
    )
    w.audit(detail=json.dumps({"purpose": p.key}, ensure_ascii=False), fields=["purposes"])


# -- the customer ledger ----------------------------------------------------------------------
def append(w: Write, rows: Sequence[tuple[int, str, str, str, str, str, str]]) -> list[int]:
    """Append ledger entries (customer id, purpose, channel, state, at, method, source);
    returns their ids."""
    now = w.now()
    ids = [
        w.conn.execute(
            "INSERT INTO consents(customer_id, purpose, channel, state, at, method, source, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, now),
        ).lastrowid
        for row in rows
    ]
    if rows:
        w.touch("consents", sorted({r[0] for r in rows}))
    return ids


def entries(
    conn: Connection, ids: Iterable[int], purpose: str | None = None
) -> dict[int, dict[str, list[Entry]]]:
    """Ledger entries per customer and purpose, in ledger order (at, id)."""
    from custinfo.privacy.consent import Entry

    out: dict[int, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    extra, params = ("AND purpose = ? ", [purpose]) if purpose else ("", [])
    for chunk in _chunks(ids):
        for cid, p, at, eid, channel, state, source in conn.execute(
            f"SELECT customer_id, purpose, at, id, channel, state, source FROM consents "
            f"WHERE customer_id IN {_IDS} {extra}ORDER BY customer_id, purpose, at, id",
            [json.dumps(chunk), *params],
        ):
            out[cid][p].append(Entry(at, eid, channel, state, source))
    return out


def latest_sql(channel: str | None, what: str = "k.state") -> str:
    """SQL for the deciding entry's `what` of customer `{id}` for purpose `?` (the twin of
    `privacy.consent.latest`); with a channel, a second `?` is the channel."""
    where = "k.channel IN (?, 'any')" if channel else "(k.channel = 'any' OR k.state = 'withdrawn')"
    return (
        f"(SELECT {what} FROM consents k WHERE k.customer_id = {{id}} AND k.purpose = ? "
        f"AND {where} ORDER BY k.at DESC, k.id DESC LIMIT 1)"
    )


def deciding(
    conn: Connection, ids: Sequence[int] | None, purpose: str, channel: str | None
) -> Iterable[tuple[int, str | None]]:
    """(customer id, "STATE SOURCE" of the deciding entry or None) for `ids` in order, or
    for every customer in id order."""
    sub = latest_sql(channel, "k.state || ' ' || k.source")
    args = [purpose, channel] if channel else [purpose]
    if ids is None:
        yield from conn.execute(f"SELECT c.id, {sub.format(id='c.id')} FROM customers c "
                                "ORDER BY c.id", args)  # fmt: skip
        return
    for start in range(0, len(ids), 5000):
        part = json.dumps(list(ids[start : start + 5000]))
        yield from conn.execute(
            f"SELECT j.value, {sub.format(id='j.value')} FROM json_each(?) j ORDER BY j.key",
            [*args, part],  # the subquery's marks come first in the text
        )


def data_version(conn: Connection) -> int:
    """SQLite's `data_version`: changes when another connection commits (the gated export
    checks for erased customers only then)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def absent(conn: Connection, ids: Sequence[int]) -> set[int]:
    """The ids that are not live customers (one statement: the gated export's check that
    nobody it links was erased meanwhile, 100k ids in a few ms)."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT j.value FROM json_each(?) j WHERE NOT EXISTS "
            "(SELECT 1 FROM customers c WHERE c.id = j.value)",
            (json.dumps(list(ids)),),
        )
    }


# -- the contact ledger (opt-outs) ------------------------------------------------------------
def append_contacts(w: Write, batch: str, items: Iterable[tuple]) -> None:
    """Contact-ledger rows (hmac, kind, purpose, channel, state, at); never erased."""
    w.conn.executemany(
        "INSERT OR IGNORE INTO optouts(hmac, kind, purpose, channel, state, at, batch) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((*item, batch) for item in items),
    )
    w.audit()


def batches(conn: Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT DISTINCT batch FROM optouts")}


def _has_optouts(conn: Connection) -> bool:
    row = conn.execute("SELECT 1 FROM optouts WHERE state = 'withdrawn' LIMIT 1").fetchone()
    return row is not None


def optout_rows(conn: Connection, digests: set[bytes]) -> dict[bytes, dict[str, list[Entry]]]:
    """Contact-ledger rows per HMAC (only those in `digests`) and purpose, in order."""
    from custinfo.privacy.consent import Entry

    out: dict[bytes, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    sql = "SELECT hmac, purpose, at, channel, state FROM optouts"
    wanted = sorted(digests)
    found = (
        r
        for start in range(0, len(wanted), _CHUNK)
        for r in conn.execute(
            f"{sql} WHERE hmac IN ({','.join('?' * len(wanted[start : start + _CHUNK]))})",
            wanted[start : start + _CHUNK],
        )
    )
    for h, p, at, channel, state in sorted(found, key=lambda r: (r[0], r[1], r[2])):
        out[h][p].append(Entry(at, 0, channel, state))
    return out


def contact_digests(conn: Connection, ids: Iterable[int]) -> dict[int, set[bytes]]:
    """Keyed HMACs (`privacy.suppression.digest`) of each customer's phones and emails."""
    from custinfo.privacy.suppression import key

    hkey = key(conn)
    out: dict[int, set[bytes]] = defaultdict(set)
    for chunk in _chunks(ids):
        wanted = json.dumps(chunk)
        for sql, kind in (
            (f"SELECT customer_id, e164 FROM phones WHERE customer_id IN {_IDS}", b"phone:"),
            (f"SELECT customer_id, key FROM emails WHERE customer_id IN {_IDS}", b"email:"),
        ):
            for cid, value in conn.execute(sql, (wanted,)):
                out[cid].add(hmac.digest(hkey, kind + value.encode(), "sha256"))
    return out


def holders(
    conn: Connection, digests: set[bytes], clear: dict[bytes, tuple[str, str]] | None = None
) -> dict[bytes, list[int]]:
    """Live customers holding each contact: by index when the clear values are known (a
    contact the owner typed), else by digesting every stored contact (a restore)."""
    out: dict[bytes, list[int]] = defaultdict(list)
    if not digests:
        return out
    if clear is not None:
        for digest, (kind, value) in clear.items():
            sql = (
                "SELECT DISTINCT customer_id FROM phones WHERE e164 = ?"
                if kind == "phone"
                else "SELECT DISTINCT customer_id FROM emails WHERE key = ?"
            )
            out[digest] = sorted(r[0] for r in conn.execute(sql, (value,)))
        return out
    from custinfo.privacy.suppression import key

    hkey = key(conn)
    for sql, kind in (
        ("SELECT customer_id, e164 FROM phones", b"phone:"),
        ("SELECT customer_id, key FROM emails", b"email:"),
    ):
        for cid, value in conn.execute(sql):
            digest = hmac.digest(hkey, kind + value.encode(), "sha256")
            if digest in digests:
                out[digest].append(cid)
    return out


def blocked_channels(conn: Connection, ids: Iterable[int]) -> dict[tuple[int, str], set[str]]:
    """(customer, purpose) → channels it is opted out of through one of its contacts; ids
    are read in chunks, so a million imported customers cost flat memory."""
    from custinfo.privacy.consent import blocked

    out: dict[tuple[int, str], set[str]] = {}
    if not _has_optouts(conn):
        return out
    known = {r[0] for r in conn.execute("SELECT DISTINCT hmac FROM optouts")}  # 32 B each
    for chunk in _chunks(ids, 5000):
        held = contact_digests(conn, chunk)
        rows = optout_rows(conn, set().union(*held.values()) & known if held else set())
        for cid, digests in held.items():
            for digest in digests & rows.keys():
                for p, contact_rows in rows[digest].items():
                    if channels := blocked(contact_rows):
                        out.setdefault((cid, p), set()).update(channels)
    return out


def enforce(w: Write, ids: Iterable[int]) -> None:
    """Give every customer in `ids` that holds an opted-out contact the `withdrawn` entries
    its opt-outs require (source `opt-out`), and leave a notice for the owner."""
    from custinfo.i18n import _
    from custinfo.privacy.consent import OPT_OUT, needed

    conn = w.conn
    if not _has_optouts(conn):
        return
    blocks = blocked_channels(conn, ids)
    if not blocks:
        return
    ledger = entries(conn, sorted({cid for cid, _p in blocks}))
    now = w.now()
    added: list[tuple[int, str, str, str, str, str, str]] = []
    for (cid, p), channels in sorted(blocks.items()):
        current = ledger.get(cid, {}).get(p, [])
        at = max([now, *(e.at for e in current[-1:])])
        for channel in needed(current, channels):
            added.append((cid, p, channel, "withdrawn", at, AUTO_METHOD, OPT_OUT))
    append(w, added)
    by_purpose: dict[str, dict[int, None]] = defaultdict(dict)
    for cid, p, *_rest in added:
        by_purpose[p][cid] = None
    for p, found in sorted(by_purpose.items()):
        cids = list(found)
        shown = ", ".join(map(str, cids[:10])) + (", …" if len(cids) > 10 else "")
        text = (
            _("1 customer holds a phone or email opted out of {purpose}: consent recorded "
              "as withdrawn (customer {ids})")
            if len(cids) == 1
            else _("{n} customers hold a phone or email opted out of {purpose}: consent "
                   "recorded as withdrawn (customer {ids})")
        )  # fmt: skip
        w.notices.append(text.format(n=f"{len(cids):,}", purpose=p, ids=shown))


def _chunks(ids: Iterable[int], size: int = _CHUNK) -> Iterable[list[int]]:
    chunk: list[int] = []
    for i in ids:
        chunk.append(i)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
