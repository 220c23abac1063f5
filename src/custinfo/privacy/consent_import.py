"""`consent import FILE --purpose P`: consent states by contact, from CSV or TSV.

Columns (headers matched like the customer import's: case, spacing and full-width forms
folded; Chinese headers too): `phone` and/or `email` (at least one column), `state`
(`given` or `withdrawn`; also 同意 / 撤回), and optionally `at` (when; default now),
`method` (default `import:FILE`) and `channel` (default `--channel`, else `any`).

Each row is what `consent give|withdraw --phone/--email` does: a row of the contact ledger
(HMAC only) and an entry for every customer holding the contact; a `withdrawn` row is an
opt-out and holds for contacts no customer has. Rows apply in time order, so an older row
never overrides a newer state. All-or-nothing like the customer import: one invalid row and
nothing is recorded (exit 2), every problem reported; `--dry-run` validates and counts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from custinfo.errors import UsageError, ValidationError
from custinfo.privacy import consent

ALIASES = {
    "phone": ("phone", "mobile", "tel", "telephone", "phone number", "cell", "电话", "手机",
              "手机号", "手机号码", "电话号码", "联系电话"),
    "email": ("email", "e-mail", "email address", "mail", "邮箱", "电子邮件", "电子邮箱"),
    "state": ("state", "status", "consent", "状态", "同意状态"),
    "at": ("at", "time", "date", "datetime", "when", "时间", "日期"),
    "method": ("method", "how", "source", "方式", "来源", "渠道说明"),
    "channel": ("channel", "渠道"),
}  # fmt: skip
STATES = {"given": consent.GIVEN, "withdrawn": consent.WITHDRAWN, "同意": consent.GIVEN,
          "撤回": consent.WITHDRAWN, "撤销": consent.WITHDRAWN}  # fmt: skip
MAX_REPORTED = 50


@dataclass
class ConsentImport:
    read: int = 0
    given: int = 0
    withdrawn: int = 0
    rejected: int = 0
    customers: int = 0  # customers whose ledger got an entry
    unheld: int = 0  # contacts no customer holds (kept in the contact ledger)
    committed: bool = False
    dry_run: bool = False
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def line(self) -> str:
        from custinfo.i18n import _

        if self.rejected:
            return _("read {read}, rejected {rejected}: nothing imported").format(
                read=self.read, rejected=self.rejected
            )
        text = _(
            "read {read}, given {given}, withdrawn {withdrawn}, rejected 0; "
            "{customers} customers updated, {unheld} contacts held by no customer"
        ).format(read=self.read, given=self.given, withdrawn=self.withdrawn,
                 customers=self.customers, unheld=self.unheld)  # fmt: skip
        return text + (_(" (dry run: nothing written)") if self.dry_run else "")


def _columns(header: list[str]) -> dict[str, int]:
    from custinfo.importer.mapping import header_key

    lookup = {header_key(a): name for name, names in ALIASES.items() for a in names}
    found: dict[str, int] = {}
    for index, head in enumerate(header):
        name = lookup.get(header_key(head))
        if name is None:
            continue
        if name in found:
            raise UsageError(f"two columns mean {name}: {header[found[name]]!r} and {head!r}")
        found[name] = index
    if "state" not in found:
        raise UsageError(f"no state column among {', '.join(map(repr, header))}")
    if "phone" not in found and "email" not in found:
        raise UsageError(f"no phone or email column among {', '.join(map(repr, header))}")
    return found


def run(
    store: Any, stream: BinaryIO, *, purpose: str, channel: str | None = None,
    region: str = "CN", encoding: str | None = None, source_name: str = "stdin",
    dry_run: bool = False, warn: Callable[[str], None] = lambda message: None,
) -> ConsentImport:  # fmt: skip
    """Validate every row, then record them all in one write unit (see the module doc)."""
    from custinfo import validation
    from custinfo.importer.source import csv_records, open_source
    from custinfo.privacy import suppression
    from custinfo.privacy.dates import parse_when

    p = consent.get_purpose(store, purpose)
    default_channel = consent.check_channel(channel)
    source = open_source(stream, None, encoding)
    if source.fmt not in ("csv", "tsv"):
        raise UsageError("consent import reads CSV or TSV (a header line, then one row a line)")
    records = csv_records(source)
    first = next(records, None)
    cols = _columns(source.header)
    unknown = [h for i, h in enumerate(source.header) if i not in cols.values()]
    if unknown:
        warn(f"columns ignored: {', '.join(map(repr, unknown))}")
    summary = ConsentImport(dry_run=dry_run)
    hkey = suppression.key(store.conn)
    rows: list[tuple[str, int, bytes, str, str, str, str]] = []  # at, line, hmac, kind, ...
    clear: dict[bytes, tuple[str, str]] = {}

    def cell(values: list[str], name: str) -> str:
        index = cols.get(name)
        return values[index].strip() if index is not None and index < len(values) else ""

    def problem(line: int, column: str, reason: str) -> None:
        summary.rejected += 1
        if len(summary.problems) < MAX_REPORTED:
            summary.problems.append((line, column, reason))

    for line, values in ([first] if first else []) + list(records):
        summary.read += 1
        try:
            state = STATES.get(cell(values, "state").lower())
            if state is None:
                raise ValidationError(f"state {cell(values, 'state')!r}: use given or withdrawn",
                                      "state")  # fmt: skip
            at = parse_when(cell(values, "at"), "at") if cell(values, "at") else ""
            chan = consent.check_channel(cell(values, "channel") or default_channel)
            method = consent.check_method(cell(values, "method")) or f"import:{source_name}"
            contacts = []
            if raw := cell(values, "phone"):
                contacts.append(("phone", validation.normalize_phone(raw, region).e164))
            if raw := cell(values, "email"):
                contacts.append(("email", validation.normalize_email(raw).key))
            if not contacts:
                raise ValidationError("no phone or email in this row", "phone")
        except ValidationError as exc:
            problem(line, exc.field or "row", str(exc))
            continue
        summary.given += state == consent.GIVEN
        summary.withdrawn += state == consent.WITHDRAWN
        for kind, value in contacts:
            digest = suppression.digest(hkey, kind, value)
            clear[digest] = (kind, value)
            rows.append((at, line, digest, kind, chan, state, method))
    if summary.rejected:
        return summary
    _record(store, p.key, rows, clear, summary)
    return summary


def _record(
    store: Any, purpose: str, rows: list[tuple], clear: dict[bytes, tuple[str, str]],
    summary: ConsentImport,
) -> None:  # fmt: skip
    from custinfo.privacy.optout_journal import journal_optouts
    from custinfo.store import consent as ledger

    class _DryRun(Exception):
        pass

    batch = secrets.token_hex(8)
    try:
        with store.write("consent import") as w:
            now = w.now()
            rows = sorted((at or now, line, *rest) for at, line, *rest in rows)  # time order
            items = [(d, k, purpose, c, s, at) for at, _, d, k, c, s, _ in rows]
            holders = ledger.holders(w.conn, set(clear), clear)
            summary.unheld = sum(1 for d in clear if not holders.get(d))
            entries = []
            for at, _, digest, _, chan, state, method in rows:
                how = consent.IMPORT if state == consent.GIVEN else consent.OPT_OUT
                entries += [(cid, purpose, chan, state, at, method, how)
                            for cid in holders.get(digest, ())]  # fmt: skip
            summary.customers = len({e[0] for e in entries})
            if summary.dry_run:
                raise _DryRun
            journal_optouts(store, batch, items)
            ledger.append_contacts(w, batch, items)
            ledger.append(w, entries)
            w.audit(detail=consent.contact_detail(batch, items), fields=["optouts"])
        summary.committed = True
    except _DryRun:
        pass
