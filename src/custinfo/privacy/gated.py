"""The gated export (`export --for PURPOSE [--channel C]`): only people the owner may
contact for the purpose, and an audit entry saying who received which list, and when.

Who is exported, by the purpose's basis:
- `consent`: the deciding ledger entry (`privacy.consent.latest`) is `given`. Holders of an
  opted-out contact always read `withdrawn` there (the write gate sees to it, see
  `store.consent.enforce`), so "given and no opt-out" is one lookup per customer;
- `legitimate-interest`: everyone except those whose deciding entry is `withdrawn` (an
  objection, GDPR Art. 21: absolute for direct marketing);
- `contract`, `legal-obligation`: everyone selected.
Left-out people are counted as without consent (no entry), opted out (the deciding entry
comes from an opt-out by contact) or withdrawn (any other withdrawal).

The audit entry (command `export`) links the exported ids (`audit_customers`, which purge
cuts) and its detail holds the purpose, channel, basis, format, the counts, the SHA-256 of
the bytes written, and the filter without personal values: the option names given and an
HMAC of their values under a key derived from the database's own key (`filter_hmac`), so
the filter can be confirmed later by someone holding the database, never guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, TextIO

from custinfo.privacy.consent import OPT_OUT, Purpose, get_purpose

_FILTER_LABEL = b"custinfo export filter v1"


@dataclass(slots=True)
class GateResult:
    purpose: str
    channel: str | None
    basis: str
    exported: int = 0
    without_consent: int = 0
    withdrawn: int = 0
    opted_out: int = 0
    sha256: str = ""
    audit_id: int | None = None

    def line(self) -> str:
        """The stderr summary, e.g. `exported 83 customers for sms-marketing; left out 17
        without consent, 2 withdrawn, 1 opted out`."""
        from custinfo.i18n import _, plural

        return _(
            "exported {customers} for {purpose}; left out {without} without consent, "
            "{withdrawn} withdrawn, {opted_out} opted out"
        ).format(customers=plural(self.exported, "customer"), purpose=self.purpose,
                 without=self.without_consent, withdrawn=self.withdrawn,
                 opted_out=self.opted_out)  # fmt: skip


class _Hashing:
    """A text stream that hashes the UTF-8 bytes it passes on."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def classify(
    conn: Any, ids: list[int] | None, p: Purpose, channel: str | None, result: GateResult
) -> list[int]:
    """The ids that may be exported, in the order given (None: every customer, id order);
    counts the others in `result`."""
    from custinfo.store import consent as rows

    if p.basis in ("contract", "legal-obligation"):
        if ids is not None:
            return list(ids)
        return [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    need_consent = p.basis == "consent"
    kept = []
    for cid, decided in rows.deciding(conn, ids, p.key, channel):
        if decided is None:
            if need_consent:
                result.without_consent += 1
            else:
                kept.append(cid)
            continue
        state, _, source = decided.partition(" ")
        if state == "given":
            kept.append(cid)
        elif source == OPT_OUT:
            result.opted_out += 1
        else:
            result.withdrawn += 1
    return kept


def filter_hmac(conn: Any, filters: dict[str, Any]) -> str:
    """HMAC-SHA256 of the filter values (canonical JSON) under a key derived from the
    database's suppression key: confirmable with the database, not guessable without it."""
    from custinfo.privacy.suppression import key

    fkey = hmac.new(key(conn), _FILTER_LABEL, hashlib.sha256).digest()
    text = json.dumps(filters, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(fkey, text.encode(), hashlib.sha256).hexdigest()


def export_for(
    store: Any, out: TextIO, fmt: str, *, ids: list[int] | None, purpose: str,
    channel: str | None = None, excel: bool = False, vcard_version: str = "3.0",
    filters: dict[str, Any] | None = None,
) -> GateResult:  # fmt: skip
    """Export the customers among `ids` (None: everyone) that may be contacted for
    `purpose`, and record the audit entry (see the module docstring)."""
    from custinfo.export import export
    from custinfo.privacy.consent import check_channel
    from custinfo.store.consent import data_version

    version = data_version(store.conn)  # another connection's commit changes it
    p = get_purpose(store, purpose)
    channel = check_channel(channel) if channel else None
    channel = None if channel == "any" else channel
    result = GateResult(p.key, channel, p.basis)
    allowed = classify(store.conn, ids, p, channel, result)
    hashing = _Hashing(out)
    complete = False
    try:
        result.exported = export(
            store, hashing, fmt, ids=allowed, excel=excel, vcard_version=vcard_version
        )
        complete = True
    finally:
        result.sha256 = hashing.digest.hexdigest()
        _record(store, result, allowed, fmt, filters or {}, complete=complete, version=version)
    return result


def _record(
    store: Any, result: GateResult, ids: list[int], fmt: str, filters: dict[str, Any],
    *, complete: bool, version: int | None = None,
) -> None:  # fmt: skip
    detail = {
        "purpose": result.purpose, "channel": result.channel, "basis": result.basis,
        "format": fmt, "exported": result.exported if complete else None,
        "left_out": {"without_consent": result.without_consent,
                     "withdrawn": result.withdrawn, "opted_out": result.opted_out},
        "sha256": result.sha256 if complete else None,
        "filter": {"options": sorted(filters), "hmac": filter_hmac(store.conn, filters)},
    }  # fmt: skip
    if not complete:
        detail["incomplete"] = True  # the reader stopped early (a closed pipe) or an error
    from custinfo.store.consent import absent, data_version

    with store.write("export") as w:
        # Erased meanwhile (only if another process committed since): never linked.
        changed = version is None or data_version(w.conn) != version
        missing = absent(w.conn, ids) if changed else set()
        w.name(i for i in ids if i not in missing)
        w.audit(detail=json.dumps(detail, ensure_ascii=False, separators=(",", ":")))
    result.audit_id = w.audit_id
