"""Import into a large database: `python -m bench.importinto --n 1000000`.

1. Writes the import benchmark's N-row CSV (`bench.importexport.write_csv`, seed 4) and
   splits it by records: the first 90% and the last 10% (`--tail`).
2. Imports the first part with `custinfo import` into a fresh database (untimed): the
   large database.
3. Times, as whole processes in turn, `custinfo import` of the last part into a copy of
   the large database and into a fresh empty one (best of `--rounds`; each copy is made
   before its timed run). The target: within 1.5x of the import into the empty database.

The tail's records have duplicates in the large database (the synthetic data repeats 15%
of its people), so the import into the large database skips more of them; the ratio is
per input row.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.importexport import create_db, run_measured, write_csv

csv.field_size_limit(sys.maxsize)


def split(source: Path, head: Path, tail: Path, tail_rows: int) -> int:
    """Write the records of `source` (multi-line notes kept whole) into `head` and its
    last `tail_rows` records into `tail`, both with the header; returns the head's rows."""
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:]
    cut = len(records) - tail_rows
    for path, part in ((head, records[:cut]), (tail, records[cut:])):
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(part)
    return cut


def _import(db: Path, source: Path, work: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS MiB of the largest process) of one CLI import."""
    wall, rss, *_ = run_measured(["--db", str(db), "import", str(source), "--rejects",
                                  str(work / "rej.csv")])  # fmt: skip
    return wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows of the whole CSV")
    parser.add_argument("--tail", type=float, default=0.1, help="share imported last")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    os.umask(0o077)
    with tempfile.TemporaryDirectory(prefix="bench-into-", dir=args.workdir) as tmp:
        work = Path(tmp)
        whole, head, tail = work / "all.csv", work / "head.csv", work / "tail.csv"
        write_csv(whole, args.n)
        tail_rows = int(args.n * args.tail)
        head_rows = split(whole, head, tail, tail_rows)
        whole.unlink()
        large = work / "large.db"
        create_db(large)
        start = time.perf_counter()
        _import(large, head, work)
        from custinfo.store import Store

        with Store.open(large, b"bench-passphrase") as store:
            customers = store.count()
        took = time.perf_counter() - start
        print(f"large database: {head_rows:,} rows imported in {took:.0f} s, {customers:,} "
              "customers")  # fmt: skip
        times: dict[str, list[float]] = {"large": [], "empty": []}
        for _ in range(args.rounds):
            for name in ("large", "empty"):
                db = work / f"{name}-copy.db"
                if name == "large":
                    shutil.copyfile(large, db)
                else:
                    create_db(db)
                wall, rss = _import(db, tail, work)
                times[name].append(wall)
                print(f"  {tail_rows:,} rows into the {name} database: {wall:.1f} s, "
                      f"largest process {rss} MiB")  # fmt: skip
                for path in work.glob(f"{name}-copy.db*"):
                    path.unlink()
        best = {k: min(v) for k, v in times.items()}
        print(f"INTO A LARGE DATABASE ({customers:,} customers) vs into an empty one, best of "
              f"{args.rounds}: {best['large']:.1f} s vs {best['empty']:.1f} s, "
              f"{best['large'] / best['empty']:.2f}x (target <= 1.5)")  # fmt: skip


if __name__ == "__main__":
    main()
