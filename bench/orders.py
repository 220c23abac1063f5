"""Orders benchmark: `python -m bench.orders [--customers 1000000 --orders 5000000]`.

Fixed seeds throughout: customers from a bulk loader (`build_raw`: names, cities, one mobile
each), orders from `custinfo.demo.synth.orders` (many one-time buyers, a few regulars).
Databases are built once and cached in bench/out/ or `--cache DIR` (`--build-only` builds
them).

1. QUERIES at N customers / M orders (default 1M / 5M; the database open, warm, medians):
   the query part of `find --spent-over 1000 --no-order-since 180d`, first 50 results
   (ids and loading the 50 customers), other behaviour filters for comparison, and the
   query part of `timeline ID` (a regular buyer and the heaviest one).
2. SHOW: `custinfo show ID` (a customer with orders and interactions) against the
   start-up baseline of bench/startup.py (a minimal Typer command that opens the same
   database with the passphrase and looks one customer up), interleaved runs, medians.
3. IMPORT (`--import-orders`, default 1M, into a `--import-customers` database, default
   100k): `custinfo order import FILE` in a subprocess, every order matched by phone (typed
   nationally, as shops export them), against a raw `executemany` of the same stored rows
   into a copy of the same database (with the import's page cache), in the same run, with
   the schema's insert trigger and without it (`bench/orders_import.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PASSPHRASE = "bench orders passphrase 订单"
SEED = 20261201
KINDS = ("call", "visit", "message", "complaint", "service", "campaign")
_COLUMNS = "customer_id, at, amount, currency, items, channel, ref, note"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTINFO_")}
    return env | {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1"}


def build_raw(path: Path, n: int) -> list[int]:
    """The 1M/5M query database's customers, bulk-inserted by plain `executemany` (bench
    code only; a build through the gate costs hours of CPU on a shared machine): name,
    city, one Chinese mobile, an email for one in three, their export cells. No search
    index and no dedupe keys (the measured queries read neither). Returns the ids."""
    from custinfo.store import Store
    from custinfo.store.db import utc_now

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Store.create(path, PASSPHRASE.encode(), region="CN").close()
    r = random.Random(SEED)
    now = utc_now()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
    mobiles = ("35", "36", "37", "38", "39", "50", "51", "58", "59", "77", "86", "88", "89")
    cities = ("上海", "北京", "杭州", "广州", "深圳", "成都", "南京", "苏州", "武汉", "西安")
    with Store.open(path, PASSPHRASE.encode()) as store:
        conn = store.conn
        conn.execute("PRAGMA cache_size = -131072")
        for start in range(1, n + 1, 250_000):
            chunk = range(start, min(n, start + 249_999) + 1)
            people = []
            for i in chunk:
                phone = f"+861{r.choice(mobiles)}{(i * 7_919) % 10**8:08d}"  # (unique)
                email = f"c{i}@example.com" if i % 3 == 0 else ""
                name = r.choice(surnames) + "".join(r.choices(given, k=r.randint(1, 2)))
                people.append((i, name, r.choice(cities), phone, email))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO customers(id, name, city, source, created_at, updated_at, "
                "phones_cell, emails_cell) VALUES (?, ?, ?, 'bench', ?, ?, ?, ?)",
                ((i, name, city, now, now, phone, email)
                 for i, name, city, phone, email in people),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO phones(customer_id, e164) VALUES (?, ?)",
                ((p[0], p[3]) for p in people),
            )
            conn.executemany(
                "INSERT INTO emails(customer_id, address, key) VALUES (?, ?, ?)",
                ((p[0], p[4], p[4]) for p in people if p[4]),
            )
            conn.execute("COMMIT")
            print(f"  customers: {chunk[-1]} of {n}", flush=True)
    return list(range(1, n + 1))


def build_orders(path: Path, ids: list[int], total: int) -> None:
    """`total` synthetic orders for the customers `ids` and a typed interaction for about
    one customer in five, bulk-inserted in committed chunks of 1M orders (an interrupted
    build resumes), then the activity aggregates by their own `rebuild` (the derived-data
    repair; `tests` check it equals what the gate keeps in step)."""
    from custinfo.activity.aggregates import ACTIVITY
    from custinfo.demo.synth.orders import orders
    from custinfo.store import Store

    insert = f"INSERT INTO orders({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, '')"
    with Store.open(path, PASSPHRASE.encode()) as store:
        conn = store.conn
        conn.execute("PRAGMA cache_size = -131072")
        present = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        batch: list[tuple] = []
        for index, o in enumerate(orders(len(ids), total, seed=SEED)):
            if index < present:  # whole chunks committed by an interrupted build
                continue
            batch.append((ids[o.customer], o.at, o.amount, o.currency, o.items, o.channel,
                          o.ref))  # fmt: skip
            if len(batch) >= 1_000_000 or index == total - 1:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(insert, batch)
                conn.execute("COMMIT")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                print(f"  orders: {index + 1} of {total}", flush=True)
                batch = []
        r = random.Random(SEED)
        notes = []
        for cid in r.sample(ids, len(ids) // 5):
            kind = r.choice(KINDS)
            status = r.choice(("open", "resolved")) if kind in ("complaint", "service") else None
            day = f"20{r.randint(24, 26)}-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}"
            notes.append((cid, f"{day}T03:00:00.000000Z", f"{kind} bench", kind, status))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM notes")  # (a resumed build adds them again)
        conn.executemany(
            "INSERT INTO notes(customer_id, at, text, kind, status) VALUES (?, ?, ?, ?, ?)", notes
        )
        ACTIVITY.rebuild(conn)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def big_database(customers: int, total: int, rebuild: bool) -> Path:
    path = OUT / f"orders-{customers}-{total}.db"
    meta = OUT / f"orders-{customers}-{total}.json"
    if rebuild:
        Path(f"{path}.progress").unlink(missing_ok=True)
    if rebuild or not path.exists() or not meta.exists():
        print(f"building {path.name}: {customers} customers, {total} orders…", flush=True)
        t0 = time.perf_counter()
        progress = Path(f"{path}.progress")
        if progress.exists() and path.exists():  # customers done, orders interrupted
            ids = list(range(1, customers + 1))
        else:
            ids = build_raw(path, customers)
            progress.write_text("customers")
        t1 = time.perf_counter()
        build_orders(path, ids, total)
        t2 = time.perf_counter()
        meta.write_text(json.dumps({"customers_s": round(t1 - t0), "orders_s": round(t2 - t1)}))
        Path(f"{path}.progress").unlink(missing_ok=True)
    print(f"database: {path.name} ({path.stat().st_size / 2**20:.0f} MiB); build "
          f"{meta.read_text()}")  # fmt: skip
    return path


def _median_ms(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and CPU milliseconds of `fn()` (after a warm-up call)."""
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def queries(path: Path, runs: int) -> tuple[int, int]:
    """Print the query-part medians; returns (a regular buyer's id, the heaviest buyer's)."""
    from custinfo.activity.timeline import timeline
    from custinfo.search import Query, count, find_ids
    from custinfo.store import Store

    store = Store.open(path, PASSPHRASE.encode())
    conn = store.conn
    shape = conn.execute(
        "SELECT count(*), sum(order_count >= 2), sum(spent > 100000) FROM customer_activity"
    ).fetchone()
    print(f"customers with activity {shape[0]}, repeat buyers {shape[1]}, spent > ¥1000 {shape[2]}")
    cases = [
        ("--spent-over 1000 --no-order-since 180d",
         Query(spent_over="1000", no_order_since="180d")),
        ("--spent-over 50000 (selective: index)", Query(spent_over="50000")),
        ("--orders-at-least 20", Query(orders_at_least=20)),
        ("--ordered-since 7d", Query(ordered_since="7d")),
        ("--no-contact-since 90d", Query(no_contact_since="90d")),
        ("--kind complaint --status open", Query(kind="complaint", status="open")),
        ("--bought 紫砂壶 (scans orders)", Query(bought="紫砂壶")),
    ]  # fmt: skip
    print(f"\nquery part (db open; first 50 results incl. loading them; median of {runs})")
    print(f"{'filters':44} {'matches':>9} {'wall ms':>8} {'CPU ms':>8}")
    for label, q in cases:
        q.limit = 50

        def run(q: Query = q) -> None:
            store.get_many(find_ids(store, q, "CN"))

        slow = "bought" in label
        ms, cpu = _median_ms(run, 3 if slow else runs)
        q.limit = None
        total = count(store, q, "CN")
        target = "  (target <= 50 ms)" if label.startswith("--spent-over 1000 --no") else ""
        print(f"{label:44} {total:>9} {ms:>8.1f} {cpu:>8.1f}{target}")
    regulars = [r[0] for r in conn.execute(
        "SELECT customer_id FROM customer_activity WHERE order_count BETWEEN 8 AND 12"
    )]  # fmt: skip
    regular = regulars[len(regulars) // 2]
    heaviest, most = conn.execute(
        "SELECT customer_id, order_count FROM customer_activity ORDER BY order_count DESC LIMIT 1"
    ).fetchone()
    for label, cid in ((f"regular buyer #{regular}", regular),
                       (f"heaviest buyer #{heaviest} ({most} orders)", heaviest)):  # fmt: skip
        n = len(timeline(store, cid))
        ms, cpu = _median_ms(lambda cid=cid: timeline(store, cid), runs)
        print(f"timeline query part, {label}: {n} entries, {ms:.2f} ms wall, {cpu:.2f} ms CPU "
              "(target <= 10 ms)")  # fmt: skip
    store.close()
    return regular, heaviest


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) seconds of one run."""
    from bench.startup import timed

    return timed(argv, env)


def show_ratio(path: Path, customer_id: int, runs: int) -> None:
    from bench.startup import BASELINE_SHOW, custinfo_argv

    work = OUT / "baseline_show.py"
    work.write_text(BASELINE_SHOW)
    env = _env(path)
    commands = {
        "custinfo show ID": [*custinfo_argv(), "show", str(customer_id)],
        "baseline show ID": [sys.executable, str(work), str(customer_id)],
    }
    for argv in commands.values():
        _timed(argv, env)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    rng = random.Random(SEED)
    for _ in range(runs):
        rng.shuffle(order)
        for name in order:
            wall, cpu = _timed(commands[name], env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_ms = {name: statistics.median(v) * 1000 for name, v in walls.items()}
    cpu_ms = {name: statistics.median(v) * 1000 for name, v in cpus.items()}
    shown = subprocess.run(commands["custinfo show ID"], env=env, capture_output=True, text=True)
    line = next(x for x in shown.stdout.splitlines() if x.startswith("orders:"))
    print(f"\nshow of a customer with orders ({line}), {runs} interleaved runs, medians:")
    for name in commands:
        print(f"  {name:18} {wall_ms[name]:7.1f} ms wall {cpu_ms[name]:7.1f} ms CPU")
    wall_ratio = wall_ms["custinfo show ID"] / wall_ms["baseline show ID"]
    cpu_ratio = cpu_ms["custinfo show ID"] / cpu_ms["baseline show ID"]
    print(f"  show ratio: wall {wall_ratio:.3f}, CPU {cpu_ratio:.3f}  (target <= 1.15)")


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--import-customers", type=int, default=100_000)
    parser.add_argument("--import-orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15, help="repetitions for medians")
    parser.add_argument("--skip", nargs="*", default=[], choices=("queries", "show", "import"))
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--build-only", action="store_true", help="only build the databases")
    parser.add_argument("--cache", type=Path, default=OUT, help="where the databases are kept")
    args = parser.parse_args()
    OUT = args.cache
    OUT.mkdir(exist_ok=True)
    os.umask(0o077)
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    if args.build_only:
        big_database(args.customers, args.orders, args.rebuild)
        return
    if not {"queries", "show"} <= set(args.skip):
        path = big_database(args.customers, args.orders, args.rebuild)
        regular = None
        if "queries" not in args.skip:
            regular, _ = queries(path, args.runs)
        if "show" not in args.skip:
            if regular is None:
                from custinfo.store import Store

                with Store.open(path, PASSPHRASE.encode()) as store:
                    regular = store.conn.execute(
                        "SELECT customer_id FROM customer_activity WHERE order_count > 5 LIMIT 1"
                    ).fetchone()[0]
            show_ratio(path, regular, args.runs)
    if "import" not in args.skip:
        from bench.orders_import import import_bench

        import_bench(OUT, args.import_customers, args.import_orders, args.rebuild)


if __name__ == "__main__":
    main()
