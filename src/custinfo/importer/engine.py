"""The import run: read, validate (in worker processes for large inputs), dedupe, insert.

Everything happens inside ONE transaction. All-or-nothing (the default): the first invalid
row stops inserting, the remaining rows are still validated so every problem is reported,
and the transaction is rolled back. With a rejects file, invalid rows go there and the
valid ones are committed. A dry run does the whole import and then rolls it back. No
personal data is ever written to a temporary file: rows travel to the validating workers
through pipes, and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from custinfo.collector import paused
from custinfo.i18n import _, gap
from custinfo.importer import fieldcols, formats, report
from custinfo.importer.keyfilter import KeyFilter
from custinfo.importer.mapping import columns, parse_maps
from custinfo.importer.parallel import validated
from custinfo.importer.rejects import RejectsWriter
from custinfo.importer.rows import Converter, Invalid, Valid
from custinfo.importer.same import Present
from custinfo.importer.source import csv_records, json_records, ndjson_records
from custinfo.models import Email, Phone
from custinfo.store.db import Connection, utc_now
from custinfo.store.gate import Write

MAX_REPORTED = 50
# Page cache during an import: big enough for fast indexed inserts (SQLCipher's default
# 8 MiB is ~3x slower at 1M rows), small enough to keep the process under 150 MB.
CACHE_KIB = 40 * 1024
POLICIES = ("skip", "merge", "add")
FILTER_MIN_ROWS = 20_000  # below this an import looks its duplicates up directly
SAMPLE_ROWS = 2000  # rows read first to see the file's day/month order


@dataclass
class ImportOptions:
    fmt: str | None = None  # csv | tsv | json | ndjson | vcard | xlsx; None = detect
    encoding: str | None = None
    maps: list[str] = field(default_factory=list)
    on_duplicate: str = "skip"
    rejects: RejectsWriter | None = None
    dry_run: bool = False
    region: str = "CN"
    source_name: str = "stdin"
    workers: int | None = None  # validating processes; None = one per core
    allow_suppressed: bool = False  # import contacts of erased people anyway
    sheet: str | None = None  # .xlsx: the worksheet (default: the first)
    date_order: str | None = None  # N/N/YYYY dates: dates.MDY or dates.DMY; None = resolve
    create_fields: bool = False  # declare a custom field for each unknown column


@dataclass
class Summary:
    read: int = 0
    imported: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    committed: bool = False
    dry_run: bool = False
    encoding: str = ""
    delimiter: str = ""
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # first MAX_REPORTED
    fmt: str = ""
    #: The mapping, grouped (`importer.report.mapping_lines`); empty for JSON input.
    mapping: list[str] = field(default_factory=list)
    #: Numbers read without a country code: {(region, region is the default): count}.
    no_country_code: dict[tuple[str, bool], int] = field(default_factory=dict)
    date_order: str = ""  # how N/N/YYYY dates were read, when the input had any
    photos: int = 0  # vCard photos (and logos, sounds, keys) skipped
    fields: list[Any] = field(default_factory=list)  # columns that feed custom fields

    def line(self) -> str:
        n = {k: f"{getattr(self, k):,}" for k in ("read", "imported", "merged", "skipped")}
        n["rejected"] = f"{self.rejected:,}"
        if not self.committed and not self.dry_run and self.rejected:
            return _("read {read}, rejected {rejected}: nothing imported").format(**n)
        text = _(
            "read {read}, imported {imported}, merged {merged}, skipped {skipped}, "
            "rejected {rejected}"
        ).format(**n)
        return text + (gap() + _("(dry run: nothing written)") if self.dry_run else "")

    def notes(self) -> list[str]:
        """What else the owner must know: numbers read in a region, date orders, photos
        skipped, rows already present."""
        return report.summary_notes(self)


class _Rollback(Exception):
    """Raised inside the transaction to undo it (dry run, all-or-nothing failure)."""


Progress = Callable[[int, int], None]  # (rows read, input bytes consumed)


def run_import(
    store: Any,
    stream: BinaryIO,
    options: ImportOptions,
    *,
    warn: Callable[[str], None] = lambda message: None,
    progress: Progress | None = None,
    announce: Callable[[list[str]], None] | None = None,
) -> Summary:
    """Import customers from a byte stream; see the module docstring for the semantics."""
    if options.on_duplicate not in POLICIES:
        from custinfo.errors import UsageError

        raise UsageError(
            _("--on-duplicate must be one of {value}").format(value=", ".join(POLICIES))
        )
    overrides = parse_maps(options.maps)
    stats = None
    if options.create_fields:  # one pass first: the new fields' types follow every value
        stream, stats = fieldcols.survey(stream, options, overrides)
    kind, stream = formats.sniff(stream, options.fmt, options.source_name)
    source = formats.open_input(kind, stream, options.fmt, options.encoding, options.sheet)
    now = utc_now()
    summary = Summary(dry_run=options.dry_run, encoding=source.encoding, fmt=source.fmt)
    records, converter = _prepare(store.conn, source, overrides, options, warn, now, summary,
                                  stats)  # fmt: skip
    summary.fields = converter.field_plan.columns
    if announce is not None and summary.mapping:
        announce(summary.mapping)
    summary.delimiter = source.delimiter if source.fmt in ("csv", "tsv") else ""
    loader = _Loader(store, options, summary, now)
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        chunks = validated(records, converter, options.workers)
        with paused(), store.write("import") as w, closing(chunks):  # error, Ctrl-C: workers stop
            fieldcols.declare(w, converter.field_plan)  # --create-fields
            for pairs in chunks:
                summary.read += len(pairs)
                loader.load_chunk(w, pairs)
                if progress is not None:
                    progress(summary.read, source.raw.consumed)
            if loader.failed or options.dry_run:
                raise _Rollback
            loader.finish(w)
        summary.committed = True
    except _Rollback:
        pass
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(cache)}")
    if progress is not None:
        progress(summary.read, source.raw.consumed)
    if isinstance(source, formats.Tabular) and source.cards is not None:
        summary.photos = source.cards.photos
    return summary


def _prepare(
    conn: Connection, source: Any, overrides: dict[str, str], options: ImportOptions,
    warn: Callable[[str], None], now: str, summary: Summary, stats: Any = None,
) -> tuple[Iterator[tuple[int, Any]], Converter]:  # fmt: skip
    from custinfo import dates
    from custinfo.export.tabular import CUSTOMER_FIELDS

    if source.fmt in ("json", "ndjson", "vcard"):
        if source.fmt == "vcard":
            records: Iterator[tuple[int, Any]] = iter(source.cards)
        else:
            records = (json_records if source.fmt == "json" else ndjson_records)(source)
        _none, fplan = fieldcols.resolve(conn, [], [], None)
        converter = Converter(
            [], [], overrides, options.region, now=now,
            date_order=options.date_order or dates.MDY, field_plan=fplan,
        )  # fmt: skip
        if options.rejects is not None:
            options.rejects.start_json()
        return records, converter
    records = source.sheet.records() if source.fmt == "xlsx" else csv_records(source)
    sample = report.take(records, SAMPLE_ROWS)
    header = source.sheet.header if source.fmt == "xlsx" else source.header
    if not header:
        from custinfo.errors import UsageError

        raise UsageError(_("the input is empty: expected a header line"))
    cols, fplan = fieldcols.resolve(conn, header, columns(header, overrides), stats)
    fields = [c.field for c in cols]
    unknown = [h for h, f in zip(header, fields, strict=True) if f is None]
    if unknown:
        warn(
            _(
                "unknown columns kept as a note per customer: {value} (map "
                "them with --map COLUMN=FIELD, or COLUMN=ignore)"
            ).format(value=", ".join(map(repr, unknown)))
        )
    order, summary.date_order = report.date_order(header, cols, sample, options.date_order)
    summary.mapping = report.mapping_lines(header, cols)
    base = CUSTOMER_FIELDS.index("wechat")  # custinfo's own columns before wechat, qq
    excel = (
        source.bom and source.encoding == "utf-8-sig"
        and tuple(header[:base]) == CUSTOMER_FIELDS[:base]
    )  # fmt: skip
    converter = Converter(
        header, fields, overrides, options.region, excel=excel, now=now, columns=cols,
        date_order=order, field_plan=fplan,
    )  # fmt: skip
    if options.rejects is not None:
        options.rejects.start_csv(header, source.delimiter or ",")

    def chained() -> Iterator[tuple[int, Any]]:
        yield from sample
        yield from records

    return chained(), converter


# -- loading ---------------------------------------------------------------------------------
class _Loader:
    """Applies validated rows: duplicate policy, buffered bulk insert or merge, rejects."""

    def __init__(self, store: Any, options: ImportOptions, summary: Summary, now: str) -> None:
        self.store = store
        self.options = options
        self.summary = summary
        self.source = f"import:{options.source_name}"
        self.now = now
        self.fields: set[str] = set()
        self.unseen = [(i, n) for i, n in enumerate(_FIELD_NAMES) if n]  # not in `fields` yet
        self.failed = False
        self.pending: list[Valid] = []
        self.pending_keys: set[str] = set()
        self.checker: Any = None
        self.hits: dict[str, int] = {}  # duplicate key -> lowest customer id, this chunk
        self.tag_ids: dict[str, int] = {}
        # Built once the import is big next to the database (reading every stored key then
        # costs less than the lookups it saves); None until then.
        self.filter: KeyFilter | None = None
        top = store.conn.execute("SELECT max(id) FROM customers").fetchone()[0] or 0
        self.filter_after = max(FILTER_MIN_ROWS, top // 2)  # rows read
        self.rows_read = 0
        self.present = Present()  # customers without phones and emails (same.py)

    def reject(self, record: Any, result: Invalid) -> None:
        self.summary.rejected += 1
        problems = self.summary.problems
        if len(problems) < MAX_REPORTED:
            for column, reason in result.problems:
                problems.append((result.line, column, reason))
        if self.options.rejects is not None:
            if not self.options.dry_run:
                self.options.rejects.write(record, result.message)
        else:
            self.failed = True
            self.pending.clear()

    def load_chunk(self, w: Write, pairs: list[tuple[Any, Valid | Invalid]]) -> None:
        """Apply one chunk: duplicates are looked up for the whole chunk in a few queries,
        and the chunk's new customers are written before the next chunk is looked up."""
        conn = w.conn  # reads only: every write goes through `w`
        self.rows_read += len(pairs)
        if self.options.on_duplicate != "add" and not self.failed:
            if self.filter is None and self.rows_read >= self.filter_after:
                self.filter = KeyFilter.from_db(conn)  # every earlier chunk is written
            valid = [r for _, r in pairs if not isinstance(r, Invalid)]
            self.hits = _prefetch(conn, valid, self.filter)
            self.present.prefetch(conn, valid, w.held.batches("dedupe_keys"))
        for record, result in pairs:
            if not isinstance(result, Invalid) and (refused := self._suppressed(conn, result)):
                result = refused
            if isinstance(result, Invalid):
                self.reject(record, result)
            else:
                self.load(w, result)
        if not self.failed:
            self.flush(w)

    def _suppressed(self, conn: Connection, row: Valid) -> Invalid | None:
        """A row with a phone or email of an erased person is invalid (the same check as
        `add`, see `custinfo.privacy.suppression`), unless allowed."""
        if self.options.allow_suppressed:
            return None
        if self.checker is None:
            from custinfo.privacy.suppression import Checker

            self.checker = Checker(conn)
        if self.checker.empty:
            return None
        error = self.checker.refusal(
            (Phone(e164, ext or None) for e164, ext in row.phones),
            (Email(address, key) for address, key in row.emails),
        )
        return Invalid(row.line, [(error.field or "row", str(error))]) if error else None

    def _match(self, keys: frozenset[str]) -> int | None:
        hits = self.hits
        return min((hits[k] for k in keys if k in hits), default=None)

    def load(self, w: Write, row: Valid) -> None:
        if self.failed:
            return  # all-or-nothing already lost: keep validating, stop writing
        policy = self.options.on_duplicate
        existing = None
        keys = row.keys
        if row.no_cc:
            region, count, default = row.no_cc
            counts = self.summary.no_country_code
            counts[(region, default)] = counts.get((region, default), 0) + count
        if policy != "add" and not keys:  # no phone, no email: same name and values
            found, existing = self.present.match(row)
            if found and existing is None:
                if policy == "skip":
                    self.summary.skipped += 1
                    return
                self.flush(w)
                found, existing = self.present.match(row)
        elif policy != "add":
            existing = self._match(keys)
            if existing is None and not self.pending_keys.isdisjoint(keys):
                if policy == "skip":  # a duplicate of a row of this chunk not yet written
                    self.summary.skipped += 1
                    return
                self.flush(w)  # merge needs its id: write it first
                existing = self._match(keys)
        if existing is None:
            self.pending.append(row)
            if policy != "add":
                self.pending_keys.update(keys)
                if not keys:
                    self.present.add(row, None)
            self.summary.imported += 1
            self._note_fields(row)
        elif policy == "merge":
            w.fill_in(existing, row, self.now)
            if not keys:  # a contact-less customer's values may differ now (one matched by
                self.present.changed()  # a phone or email is never a kept candidate)
            for key in keys:  # later rows with these phones/emails now match `existing`
                self.hits[key] = min(self.hits.get(key, existing), existing)
            if self.filter is not None:
                self.filter.update(keys)
            self.summary.merged += 1
            self._note_fields(row)
        else:
            self.summary.skipped += 1

    def flush(self, w: Write) -> None:
        if self.pending:
            ids = w.insert_bulk(
                self.pending, source=self.source, tag_ids=self.tag_ids,
                derived_data=[row.derived for row in self.pending],
            )  # fmt: skip
            if self.options.on_duplicate != "add":
                self.present.written(self.pending, ids, w.held.batches("dedupe_keys"))
                hits = self.hits
                for new_id, row in zip(ids, self.pending, strict=True):
                    for key in row.keys:
                        hits[key] = min(hits.get(key, new_id), new_id)
                if self.filter is not None:
                    self.filter.update(self.pending_keys)
            self.pending.clear()
            self.pending_keys.clear()

    def _note_fields(self, row: Valid) -> None:
        if any(row[i] for i, _ in self.unseen):  # only the names not seen yet are checked
            self.fields.update(name for i, name in self.unseen if row[i])
            self.unseen = [(i, name) for i, name in self.unseen if name not in self.fields]

    def finish(self, w: Write) -> None:
        """The last rows, and what the audit entry says (no values): the gate names every
        inserted and merged-into customer and updates the merged ones' derived data."""
        self.flush(w)
        s = self.summary
        w.audit(
            detail=f"imported {s.imported}, merged {s.merged}, skipped {s.skipped}, "
            f"rejected {s.rejected}",
            fields=self.fields,
        )


