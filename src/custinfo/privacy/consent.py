"""Consent per purpose: purposes, the consent ledger, opt-outs by contact.

A **purpose** (`purpose add`) says why data is processed, on which lawful basis, and for
how long it may be kept. The **consent ledger** (table `consents`, a record kind) is
append-only: `consent give` / `consent withdraw` add an entry per customer, purpose and
channel; the current state is the latest entry (by its time `at`, then by id):

- for one channel C: the latest entry whose channel is C or `any`;
- without a channel (every channel): the latest entry whose channel is `any` or whose state
  is `withdrawn`; so consent counts only when it was given for `any` channel and not
  withdrawn since on any channel.

An **opt-out** (`consent withdraw --phone P | --email E PURPOSE`) is kept per contact, as a
keyed HMAC like the suppression list (`privacy.suppression.digest`, same key), in its own
ledger (`optouts`) that purge never erases; it works for contacts no customer holds. Every
customer holding an opted-out contact gets a `withdrawn` entry (source `opt-out`), now and
whenever `add`, `edit`, `import`, `merge` or a restore brings such a contact to a customer
(`store.consent.enforce`, run by the write gate), and `consent give ID` is refused for them
until the opt-out is lifted with `consent give --phone/--email`. Opt-outs are journalled
(`privacy.optout_journal`) so `backup restore` re-applies the ones recorded after the backup.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from custinfo.errors import NotFoundError, UsageError, ValidationError

ANY = "any"
SPECIFIC = ("sms", "email", "phone", "wechat", "post")
CHANNELS = (*SPECIFIC, ANY)
GIVEN, WITHDRAWN = "given", "withdrawn"
BASES = ("consent", "contract", "legal-obligation", "legitimate-interest")
FROMS = ("last-contact", "withdrawal", "created")
#: `source` of ledger entries: how they were recorded.
MANUAL, CONTACT, IMPORT, OPT_OUT = "manual", "contact", "import", "opt-out"
_KEY = re.compile(r"^\w[\w.-]{0,39}$")
MAX_METHOD = 500


class Entry(NamedTuple):
    """One ledger entry as the state rules see it (customer or contact ledger)."""

    at: str
    id: int
    channel: str
    state: str
    source: str = ""


@dataclass(slots=True)
class Purpose:
    key: str
    label: str
    basis: str
    retention: str | None = None
    retention_from: str | None = None
    created_at: str = ""

    def rule(self) -> str:
        """The retention rule in words ("2y from withdrawal"; "" without one)."""
        return f"{self.retention} from {self.retention_from}" if self.retention else ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ContactResult:
    """What an opt-out (or a lift) by contact did."""

    batch: str
    holders: list[int] = field(default_factory=list)


# -- checking what the owner typed ------------------------------------------------------------
def check_key(raw: str) -> str:
    key = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not _KEY.match(key):
        raise ValidationError(
            f"purpose {raw!r}: use 1-40 letters, digits, '-', '_' or '.', e.g. sms-marketing",
            "purpose",
        )
    return key


def check_channel(raw: str | None) -> str:
    channel = (raw or ANY).strip().lower()
    if channel not in CHANNELS:
        raise ValidationError(
            f"channel {raw!r}: use one of {', '.join(CHANNELS)}", "channel"
        )  # fmt: skip
    return channel


def check_method(raw: str | None) -> str:
    from custinfo.text import normalize_text

    method = normalize_text(raw or "")
    if len(method) > MAX_METHOD:
        raise ValidationError(f"--method is longer than {MAX_METHOD} characters", "method")
    return method


def parse_target(value: str) -> tuple[str, str | None]:
    """`PURPOSE[:CHANNEL]` (find --consent) as (key, channel or None for every channel)."""
    key, sep, channel = value.partition(":")
    return check_key(key), check_channel(channel) if sep else None


# -- the state rules (pure; `store.consent` holds their SQL twins) ----------------------------
def latest(entries: Sequence[Entry], channel: str | None) -> Entry | None:
    """The entry that decides the state for `channel` (None: every channel); `entries` in
    ledger order (at, id)."""
    for entry in reversed(entries):
        if channel is None:
            if entry.channel == ANY or entry.state == WITHDRAWN:
                return entry
        elif entry.channel in (channel, ANY):
            return entry
    return None


def state(entries: Sequence[Entry], channel: str | None) -> str | None:
    entry = latest(entries, channel)
    return entry.state if entry else None


def in_force(entries: Sequence[Entry]) -> bool:
    """Consent given on some channel and not withdrawn since for that channel or for `any`
    (what keeps a consent purpose covering a customer, see `privacy.retention`)."""
    withdrawn: set[str] = set()
    for entry in reversed(entries):
        if entry.state == WITHDRAWN:
            if entry.channel == ANY:
                return False
            withdrawn.add(entry.channel)
        elif entry.channel == ANY or entry.channel not in withdrawn:
            return True
    return False


def blocked(rows: Sequence[Entry]) -> set[str]:
    """Channels a contact is opted out of, from its contact-ledger rows for one purpose."""
    return {c for c in SPECIFIC if state(rows, c) == WITHDRAWN}


def needed(entries: Sequence[Entry], channels: set[str]) -> list[str]:
    """Channels that need a `withdrawn` entry so that every channel in `channels` (blocked by
    an opt-out) reads `withdrawn`; all of them at once as one `any` entry."""
    if not channels:
        return []
    if channels >= set(SPECIFIC):
        return [] if all(state(entries, c) == WITHDRAWN for c in SPECIFIC) else [ANY]
    return [c for c in SPECIFIC if c in channels and state(entries, c) != WITHDRAWN]


# -- purposes ---------------------------------------------------------------------------------
def add_purpose(
    store: Any, key: str, *, label: str, basis: str, retention: str | None = None,
    retention_from: str | None = None,
) -> Purpose:  # fmt: skip
    """Declare a purpose; an existing key is refused (exit 2)."""
    from custinfo.privacy.dates import check_duration
    from custinfo.store import consent as rows
    from custinfo.text import normalize_text

    key = check_key(key)
    label = normalize_text(label or "")
    if not label or len(label) > 200:
        raise ValidationError("--label must be 1-200 characters", "label")
    if basis not in BASES:
        raise ValidationError(f"--basis {basis!r}: use one of {', '.join(BASES)}", "basis")
    if retention_from is not None and retention is None:
        raise UsageError("--from needs --retention")
    if retention is not None:
        retention = check_duration(retention)
        retention_from = retention_from or "last-contact"
        if retention_from not in FROMS:
            raise ValidationError(f"--from {retention_from!r}: use one of {', '.join(FROMS)}")
        if retention_from == "withdrawal" and basis != "consent":
            raise UsageError("--from withdrawal needs --basis consent (only consent is withdrawn)")
    with store.write("purpose add") as w:
        if rows.purpose(w.conn, key) is not None:
            raise UsageError(f"purpose {key!r} already exists")
        purpose = Purpose(key, label, basis, retention, retention_from, w.now())
        rows.add_purpose(w, purpose)
    return purpose


def purposes(store: Any) -> list[Purpose]:
    from custinfo.store import consent as rows

    return rows.purposes(store.conn)


def get_purpose(store: Any, key: str) -> Purpose:
    from custinfo.store import consent as rows

    found = rows.purpose(store.conn, check_key(key))
    if found is None:
        raise NotFoundError(f"no purpose {key!r} (see 'custinfo purpose list')")
    return found


# -- the ledger -------------------------------------------------------------------------------
def record(
    store: Any, customer_id: int, purpose: str, state_: str, *, channel: str | None = None,
    method: str | None = None, at: str | None = None,
) -> tuple[int, int]:  # fmt: skip
    """Append one entry for a customer; returns (customer id, entry id). Giving consent is
    refused while one of the customer's contacts is opted out of it on that channel."""
    from custinfo.store import consent as rows

    p = get_purpose(store, purpose)
    channel, method = check_channel(channel), check_method(method)
    with store.write(f"consent {'give' if state_ == GIVEN else 'withdraw'}") as w:
        cid = store.resolve_id(customer_id)
        when = at or w.now()
        if state_ == GIVEN:
            blocked_now = rows.blocked_channels(w.conn, [cid]).get((cid, p.key), set())
            if blocked_now and (channel == ANY or channel in blocked_now):
                raise UsageError(
                    f"customer {cid} has a phone or email that opted out of {p.key}: lift "
                    f"the opt-out first with 'custinfo consent give --phone|--email CONTACT "
                    f"{p.key}'"
                )
        entry_id = rows.append(w, [(cid, p.key, channel, state_, when, method, MANUAL)])[0]
    return cid, entry_id


