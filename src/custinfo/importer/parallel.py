"""Validation of input records, in worker processes for large inputs.

Workers receive chunks of raw records through the pool's pipes and send back validated
rows with their derived data (search index entries, dedupe keys: `store.derived.derive`), so
the main process only inserts. Results travel as one `marshal`led blob of plain tuples per
chunk: unpickling named tuples cost the main process more than twice as much. At most a
few chunks are in flight, so memory stays flat. Nothing is written to temporary files.
Small inputs (up to two chunks) are validated in-process.
"""

from __future__ import annotations

import marshal
import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from custinfo.importer.rows import Converter, Invalid, Valid
from custinfo.store import derived

CHUNK = 1000
#: Entries kept per name/city cache in a worker (see `dedupe.normalize.trim_caches`): the
#: caches would otherwise grow with the number of distinct names, ~100 MiB at 1M rows.
WORKER_CACHE_LIMIT = 20_000


_worker_converter: Converter | None = None


def _init_worker(converter: Converter) -> None:
    global _worker_converter
    _worker_converter = converter


def check(converter: Converter, line: int, record: Any) -> Valid | Invalid:
    """One record validated, with its derived data when valid."""
    result = converter(line, record)
    if isinstance(result, Invalid):
        return result
    return result._replace(derived=derived.derive(result))


def _validate_chunk(chunk: list[tuple[int, Any]]) -> bytes:
    """Worker side: a chunk's results as plain tuples (Valid: 14 items; Invalid: 2)."""
    converter = _worker_converter
    assert converter is not None
    out: list[tuple[Any, ...]] = []
    for line, record in chunk:
        result = converter(line, record)
        if isinstance(result, Invalid):
            out.append((result.line, result.problems))
        else:
            out.append((*result[:-1], derived.derive(result)))
    from custinfo.dedupe.normalize import trim_caches

    trim_caches(WORKER_CACHE_LIMIT)
    return marshal.dumps(out)


def _decode(blob: bytes) -> list[Valid | Invalid]:
    make = Valid._make
    return [make(t) if len(t) > 2 else Invalid(t[0], t[1]) for t in marshal.loads(blob)]


def _chunks(records: Iterable[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in records:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validated(
    records: Iterable[tuple[int, Any]], converter: Converter, workers: int | None
) -> Iterator[list[tuple[Any, Valid | Invalid]]]:
    """Chunks of (record, result) in input order. Small inputs are validated in this
    process; larger ones by a pool, at most a few chunks in flight so memory stays flat."""
    chunks = _chunks(records)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if second is None or count < 1:
        for chunk in (first, second) if second is not None else (first,):
            yield [(record, check(converter, line, record)) for line, record in chunk]
        for chunk in chunks:
            yield [(record, check(converter, line, record)) for line, record in chunk]
        return
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = context.Pool(count, initializer=_init_worker, initargs=(converter,))
    try:
        pending: deque[tuple[list[tuple[int, Any]], Any]] = deque()
        source = iter([first, second])
        limit = 2 * count + 2

        def feed() -> bool:
            chunk = next(source, None) or next(chunks, None)
            if chunk is None:
                return False
            pending.append((chunk, pool.apply_async(_validate_chunk, (chunk,))))
            return True

        while len(pending) < limit and feed():
            pass
        while pending:
            chunk, result = pending.popleft()
            feed()
            outcomes = _decode(result.get())
            yield [(r, outcome) for (_, r), outcome in zip(chunk, outcomes, strict=True)]
        pool.close()
    finally:
        pool.terminate()
        pool.join()