#: Audit field names, aligned with `Valid`'s fields (line → None).
_FIELD_NAMES = (None, "name", "company", "address", "city", "birthday", None, None, "phones",
                "emails", "tags", "notes", None, "im_handles", "contact_labels", None,
                "fields", None)  # fmt: skip


def _prefetch(conn: Connection, rows: list[Valid], known: KeyFilter | None) -> dict[str, int]:
    """Lowest customer id per phone (number and extension) and email key of `rows` that is
    already in the database (including customers imported earlier in this run). With a
    filter of the stored keys, only the keys it may hold are looked up."""
    hits: dict[str, int] = {}
    if known is not None:
        rows = [r for r in rows if any(key in known for key in r.keys)]
    numbers = sorted({e164 for r in rows for e164, _ in r.phones})
    for start in range(0, len(numbers), 500):
        part = numbers[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT e164, ext, min(customer_id) FROM phones WHERE e164 IN ({marks})"
        for e164, ext, cid in conn.execute(sql + " GROUP BY e164, ext", part):
            hits[f"p{e164} {ext}"] = cid
    emails = sorted({key for r in rows for _, key in r.emails})
    for start in range(0, len(emails), 500):
        part = emails[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT key, min(customer_id) FROM emails WHERE key IN ({marks}) GROUP BY key"
        for key, cid in conn.execute(sql, part):
            hits[f"e{key}"] = cid
    return hits
