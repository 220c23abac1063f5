"""The order import part of `python -m bench.orders` (`--skip queries show`): `custinfo order
import` of 1M orders matched by phone into a 100k-customer database, in a subprocess,
against a raw `executemany` of the same stored rows into a copy of the same database, with
the schema's insert trigger and without it, in the same run (see bench/orders.py)."""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.orders import _COLUMNS, PASSPHRASE, SEED, _env, _yuan, build_raw


def write_source(out: Path, base: Path, total: int) -> Path:
    """The shop export of `total` orders of the customers of `base` (by phone, in time
    order), as OUT/orders-import-TOTAL.csv (OUT: `out`)."""
    from custinfo.demo.synth.orders import orders
    from custinfo.store import Store

    source = out / f"orders-import-{total}.csv"
    if source.exists():  # fixed seeds: the same file every time
        return source
    with Store.open(base, PASSPHRASE.encode()) as store:
        phones = dict(store.conn.execute(
            "SELECT customer_id, min(e164) FROM phones WHERE e164 LIKE '+861%' GROUP BY customer_id"
        ).fetchall())  # fmt: skip
        names = dict(store.conn.execute("SELECT id, name FROM customers").fetchall())
    buyers = sorted(phones)
    rng = random.Random(SEED)
    rows = []
    for o in orders(len(buyers), total, seed=SEED + 1):
        cid = buyers[o.customer]
        e164 = phones[cid]
        typed = f"{e164[3:6]} {e164[6:10]} {e164[10:]}" if rng.random() < 0.5 else e164[3:]
        local = o.at[:10] + " " + o.at[11:19]  # (times as shops write them)
        rows.append([o.ref, local, _yuan(o.amount), o.items, typed, names[cid], o.channel])
    rows.sort(key=lambda row: row[1])  # a shop export is in time order
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["订单编号", "下单时间", "实付金额", "商品名称", "买家手机", "收货人", "店铺"]
        )
        writer.writerows(rows)
    del rows
    return source


def import_bench(out: Path, customers: int, total: int, rebuild: bool) -> None:
    """`order import` of `total` orders matched by phone into a `customers` database."""
    from custinfo.importer.order_load import IMPORT_CACHE_KIB
    from custinfo.store import Store

    base = out / f"import-base-{customers}.db"
    progress = Path(f"{base}.progress")
    if rebuild:
        progress.unlink(missing_ok=True)
    if rebuild or not base.exists() or progress.exists():
        print(f"\nbuilding {base.name}…", flush=True)
        progress.write_text("building")
        build_raw(base, customers)
        progress.unlink(missing_ok=True)
    start = time.perf_counter()
    with Store.open(base, PASSPHRASE.encode()):  # migrated once here, not in the timed runs
        pass
    if (spent := time.perf_counter() - start) > 1:
        print(f"  ({base.name} migrated to the current schema: {spent:.1f} s)")
    source = write_source(out, base, total)
    size = source.stat().st_size / 2**20
    print(f"\norder import: {total} orders (buyers matched by phone) into a "
          f"{customers}-customer database; input {size:.0f} MiB")  # fmt: skip
    target = out / "import-target.db"
    raw = out / "import-raw.db"
    for copy in (target, raw):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copy(base, copy)
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "custinfo", "order", "import", str(source)],
                          env=_env(target), capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"order import failed: {done.stderr[-500:]}")
    print(f"  custinfo order import (whole process): {wall:.1f} s wall, {total / wall:,.0f} "
          f"orders/s (target >= 20,000); CPU {cpu:.1f} s, {total / cpu:,.0f} orders per CPU s"
          f"\n  {done.stderr.strip().splitlines()[-1]}")  # fmt: skip
    with Store.open(target, PASSPHRASE.encode()) as store:
        stored = store.conn.execute(f"SELECT {_COLUMNS} FROM orders ORDER BY id").fetchall()
        from custinfo.activity import aggregates, order_days

        triggers = store.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'orders'"
        ).fetchone()[0]
        exact = not order_days.stale(store.conn) and not aggregates.stale(store.conn)
        print(f"  derived data after the import: order_days and customer_activity "
              f"{'exact' if exact else 'STALE'}; {triggers} triggers on orders")  # fmt: skip
    raw_s, raw_cpu = _raw_insert(base, raw, stored, IMPORT_CACHE_KIB, drop_triggers=False)
    rate = len(stored) / raw_s
    print(f"  baseline raw executemany of the {len(stored)} stored rows (same schema and "
          f"indexes): {raw_s:.1f} s wall, {rate:,.0f} rows/s; CPU {raw_cpu:.1f} s")  # fmt: skip
    bare_s, bare_cpu = _raw_insert(base, raw, stored, IMPORT_CACHE_KIB, drop_triggers=True)
    print(
        f"  (for comparison: the same without the orders' insert trigger of order_days: "
        f"{bare_s:.1f} s wall, {len(stored) / bare_s:,.0f} rows/s; CPU {bare_cpu:.1f} s)"
    )
    wall_ratio, cpu_ratio = (total / wall) / rate, raw_cpu / cpu * total / len(stored)
    print(f"  IMPORT RATIO (orders/s vs raw rows/s): wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}")
    for path in (target, raw):  # (the source is kept: bench/out is the cache)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _raw_insert(
    base: Path, raw: Path, stored: list[tuple], cache_kib: int, *, drop_triggers: bool
) -> tuple[float, float]:
    """Wall and CPU seconds of one `executemany` of `stored` into a fresh copy of `base`
    (the import's page cache), in one transaction; optionally without insert triggers."""
    from custinfo.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{raw}{suffix}").unlink(missing_ok=True)
    shutil.copy(base, raw)
    with Store.open(raw, PASSPHRASE.encode()) as store:
        conn = store.conn
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")  # as the import's
        if drop_triggers:
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'orders' "
                "AND sql LIKE '%AFTER INSERT%'"
            ).fetchall():
                conn.execute(f"DROP TRIGGER {name}")
        start, cpu_start = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO orders({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", stored)
        conn.execute("COMMIT")
        return time.perf_counter() - start, time.process_time() - cpu_start
