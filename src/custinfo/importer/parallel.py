"""Validation of input records, in worker processes for large inputs.

Workers receive chunks of raw records through the pool's pipes and send back validated
rows with their derived data (search index entries, dedupe keys: `store.derived.derive`), so
the main process only inserts. Results travel as one `marshal`led blob of plain tuples per
chunk: unpickling named tuples cost the main process more than twice as much. At most a
few chunks are in flight, so memory stays flat. Nothing is written to temporary files.
Small inputs (up to two chunks) are validated in-process.

Ctrl-C: a terminal sends SIGINT to the whole foreground process group, workers included.
Workers ignore it (SIGINT is blocked from before their fork until they have set SIG_IGN),
so none prints a traceback or dies holding a pool lock; the parent alone raises
KeyboardInterrupt, and then terminates and joins the pool within `STOP_TIMEOUT` seconds
(killing the workers if the pool does not stop by then).
"""

from __future__ import annotations

import marshal
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from custinfo.importer.rows import Converter, Invalid, Valid
from custinfo.store import derived

CHUNK = 1000
#: Entries kept per name/city cache in a worker (see `dedupe.normalize.trim_caches`): the
#: caches would otherwise grow with the number of distinct names, ~100 MiB at 1M rows.
WORKER_CACHE_LIMIT = 20_000


#: Seconds the parent waits for the pool to stop before it kills the workers.
STOP_TIMEOUT = 1.0

_worker_converter: Any = None  # a customer import's Converter, or an order import's Job


def _init_worker(converter: Any) -> None:
    import gc
    import signal

    gc.disable()  # no cycles are made per record (see `custinfo.collector`); ~10% of the CPU

    global _worker_converter
    _worker_converter = converter
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is dropped


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
    for chunk, blob in in_order(count, converter, _validate_chunk, chain([first, second], chunks)):
        outcomes = _decode(blob)
        yield [(r, outcome) for (_, r), outcome in zip(chunk, outcomes, strict=True)]


def in_order(
    count: int, converter: Any, task: Any, chunks: Iterator[Any]
) -> Iterator[tuple[Any, Any]]:
    """(chunk, `task(chunk)`'s result) in input order, computed by a pool of `count` workers
    set up with `converter`, at most a few chunks in flight so memory stays flat; the pool
    is stopped however the caller stops reading (Ctrl-C included)."""
    pool = _start_pool(count, converter)
    try:
        pending: deque[tuple[Any, Any]] = deque()
        limit = 2 * count + 2

        def feed() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            pending.append((chunk, pool.apply_async(task, (chunk,))))
            return True

        while len(pending) < limit and feed():
            pass
        while pending:
            chunk, result = pending.popleft()
            feed()
            yield chunk, result.get()
    finally:
        stop_pool(pool)


def _start_pool(count: int, converter: Any) -> Any:
    """A pool whose workers never see SIGINT: it stays blocked from before the fork until
    `_init_worker` ignores it. A Ctrl-C meanwhile waits, and reaches this process after."""
    import multiprocessing
    import signal

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: the initializer alone
        return context.Pool(count, initializer=_init_worker, initargs=(converter,))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return context.Pool(count, initializer=_init_worker, initargs=(converter,))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def stop_pool(pool: Any, timeout: float = STOP_TIMEOUT) -> None:
    """Terminate and join `pool` within `timeout` seconds; kill its workers if it hangs
    (`Pool.terminate` can block on a lock a dead worker held)."""
    import contextlib
    import threading

    done = threading.Event()

    def stop() -> None:
        try:
            pool.terminate()
            pool.join()
        finally:
            done.set()

    threading.Thread(target=stop, name="custinfo-pool-stop", daemon=True).start()
    if not done.wait(timeout):
        for worker in list(getattr(pool, "_pool", ())):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                worker.kill()
        done.wait(timeout)
