"""Order rows converted in worker processes for large CSV/TSV inputs.

The conversion (amounts, local times, texts: `importer.orders.Converter`) is most of an
order import's CPU; workers do it while the importing process reads the file, looks the
buyers up and inserts. The pool, its Ctrl-C handling and its shutdown are the customer
import's (`importer.parallel`). Results travel as one `marshal`led blob of plain tuples
per chunk, in input order; at most a few chunks are in flight, so memory stays flat.
Inputs of at most `IN_PROCESS` chunks, and JSON (whose header grows as records come), are
converted in the importing process.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Iterator
from dataclasses import fields
from itertools import chain
from typing import Any

from custinfo.errors import ValidationError
from custinfo.importer import parallel
from custinfo.importer.orders import Cancelled, Candidate, Converter

#: Chunks converted in this process before a pool is worth starting.
IN_PROCESS = 4
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


def _convert_chunk(chunk: list[tuple[int, list[str]]]) -> bytes:
    """Worker side: (0, candidate fields) | (1,) cancelled | (2, field, message) per row;
    the buyer's phone is normalised here too (off the importing process)."""
    converter: Any = parallel._worker_converter
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


def _decode(blob: bytes) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for item in marshal.loads(blob):
        if item[0] == 0:
            outcomes.append(Candidate(*item[1:]))
        elif item[0] == 1:
            outcomes.append(Cancelled())
        else:
            outcomes.append(ValidationError(item[2], item[1]))
    return outcomes


def converted(
    chunks: Iterator[list[tuple[int, Any]]], converter: Converter, workers: int | None = None,
    json: bool = False,
) -> Iterator[tuple[list[tuple[int, Any]], list[Outcome] | None]]:  # fmt: skip
    """(chunk, outcomes) in input order; outcomes None: the caller converts the chunk
    itself (JSON, the first `IN_PROCESS` chunks, or no worker to spare)."""
    count = workers if workers is not None else (os.cpu_count() or 1) - 1
    if json:
        count = 0
    head = []
    for chunk in chunks:
        head.append(chunk)
        if len(head) > IN_PROCESS:
            break
    if len(head) <= IN_PROCESS or count < 1:
        for chunk in head:
            yield chunk, None
        for chunk in chunks:
            yield chunk, None
        return
    for chunk, blob in parallel.in_order(count, converter, _convert_chunk, chain(head, chunks)):
        yield chunk, _decode(blob)
