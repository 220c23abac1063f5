"""Order rows converted in worker processes for large CSV/TSV inputs.

The conversion (amounts, local times, texts: `importer.orders.Converter`) is most of an
order import's CPU; workers do it while the importing process reads the file, looks the
buyers up and inserts. The pool, its Ctrl-C handling and its shutdown are the customer
import's (`importer.parallel`). The first records are read one by one and travel as lists
of cells; the rest of a CSV/TSV input travels as blocks of text, which the worker parses
too (`importer.order_blocks`). Results travel as one `marshal`led blob of plain tuples per
chunk or block, in input order; at most a few are in flight, so memory stays flat.
Inputs of at most `IN_PROCESS` chunks, and JSON (whose header grows as records come), are
converted in the importing process.
"""

from __future__ import annotations

import marshal
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import fields
from itertools import chain, islice
from typing import Any

from custinfo.errors import ValidationError
from custinfo.importer import parallel
from custinfo.importer.order_blocks import CsvInput, Job, convert_block
from custinfo.importer.orders import Cancelled, Candidate, Converter

#: Chunks converted in this process before a pool is worth starting.
IN_PROCESS = 4
#: Records per chunk when a block must be read again record by record.
REST_CHUNK = 5000
_FIELDS = tuple(f.name for f in fields(Candidate))
Outcome = Candidate | Cancelled | ValidationError


_PHONES: dict[str, str] = {}  # worker side: raw buyer phone -> E.164 ("" if invalid)


def _e164(raw: str, region: str) -> str:
    """The buyer phone as E.164, or "" (the loader then reports the exact error)."""
    found = _PHONES.get(raw)
    if found is None:
        from custinfo.importer import fastpath

        try:
            found = fastpath.phone(raw, region).e164
        except ValidationError:
            found = ""
        if len(_PHONES) < 1_000_000:
            _PHONES[raw] = found
    return found


def _convert_chunk(job: Job, chunk: list[tuple[int, list[str]]]) -> bytes:
    """Worker side: (0, candidate fields) | (1,) cancelled | (2, field, message) per row;
    the buyer's phone is normalised here too (off the importing process)."""
    converter = job.converter
    out: list[tuple[Any, ...]] = []
    for line, cells in chunk:
        try:
            c = converter.convert(line, cells)
        except Cancelled:
            out.append((1,))
        except ValidationError as exc:
            out.append((2, exc.field, str(exc)))
        else:
            if c.phone:
                c.e164 = _e164(c.phone, converter.region)
            out.append((0, *(getattr(c, name) for name in _FIELDS)))
    return marshal.dumps(out)


def _task(item: tuple[Any, ...]) -> bytes:
    """Worker side: ("cells", chunk) or ("block", lines before it, text)."""
    job: Any = parallel._worker_converter
    if item[0] == "cells":
        return _convert_chunk(job, item[1])
    return convert_block(job, item[1], item[2], _e164)


def outcome(item: tuple[Any, ...]) -> Outcome:
    """One worker outcome tuple as a Candidate, Cancelled or ValidationError."""
    if item[0] == 0:
        return Candidate(*item[1:])
    if item[0] == 1:
        return Cancelled()
    return ValidationError(item[2], item[1])


def _decode(blob: bytes) -> list[Outcome]:
    return [outcome(item) for item in marshal.loads(blob)]


def converted(
    chunks: Iterator[list[tuple[int, Any]]], converter: Converter, workers: int | None = None,
    json: bool = False, *, csv_input: CsvInput | None = None, phone_first: bool = True,
    read: list[int] | None = None,
) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """Batches in input order: ("rows", chunk, outcomes), outcomes None when the caller
    converts the chunk itself (JSON, the first `IN_PROCESS` chunks, or no worker to
    spare); or ("block", lines before it, text, result) for the blocks `csv_input` reads
    after `chunks`' records (`importer.order_blocks`: its records read them). Before the
    first batch, `read` gets the number of records read so far (all, for a small input)."""
    count = workers if workers is not None else (os.cpu_count() or 1) - 1
    if json:
        count = 0
    head = []
    for chunk in chunks:
        head.append(chunk)
        if len(head) > IN_PROCESS:
            break
    if read is not None:
        read.append(sum(map(len, head)))
    if len(head) <= IN_PROCESS or count < 1:
        for chunk in chain(head, chunks):
            yield "rows", chunk, None
        return
    job = Job(converter, csv_input.source.delimiter if csv_input else ",", phone_first)
    later = csv_input.blocks() if csv_input is not None else (("cells", c) for c in chunks)
    issued: deque[tuple[Any, ...]] = deque()  # sent to the pool, result not yet handed out

    def items() -> Iterator[tuple[Any, ...]]:
        for item in chain((("cells", c) for c in head), later):
            issued.append(item)
            yield item

    results = parallel.in_order(count, job, _task, items())
    try:
        for item, blob in results:
            issued.popleft()
            if item[0] == "cells":
                yield "rows", item[1], _decode(blob)
                continue
            result = marshal.loads(blob)
            if result[0] == 0:
                yield "block", item[1], item[2], result
                continue
            start, texts = item[1], [item[2], *(i[2] for i in issued)]
            break
        else:
            return
    finally:
        results.close()
    assert csv_input is not None  # (only blocks fail)
    rest = csv_input.rest(start, texts)
    for chunk in iter(lambda: list(islice(rest, REST_CHUNK)), []):
        yield "rows", chunk, None
