"""Per-row cost of the import's validation (`importer.rows.Converter`) and its fast paths.

`python -m bench.validation [--n 20000] [--region CN] [--repeat 3]`

Builds the rows of the import benchmark's CSV (`custinfo.demo.synth`, seed 4, the same columns
as `bench/importexport.py`) in memory and times, on one core, best of `--repeat`:
- `Converter` per row, with the fast paths and, as the same-run baseline, with
  `fastpath.phone`/`fastpath.email` replaced by the plain `validation` functions;
- `fastpath.phone` against `validation.normalize_phone` per phone as typed;
- `fastpath.email` against `validation.normalize_email` per email as typed;
- the derived data the import's workers compute per valid row next to validation
  (`store.derived.derive`: search-index entries, dedupe keys and forms), caches warm;
- a worker's whole task (`importer.parallel._validate_chunk` over the rows in chunks, the
  per-value caches emptied first): what an import's workers spend per row. Warm caches
  (the lines above, after a first pass) make validation and the derived data look
  cheaper than a worker finds them, meeting each name for the first time.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable


def rows(n: int) -> list[list[str]]:
    from custinfo.demo.synth import csv_row, generate

    return [csv_row(record) for record in generate(n, seed=4)]


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from custinfo import validation
    from custinfo.demo.synth import CSV_HEADER
    from custinfo.errors import ValidationError
    from custinfo.importer import fastpath
    from custinfo.importer import rows as rows_module
    from custinfo.importer.mapping import plan

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--region", default="CN")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = rows(args.n)
    converter = rows_module.Converter(CSV_HEADER, plan(CSV_HEADER, {}), {}, args.region, now="x")
    phones = [p for r in data for p in rows_module._multi(r[1], "phone", numbers=True) if r[1]]
    emails = [e for r in data for e in rows_module._multi(r[2], "email") if r[2]]

    def convert_all() -> None:
        for line, row in enumerate(data, 2):
            converter(line, row)

    def each(fn: Callable[..., object], values: list[str], *extra: str) -> Callable[[], None]:
        def run() -> None:
            for value in values:
                with contextlib.suppress(ValidationError):
                    fn(value, *extra)

        return run

    convert_all()  # warm caches (compiled patterns, email domains) for both variants
    fast = best(convert_all, args.repeat)
    saved = fastpath.phone, fastpath.email
    fastpath.phone, fastpath.email = validation.normalize_phone, validation.normalize_email
    try:
        plain = best(convert_all, args.repeat)
    finally:
        fastpath.phone, fastpath.email = saved
    phone_fast = best(each(fastpath.phone, phones, args.region), args.repeat)
    phone_plain = best(each(validation.normalize_phone, phones, args.region), args.repeat)
    email_fast = best(each(fastpath.email, emails), args.repeat)
    email_plain = best(each(validation.normalize_email, emails), args.repeat)
    from custinfo.importer.rows import Invalid
    from custinfo.store import derived

    valid = [
        v for line, row in enumerate(data, 2) if not isinstance(v := converter(line, row), Invalid)
    ]

    def derive_all() -> None:
        for row in valid:
            derived.derive(row)

    derive_all()
    derive_s = best(derive_all, args.repeat)

    from custinfo.dedupe.normalize import trim_caches
    from custinfo.importer import parallel

    parallel._worker_converter = converter
    size = parallel.CHUNK
    chunks = [list(enumerate(data[i : i + size], i + 2)) for i in range(0, len(data), size)]

    def worker_all() -> None:
        trim_caches(0)  # a worker meets names it has not seen: its caches start empty
        for chunk in chunks:
            parallel._validate_chunk(chunk)

    worker_s = best(worker_all, args.repeat)

    def line(what: str, values: int, fast_s: float, plain_s: float, unit: str) -> None:
        print(
            f"{what:<10} {fast_s / values * 1e6:7.2f} µs/{unit} fast path, "
            f"{plain_s / values * 1e6:7.2f} µs/{unit} validation layer, "
            f"{plain_s / fast_s:5.2f}x faster"
        )

    print(f"{len(data):,} rows, {len(phones):,} phones, {len(emails):,} emails, "
          f"region {args.region}, best of {args.repeat}")  # fmt: skip
    line("Converter", len(data), fast, plain, "row")
    line("phone", len(phones), phone_fast, phone_plain, "phone")
    line("email", len(emails), email_fast, email_plain, "email")
    print(f"{'derived':<10} {derive_s / len(valid) * 1e6:7.2f} µs/row (search index, dedupe keys "
          f"and forms) of {len(valid):,} valid rows, warm caches")  # fmt: skip
    print(f"{'worker':<10} {worker_s / len(data) * 1e6:7.2f} µs/row: an import worker's whole task "
          "(validation, derived data, per-value caches emptied first and trimmed per chunk "
          "as in a worker, results marshalled)")  # fmt: skip


if __name__ == "__main__":
    main()
