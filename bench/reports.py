"""Reports benchmark: `nice -n 10 python -m bench.reports [--cache DIR]`.

The database (default 1M customers, 5M orders, a typed interaction for one customer in
five) is built once with bench/orders.py's fixed-seed bulk loader (`build_raw`,
`build_orders`: plain executemany, then the activity aggregates' own rebuild) and cached in
`--cache` (default bench/out/; `--build-only` stops there). The same builder makes
bench/orders.py's `orders-1000000-5000000.db`: a copy of it named
`reports-1000000-5000000.db` plus an empty `reports-1000000-5000000.done` in `--cache` is
used as is (the first open migrates it). Then, in the same run:

1. `custinfo report overview | value | quality` as real processes (`--format csv` into
   /dev/null), wall time and the child's peak RSS; targets: overview <= 3 s, value <= 10 s
   with peak RSS <= 500 MB, quality <= 5 s;
2. `custinfo report value --apply-tags rfm:` (target <= 30 s);
3. the baseline: the same RFM with one plain SQL query and pandas (groupby, rank(min),
   the same score rule), in this process, and the ratio custinfo / baseline; both results
   are compared customer by customer.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.orders import OUT, PASSPHRASE, build_orders, build_raw

AS_OF = "2026-11-30"


def database(cache: Path, customers: int, orders: int) -> Path:
    path = cache / f"reports-{customers}-{orders}.db"
    done = cache / f"reports-{customers}-{orders}.done"
    if path.exists() and done.exists():
        return path
    progress = Path(f"{path}.customers")
    if not (path.exists() and progress.exists()):
        print(f"building {path.name}: {customers} customers…", flush=True)
        build_raw(path, customers)
        progress.write_text("ok\n")
    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id")]
    if len(ids) < customers // 2:
        raise SystemExit(f"{path} holds {len(ids)} customers: an interrupted build; remove it")
    print(f"adding {orders} orders…", flush=True)
    t = time.perf_counter()
    build_orders(path, ids, orders)
    print(f"  orders built in {time.perf_counter() - t:.0f} s", flush=True)
    done.write_text("ok\n")
    return path


def run_cli(db: Path, *args: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of `custinfo ARGS`, stdout into
    /dev/null (on a shared machine the CPU time is the steadier figure)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTINFO_")}
    env |= {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1"}
    code = (
        "import resource, sys; from custinfo.cli.main import run; code = run(sys.argv[1:]); "
        "u = resource.getrusage(resource.RUSAGE_SELF); "
        "sys.stderr.write(f'RSS {u.ru_maxrss} {u.ru_utime + u.ru_stime}\\n'); "
        "sys.exit(code)"
    )
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"custinfo {' '.join(args)} failed: {done.stderr}")
    _, rss, cpu = done.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(rss) / 1024


def pandas_rfm(db: Path) -> tuple[float, dict[int, str]]:
    """The baseline: one SQL query for the window's orders, then pandas. Returns the
    seconds and {customer id: rfm code}."""
    import numpy as np
    import pandas as pd

    from custinfo import times
    from custinfo.store import Store

    t = time.perf_counter()
    day = times.parse_day(AS_OF, "as of")
    start = times.local_start(times.shift(times.shift(day, -2, "y"), 1, "d"))
    end = times.local_start(times.shift(day, 1, "d"))
    with Store.open(db, PASSPHRASE.encode()) as store:
        home = store.currency
        rows = store.conn.execute(
            "SELECT customer_id, at, amount, currency FROM orders WHERE at >= ? AND at < ?",
            (start, end),
        ).fetchall()
    frame = pd.DataFrame(rows, columns=["customer_id", "at", "amount", "currency"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(None)
    offset = pd.Timedelta(seconds=-time.timezone if not time.daylight else -time.altzone)
    frame["day"] = (frame["at"] + offset).dt.normalize()
    frame["order"] = frame["amount"] >= 0
    frame["home"] = np.where(frame["currency"] == home, frame["amount"], 0)
    orders = frame[frame["order"]]
    g = pd.DataFrame({
        "f": orders.groupby("customer_id").size(),
        "last": orders.groupby("customer_id")["day"].max(),
        "m": frame.groupby("customer_id")["home"].sum(),
    }).dropna(subset=["f"])  # fmt: skip
    g["r"] = (pd.Timestamp(day) - g["last"]).dt.days
    n = len(g)

    def score(values: pd.Series, ascending: bool) -> pd.Series:
        rank = (values if ascending else -values).rank(method="min")
        return np.ceil(5 * rank / n).astype(int)

    code = (
        score(g["r"], False).astype(str)
        + score(g["f"], True).astype(str)
        + score(g["m"], True).astype(str)
    )
    return time.perf_counter() - t, dict(zip(g.index.astype(int), code, strict=True))


def core_rfm(db: Path) -> tuple[float, dict[int, str]]:
    from custinfo import reports
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        t = time.perf_counter()
        report = reports.build(store, "value", as_of=AS_OF)
        result = report.extra["result"]
        seconds = time.perf_counter() - t
        codes = {
            int(i): f"{r}{f}{m}"
            for i, r, f, m in zip(result.ids, result.r, result.f, result.m, strict=True)
        }
    return seconds, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--cache", type=Path, default=OUT)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TZ", "Asia/Shanghai")
    time.tzset()
    args.cache.mkdir(parents=True, exist_ok=True)
    db = database(args.cache, args.customers, args.orders)
    if args.build_only:
        return
    print(f"database {db.name}: {db.stat().st_size / 2**20:,.0f} MiB; load {os.getloadavg()}")
    targets = {"overview": 3, "value": 10, "quality": 5}
    for name, limit in targets.items():
        run_cli(db, "report", name, "--as-of", AS_OF, "--format", "csv")  # warm the cache
        wall, cpu, rss = run_cli(db, "report", name, "--as-of", AS_OF, "--format", "csv")
        extra = " (target <= 500 MB)" if name == "value" else ""
        print(f"report {name:9} {wall:6.2f} s wall, {cpu:6.2f} s CPU (target <= {limit} s), "
              f"peak RSS {rss:5.0f} MiB{extra}")  # fmt: skip
    wall, cpu, rss = run_cli(db, "report", "value", "--as-of", AS_OF, "--apply-tags", "rfm:",
                             "--format", "csv")  # fmt: skip
    print(f"report value --apply-tags rfm: {wall:6.2f} s wall, {cpu:6.2f} s CPU "
          f"(target <= 30 s), peak RSS {rss:.0f} MiB")  # fmt: skip
    c0 = time.process_time()
    ours, codes = core_rfm(db)
    c1 = time.process_time()
    base, theirs = pandas_rfm(db)
    c2 = time.process_time()
    ratio = (c1 - c0) / (c2 - c1)
    print(f"RFM CPU: core {c1 - c0:.2f} s, SQL + pandas {c2 - c1:.2f} s: ratio {ratio:.2f}")
    same = codes == theirs
    print(f"RFM core {ours:.2f} s vs SQL + pandas {base:.2f} s: ratio {ours / base:.2f} "
          f"(custinfo / baseline); {len(codes):,} customers, identical scores: {same}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench process peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
