"""Custom-fields benchmark: `python -m bench.fields --n 1000000` (`--query-n 1000000`:
the query part also on a built database of that size, see `build_query_db`).

1. Writes two N-row CSVs from `custinfo.demo.synth` (seed 4, as `bench.importexport`): the
   plain one, and the same rows with five field columns (seed 14): 会员等级 (a choice of
   5), 积分 (a number), 到期日 (a date), 偏好 (a multichoice of 6, 1-3 each) and 备注2
   (a text).
2. IMPORT, in the same run: `custinfo import PLAIN` into a fresh database, and `custinfo
   import FIELDS --map 会员等级=field:tier ...` into a fresh database with the five fields
   declared, each in a subprocess, alternating (`--runs`); ratio of the medians, of the
   wall time and of the CPU time of the import and its workers (on a loaded machine the
   CPU ratio is the fair one).
3. QUERY PART of `find --where 'tier=金卡' --where 'points>=1000'` on the imported
   database, warm: ids of the first 50 (`search.find_ids`, limit 50), and those ids plus
   loading the 50 customers; median of `--queries` runs.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.importexport import PASSPHRASE, create_db, run_measured

TIERS = ("金卡", "银卡", "铜卡", "普通", "钻石卡")
PREFS = ("茶", "咖啡", "果汁", "红酒", "点心", "水果")
FIELDS = (  # (key, type, label, choices)
    ("tier", "choice", "会员等级", TIERS),
    ("points", "number", "积分", ()),
    ("expires", "date", "到期日", ()),
    ("pref", "multichoice", "偏好", PREFS),
    ("memo", "text", "备注2", ()),
)
WHERE = ["tier=金卡", "points>=1000"]


def field_cells(rnd: random.Random) -> list[str]:
    pref = rnd.sample(PREFS, rnd.randint(1, 3))
    return [
        rnd.choice(TIERS),
        str(rnd.randrange(0, 20_000)),
        f"{rnd.randrange(2024, 2030)}-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}",
        ";".join(pref),
        f"{rnd.choice(('喜欢', '常买', '推荐'))} {rnd.randrange(10**6)}",
    ]


def write_csvs(plain: Path, with_fields: Path, n: int) -> None:
    from custinfo.demo.synth import CSV_HEADER, csv_row, generate

    rnd = random.Random(14)
    labels = [f[2] for f in FIELDS]
    with (
        plain.open("w", encoding="utf-8", newline="") as a,
        with_fields.open("w", encoding="utf-8", newline="") as b,
    ):
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(CSV_HEADER)
        wb.writerow([*CSV_HEADER, *labels])
        for record in generate(n, seed=4):
            row = csv_row(record)
            wa.writerow(row)
            wb.writerow([*row, *field_cells(rnd)])


def declare(path: Path) -> None:
    from custinfo.fields import manage
    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:
        for key, kind, label, choices in FIELDS:
            manage.add(store, key, kind, label=label, choices=list(choices))


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def import_once(work: Path, source: Path, fields: bool, run: int) -> tuple[float, float]:
    """(wall s, CPU s of the import and its workers)."""
    db = work / f"{'fields' if fields else 'plain'}-{run}.db"
    create_db(db)
    args = ["--db", str(db), "import", str(source), "--rejects", str(work / f"rej-{db.stem}.csv")]
    if fields:
        declare(db)
        args += [a for key, _, label, _ in FIELDS for a in ("--map", f"{label}=field:{key}")]
    cpu = _children_cpu()
    wall, rss, *_ = run_measured(args)
    cpu = _children_cpu() - cpu
    print(f"  import {'with' if fields else 'without'} fields, run {run}: {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU, peak RSS {rss} MiB", flush=True)  # fmt: skip
    return wall, cpu


class _Row:
    __slots__ = ("fields",)

    def __init__(self, fields: tuple) -> None:
        self.fields = fields


def build_query_db(path: Path, n: int) -> None:
    """A database of N bare customers (a name each) with the five fields' values (seed 14,
    the same cells as the import's), for the query part at sizes the shared machine cannot
    import in a session. The query reads only the customers and the field values, so the
    search index and dedupe keys an import adds do not matter to it."""
    from custinfo.fields.values import parse
    from custinfo.store import Store
    from custinfo.store.fields import catalog, insert_bulk

    create_db(path)
    declare(path)
    rnd = random.Random(14)
    with Store.open(path, PASSPHRASE.encode()) as store:
        cat = catalog(store.conn)
        fields = [cat.by_key[key] for key, _, _, _ in FIELDS]
        now = "2026-12-01T00:00:00.000000Z"
        with store.db.transaction() as conn:  # a bench fixture, not a customer write
            for start in range(0, n, 50_000):
                count = min(50_000, n - start)
                conn.executemany(
                    "INSERT INTO customers(name, source, created_at, updated_at) "
                    "VALUES (?, 'bench', ?, ?)",
                    ((f"客户{start + i}", now, now) for i in range(count)),
                )
                ids = list(range(start + 1, start + count + 1))
                rows = [
                    _Row(tuple((f.key, parse(f, cell, cat.currency))
                               for f, cell in zip(fields, field_cells(rnd), strict=True)))
                    for _ in ids
                ]  # fmt: skip
                insert_bulk(conn, ids, rows)


def query(path: Path, runs: int) -> tuple[float, float, int]:
    """(median ms of the first 50 ids, median ms with the 50 customers loaded, matches)."""
    from custinfo import search
    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:
        q = search.Query(where=WHERE, limit=50)
        ids_ms, full_ms = [], []
        for _ in range(runs + 1):  # the first run warms the cache
            start = time.perf_counter()
            ids = search.find_ids(store, q, "CN")
            mid = time.perf_counter()
            store.get_many(ids)
            end = time.perf_counter()
            ids_ms.append((mid - start) * 1000)
            full_ms.append((end - start) * 1000)
        total = search.count(store, search.Query(where=WHERE), "CN")
    return statistics.median(ids_ms[1:]), statistics.median(full_ms[1:]), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="imports of each kind")
    parser.add_argument("--queries", type=int, default=21)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--query-n", type=int, default=0, help="also the query part on a built database"
    )
    args = parser.parse_args()
    os.umask(0o077)
    with tempfile.TemporaryDirectory(prefix="bench-fields-", dir=args.workdir) as tmp:
        work = Path(tmp)
        plain, with_fields = work / "plain.csv", work / "fields.csv"
        write_csvs(plain, with_fields, args.n)
        print(f"input: {args.n} rows; {plain.stat().st_size / 2**20:.1f} MiB plain, "
              f"{with_fields.stat().st_size / 2**20:.1f} MiB with five field columns")  # fmt: skip
        walls: dict[bool, list[float]] = {False: [], True: []}
        cpus: dict[bool, list[float]] = {False: [], True: []}
        for run in range(args.runs):
            for fields in (False, True) if run % 2 == 0 else (True, False):
                wall, cpu = import_once(work, with_fields if fields else plain, fields, run)
                walls[fields].append(wall)
                cpus[fields].append(cpu)
        a, b = statistics.median(walls[False]), statistics.median(walls[True])
        ca, cb = statistics.median(cpus[False]), statistics.median(cpus[True])
        print(f"IMPORT: without fields {a:.1f} s ({args.n / a:,.0f} rows/s), with five "
              f"fields {b:.1f} s ({args.n / b:,.0f} rows/s): wall ratio {b / a:.3f}, CPU "
              f"{ca:.1f} / {cb:.1f} s: CPU ratio {cb / ca:.3f} (target <= 1.2)")  # fmt: skip
        ids_ms, full_ms, total = query(work / "fields-0.db", args.queries)
        print(f"QUERY find --where {' --where '.join(WHERE)} ({total:,} match): first 50 ids "
              f"{ids_ms:.2f} ms, with the 50 customers loaded {full_ms:.2f} ms (median of "
              f"{args.queries}; target <= 50 ms)")  # fmt: skip
        if args.query_n:
            start = time.perf_counter()
            build_query_db(work / "query.db", args.query_n)
            built = time.perf_counter() - start
            ids_ms, full_ms, total = query(work / "query.db", args.queries)
            print(f"QUERY at {args.query_n:,} customers (built in {built:.0f} s; {total:,} "
                  f"match): first 50 ids {ids_ms:.2f} ms, with the 50 customers loaded "
                  f"{full_ms:.2f} ms (median of {args.queries}; target <= 50 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