def contact_digest(
    store: Any, *, phone: str | None, email: str | None, region: str
) -> tuple[bytes, str, str]:
    """(hmac, kind, normalised value) of a typed phone or email."""
    from custinfo import validation
    from custinfo.privacy import suppression

    if (phone is None) == (email is None):
        raise UsageError("give exactly one of --phone or --email")
    if phone is not None:
        kind, value = "phone", validation.normalize_phone(phone, region).e164
    else:
        kind, value = "email", validation.normalize_email(email or "").key
    return suppression.digest(suppression.key(store.conn), kind, value), kind, value


def record_contact(
    store: Any, purpose: str, state_: str, *, phone: str | None = None, email: str | None = None,
    region: str = "CN", channel: str | None = None, method: str | None = None,
    at: str | None = None,
) -> ContactResult:  # fmt: skip
    """An opt-out (`withdrawn`) or its lift (`given`) by contact: the contact ledger gets a
    row (journalled first), and every customer holding the contact an entry."""
    p = get_purpose(store, purpose)
    channel, method = check_channel(channel), check_method(method)
    digest, kind, value = contact_digest(store, phone=phone, email=email, region=region)
    command = f"consent {'give' if state_ == GIVEN else 'withdraw'}"
    items = [(digest, kind, p.key, channel, state_, at)]
    return apply_contacts(store, items, method, command, clear={digest: (kind, value)})


