"""Order import, part two: the run. Reads a shop export with the customer import's machinery
(`importer.source`: encodings, BOM, sniffed delimiter, JSON/NDJSON; `importer.rejects`),
matches each order's buyer and inserts the orders, all in ONE write-gate unit.

- Buyers are matched (`importer.order_buyers`) by normalised phone, email or customer id
  (`--match auto` takes the id when the row has one, else the phone, else the email;
  merged ids resolve). With
  `--create-missing` an unknown buyer with a valid phone or email becomes a customer
  (source `import:<file>`), once per file; otherwise the row is invalid.
- Idempotent on (channel, ref): an order whose number the channel has already (in the
  database, or earlier in the file) is counted as "already there" and not added again.
  Rows without an order number cannot be recognised and are added each time (warned).
- A row whose status says closed or cancelled (交易关闭, 已取消) is skipped and counted.
- All-or-nothing unless a rejects file is given, like the customer import; a dry run does
  everything and rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any, BinaryIO

from custinfo import money
from custinfo.collector import paused
from custinfo.errors import UsageError, ValidationError
from custinfo.importer.order_blocks import CsvInput, parse_block
from custinfo.importer.order_buyers import NONE, Buyers
from custinfo.importer.order_parallel import converted, outcome
from custinfo.importer.orders import Cancelled, Candidate, Converter, parse_maps, plan, record_cells
from custinfo.importer.rejects import RejectsWriter
from custinfo.importer.source import BadJson, json_records, ndjson_records, open_source
from custinfo.store.gate import Write
from custinfo.store.orders import bulk_insert, insert_matched, insert_unseen, mark_active

CHUNK = 5000
#: Page cache while importing: the orders' indexes by customer and by ref take inserts in
#: random order; at 1M orders they outgrow the usual 64 MiB and every insert would read
#: and decrypt a page (2x slower). SQLite allocates pages only as it uses them.
IMPORT_CACHE_KIB = 262144
MAX_REPORTED = 50
MATCHES = ("auto", "phone", "email", "id")
#: A Candidate's fields that a block's matched row does not carry (phone .. city).
_UNUSED = ("", "", "", "", "", "")


@dataclass
class OrderImportOptions:
    match: str = "auto"
    create_missing: bool = False
    maps: list[str] = field(default_factory=list)
    encoding: str | None = None
    rejects: RejectsWriter | Any | None = None
    dry_run: bool = False
    region: str = "CN"
    currency: str | None = None  # for rows without a currency column; default: the db's
    channel: str = ""  # for rows without a channel column
    source_name: str = "stdin"
    workers: int | None = None  # conversion processes (None: a core less than the machine's)


@dataclass
class OrderSummary:
    read: int = 0
    imported: int = 0
    existing: int = 0  # already there: same (channel, ref)
    skipped: int = 0  # closed or cancelled
    created: int = 0  # new customers (--create-missing)
    rejected: int = 0
    without_ref: int = 0
    committed: bool = False
    dry_run: bool = False
    encoding: str = ""
    problems: list[tuple[int, str, str]] = field(default_factory=list)

    def line(self) -> str:
        from custinfo.i18n import _

        if not self.committed and not self.dry_run and self.rejected:
            return _("read {read}, rejected {rejected}: nothing imported").format(
                read=self.read, rejected=self.rejected
            )
        text = _(
            "read {read}, imported {imported}, already there {existing}, skipped {skipped} "
            "(closed or cancelled), new customers {created}, rejected {rejected}"
        ).format(
            read=self.read, imported=self.imported, existing=self.existing,
            skipped=self.skipped, created=self.created, rejected=self.rejected,
        )  # fmt: skip
        return text + (_(" (dry run: nothing written)") if self.dry_run else "")


class _Rollback(Exception):
    pass


def run_order_import(
    store: Any, stream: BinaryIO, options: OrderImportOptions, *,
    warn: Callable[[str], None] = lambda message: None,
    progress: Callable[[int, int], None] | None = None,
) -> OrderSummary:  # fmt: skip
    """Import orders from a byte stream (see the module docstring)."""
    from custinfo.activity.orders import database_currency

    if options.match not in MATCHES:
        raise UsageError(f"--match must be one of {', '.join(MATCHES)}")
    overrides = parse_maps(options.maps)
    currency = money.check_currency(options.currency or database_currency(store))
    source = open_source(stream, None, options.encoding)
    csv_input = CsvInput(source) if source.fmt in ("csv", "tsv") else None
    records, header = _records(source, csv_input)
    first = next(records, None)
    if first is not None and source.fmt in ("json", "ndjson"):
        record_cells(first[1], header)
    the_plan = plan(header, overrides)
    needed = {"phone": "phone", "email": "email", "id": "customer_id"}.get(options.match)
    if needed and not the_plan.has(needed):
        raise UsageError(f"--match {options.match}: the input has no {needed} column")
    if the_plan.unknown:
        warn(f"columns not imported: {', '.join(map(repr, the_plan.unknown))} "
             "(keep one with --map COLUMN=note)")  # fmt: skip
    converter = Converter(
        header, the_plan, currency=currency, channel=options.channel, region=options.region
    )
    if options.rejects is not None:
        if source.fmt in ("csv", "tsv"):
            options.rejects.start_csv(header, source.delimiter)
        else:
            options.rejects.start_json()
    summary = OrderSummary(dry_run=options.dry_run, encoding=source.encoding)
    loader = _Loader(store, options, summary, converter, json=csv_input is None)

    def everything() -> Iterator[tuple[int, Any]]:
        if first is not None:
            yield first
            yield from records

    rows = everything()
    chunks = iter(lambda: list(islice(rows, CHUNK)), [])
    from custinfo.store.db import CACHE_KIB

    store.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        with paused(), store.write("order import") as w:  # (the worker forks with it off)
            read: list[int] = []  # records read before the first batch comes (`converted`)
            batches = converted(chunks, converter, options.workers, loader.json,
                                csv_input=csv_input, phone_first=loader.buyers.phone_first,
                                read=read)  # fmt: skip
            first = next(batches, None)
            with bulk_insert(w, sum(read)):  # many orders: their days counted in one statement
                for batch in chain([first] if first is not None else [], batches):
                    if batch[0] == "rows":
                        loader.load(w, batch[1], batch[2])
                    else:
                        loader.load_block(w, *batch[1:], source.delimiter)
                    if progress is not None:
                        progress(summary.read, source.raw.consumed)
            if loader.failed or options.dry_run:
                raise _Rollback
            loader.finish(w)
        summary.committed = True
    except _Rollback:
        pass
    finally:
        store.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    if summary.without_ref:
        warn(f"{summary.without_ref} orders have no order number: importing them again "
             "would add them again")  # fmt: skip
    return summary


def _records(
    source: Any, csv_input: CsvInput | None
) -> tuple[Iterator[tuple[int, Any]], list[str]]:
    if csv_input is None:
        reader = json_records if source.fmt == "json" else ndjson_records
        return reader(source), []
    records = csv_input.records()
    first = next(records, None)  # reads the header into source.header
    header = source.header

    def chained() -> Iterator[tuple[int, Any]]:
        if first is not None:
            yield first
            yield from records

    return chained(), header


class _Loader:
    """Applies chunks of rows: convert, match buyers, check refs, insert."""

    def __init__(
        self, store: Any, options: OrderImportOptions, summary: OrderSummary,
        converter: Converter, *, json: bool,
    ) -> None:  # fmt: skip
        self.store = store
        self.options = options
        self.summary = summary
        self.converter = converter
        self.json = json
        self.failed = False
        self.active: set[int] = set()
        self.buyers = Buyers(store, options, summary)
        #: Buyer fields as the input names them (for the messages): the first such column.
        cols, header = converter.plan.columns, converter.header
        self.names = {f: header[cols[f][0]] for f in ("phone", "email", "customer_id") if f in cols}

    def reject(self, record: Any, line: int, column: str, reason: str) -> None:
        s = self.summary
        s.rejected += 1
        if len(s.problems) < MAX_REPORTED:
            s.problems.append((line, column, reason))
        if self.options.rejects is not None:
            if not self.options.dry_run:
                self.options.rejects.write(record, reason)
        else:
            self.failed = True

    def load(self, w: Write, chunk: list[tuple[int, Any]], outcomes: Any = None) -> None:
        """One chunk of (line, record); `outcomes`: its rows converted by a worker."""
        candidates: list[tuple[Any, Candidate]] = []
        for index, (line, record) in enumerate(chunk):
            self.summary.read += 1
            cells = record
            if self.json:
                cells = None if isinstance(record, BadJson) else record_cells(
                    record, self.converter.header
                )  # fmt: skip
                if cells is None:
                    self.reject(record, line, "row", "not a JSON object")
                    continue
            try:
                if outcomes is None:
                    candidates.append((record, self.converter.convert(line, cells)))
                elif isinstance(outcome := outcomes[index], Exception):
                    raise outcome
                else:
                    candidates.append((record, outcome))
            except Cancelled:
                self.summary.skipped += 1
            except ValidationError as exc:
                self.reject(record, line, exc.field or "row", str(exc))
        self.buyers.prefetch(w, [c for _, c in candidates])
        rows: list[tuple[Any, ...]] = []  # OrderRow fields, as plain tuples (cheaper)
        by_phone = self.buyers.by_phone if self.buyers.phone_first else {}
        for record, c in candidates:
            found = NONE
            if c.e164 and not c.customer_id:  # the usual row: a buyer known by phone
                found = by_phone.get(c.e164, NONE)
            if found == NONE:
                try:
                    found = self.buyers.find(w, c, create=not self.failed)
                except ValidationError as exc:
                    column = self.names.get(exc.field or "", exc.field or "row")
                    self.reject(record, c.line, column, str(exc))
                    continue
            rows.append((found, c.at, c.amount, c.currency, c.items, c.channel, c.ref, c.note))
        if not self.failed:
            self._insert(w, rows)

    def load_block(
        self, w: Write, start: int, body: str, result: tuple[Any, ...], delimiter: str
    ) -> None:
        """A block converted by a worker (`importer.order_blocks`): when every row is an
        order whose buyer is known by phone (the usual block), its rows go in as they
        came, one dict look-up each; otherwise the block's records are read again here
        and take the path of `load`."""
        _, keys, rows, rest, without_ref = result
        ids = self.buyers.phone_ids(w, keys)
        if not rest and NONE not in ids:  # (without rest, every record has a key)
            self.summary.read += len(keys)
            if not self.failed:
                self.summary.without_ref += without_ref
                added, customers = insert_matched(w, ids, rows)
                self.summary.imported += added
                self.summary.existing += len(rows) - added
                self.active.update(customers)
            return
        records = parse_block(start, body, delimiter)
        assert records is not None and len(records) == len(keys)  # (the worker read it)
        outcomes: list[Any] = [None] * len(keys)
        for index, item in rest:
            outcomes[index] = outcome(item)
        for index, (key, found, row) in enumerate(zip(keys, ids, rows, strict=True)):
            if not key:
                continue
            if found is not None and found != NONE:
                outcomes[index] = Candidate(records[index][0], *row, *_UNUSED, e164=key)
            else:  # an unknown buyer (created, or rejected with the row's own values)
                outcomes[index] = self.converter.convert(*records[index])
                outcomes[index].e164 = key
        self.load(w, records, outcomes)

    def _insert(self, w: Write, rows: list[tuple[Any, ...]]) -> None:
        """Insert the chunk; an order whose (channel, ref) exists already (in the database
        or earlier in the file) is counted as already there."""
        self.summary.without_ref += sum(1 for r in rows if r[6] is None)
        added, customers = insert_unseen(w, rows)
        self.summary.imported += added
        self.summary.existing += len(rows) - added
        self.active.update(customers)

    def finish(self, w: Write) -> None:
        mark_active(w, self.active)
        s = self.summary
        w.audit(
            detail=f"imported {s.imported}, already there {s.existing}, skipped {s.skipped}, "
            f"new customers {s.created}, rejected {s.rejected}",
            fields=["orders"],
        )