def apply_contacts(
    store: Any, items: Sequence[tuple[bytes, str, str, str, str, str | None]], method: str,
    command: str, *, clear: dict[bytes, tuple[str, str]] | None = None,
) -> ContactResult:  # fmt: skip
    """Contact-ledger rows (hmac, kind, purpose, channel, state, at or None): journalled,
    stored, and mirrored in the holders' ledgers, in one write unit. `clear` maps each
    HMAC to its (kind, normalised value), to find the holders by index."""
    from custinfo.store import consent as rows

    batch = secrets.token_hex(8)
    result = ContactResult(batch)
    with store.write(command) as w:
        now = w.now()
        items = [(h, k, p, c, s, at or now) for h, k, p, c, s, at in items]
        from custinfo.privacy.optout_journal import journal_optouts

        journal_optouts(store, batch, items)
        rows.append_contacts(w, batch, items)
        holders = rows.holders(w.conn, {h for h, *_ in items}, clear)
        entries = []
        for digest, kind, purpose, channel, state_, at in items:
            how = OPT_OUT if state_ == WITHDRAWN else CONTACT
            text = method or f"{'opt-out' if state_ == WITHDRAWN else 'opt-in'} by {kind}"
            entries += [(cid, purpose, channel, state_, at, text, how)
                        for cid in holders.get(digest, ())]  # fmt: skip
        rows.append(w, entries)
        result.holders = sorted({e[0] for e in entries})
        w.audit(detail=contact_detail(batch, items), fields=["optouts"])
    return result


def contact_detail(batch: str, items: Sequence[tuple]) -> str:
    """The audit detail of contact-ledger rows: counts and purposes, never a contact."""
    import json

    states = sorted({i[4] for i in items})
    return json.dumps(
        {"optouts": batch, "contacts": len(items), "purposes": sorted({i[2] for i in items}),
         "states": states},
        ensure_ascii=False,
    )  # fmt: skip


def history(store: Any, customer_id: int) -> tuple[int, list[dict[str, Any]]]:
    """(resolved id, every ledger entry of the customer, oldest first)."""
    from custinfo.store import records

    cid = store.resolve_id(customer_id)
    return cid, [records.CONSENTS.to_public(r) for r in records.CONSENTS.rows(store.conn, cid)]


def current(store: Any, customer_id: int) -> list[dict[str, Any]]:
    """Per purpose: basis, the state for every channel and per channel, and opt-outs."""
    from custinfo.store import consent as rows

    cid = store.resolve_id(customer_id)
    ledger = rows.entries(store.conn, [cid]).get(cid, {})
    blocks = rows.blocked_channels(store.conn, [cid])
    out = []
    for p in purposes(store):
        entries = ledger.get(p.key, [])
        out.append({
            "purpose": p.key, "label": p.label, "basis": p.basis,
            "state": state(entries, None),
            "channels": {c: state(entries, c) for c in SPECIFIC if state(entries, c)},
            "opted_out": _channels(blocks.get((cid, p.key), set())),
        })  # fmt: skip
    return out


def _channels(channels: set[str]) -> list[str]:
    """Channels in a fixed order; all of them as ["any"]."""
    return [ANY] if channels >= set(SPECIFIC) else [c for c in SPECIFIC if c in channels]
