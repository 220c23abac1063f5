"""Agenda benchmark: `python -m bench.agenda [--customers 1000000 --followups 100000
--cadences 50000] [--activity kept-up|spread] [--cache /work/ag-cache]`.

Fixed seeds throughout. The database is built once and cached (`--cache`, default
bench/out): N customers inserted directly (`build_customers`: names, addresses, 70% with a
birthday, 3% of those without a year), then through the write gate: M open follow-ups (30%
with a time of day) and M/5 closed ones, K keep-in-touch cadences (7d to 1y) and a typed
interaction for four in five of those customers. `--activity` says how the owner has kept
up (see docs/benchmarks.md):
- `kept-up` (default): 1% of the open follow-ups overdue (by up to 14 days), the rest over
  the next two years; nine in ten contacted customers last contacted within their cadence,
  the others one to two cadences ago;
- `spread` (the data of the first measurement): 5% overdue (by up to 60 days); last
  contacts spread evenly over the past 400 days, whatever the cadence (64% of the cadences
  due within a week).

1. QUERY PART of `agenda --days 7 --birthdays 14d` (database open, warm, median): building
   the agenda rows (`custinfo.followups.agenda.build`), per source and in all
   (target <= 100 ms).
2. PROCESS: the whole `custinfo agenda` (and `agenda --days 7 --birthdays 14d`) writing
   CSV to a pipe, against the start-up baseline of bench/startup.py (a minimal Typer
   command that opens the same database with the passphrase and looks one customer up),
   interleaved runs, medians (target <= 1.25).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

PASSPHRASE = "bench agenda passphrase 跟进"
SEED = 20261213
EVERY = ("7d", "14d", "30d", "30d", "90d", "180d", "1y")
KINDS = ("call", "visit", "message", "email", "meeting", "task")


#: Interpreter settings a user's shell does not have, dropped for the process runs: without
#: .pyc files every module is compiled on every start, and unbuffered output is one system
#: call per CSV row (both inflate custinfo's side, not the baseline's).
UNUSUAL = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CUSTINFO_") and k not in UNUSUAL}  # fmt: skip
    return env | {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1"}


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯"
LATIN = ("Anna Müller", "John Smith", "Maria Garcia", "Kenji Sato", "Olga Ivanova")
CITIES = ("上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉", "苏州", "Berlin")


def build_customers(path: Path, n: int) -> list[int]:
    """`n` customers inserted directly (fixed seed): names (Chinese and Latin), company,
    address, city, a birthday for 70% (3% of them without a year). No phones, emails or
    search index: the agenda reads none of them, and the synthetic import of 1M customers
    takes most of an hour on a loaded machine."""
    from custinfo.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    r = random.Random(SEED)
    now = "2026-01-01T00:00:00.000000Z"
    with Store.create(path, PASSPHRASE.encode(), region="CN") as store:
        conn = store.conn
        conn.execute("PRAGMA cache_size = -65536")
        rows = []
        for i in range(1, n + 1):
            if r.random() < 0.1:
                name = r.choice(LATIN)
            else:
                name = r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=r.choice((1, 2))))
            birthday = None
            if r.random() < 0.7:
                day = date(1950, 1, 1) + timedelta(days=r.randint(0, 20000))
                birthday = f"--{day:%m-%d}" if r.random() < 0.03 else day.isoformat()
            city = r.choice(CITIES)
            address = f"{city}市{r.choice(GIVEN)}{r.choice(GIVEN)}路{r.randint(1, 999)}号"
            company = (
                f"{r.choice(GIVEN)}{r.choice(GIVEN)}贸易有限公司" if r.random() < 0.5 else None
            )
            rows.append((i, name, company, address, city, birthday, "bench", now, now))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO customers(id, name, company, address, city, birthday, source, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
    return list(range(1, n + 1))


def build(path: Path, customers: int, followups: int, cadences: int, activity: str) -> None:
    ids = build_customers(path, customers)
    add_activity(path, ids, followups, cadences, activity)


DAYS = {"7d": 7, "14d": 14, "30d": 30, "90d": 90, "180d": 180, "1y": 365}


def add_activity(
    path: Path, ids: list[int], followups: int, cadences: int, activity: str = "kept-up"
) -> None:
    """Follow-ups, cadences and last contacts through the write gate."""
    from custinfo import times
    from custinfo.store import Store
    from custinfo.store.followups import add_followup, close_followup, set_cadence

    r = random.Random(SEED)
    today = times.today()
    with Store.open(path, PASSPHRASE.encode()) as store:
        with store.write("bench") as w:
            late, days_late = (0.05, 60) if activity == "spread" else (0.01, 14)
            for n in range(followups + followups // 5):
                offset = -r.randint(1, days_late) if r.random() < late else r.randint(0, 730)
                day = today + timedelta(days=offset)
                at = None
                if r.random() < 0.3:
                    at = times.local_start(day)[:11] + f"{r.randint(0, 23):02d}:30:00.000000Z"
                fid = add_followup(
                    w, r.choice(ids), kind=r.choice(KINDS), text=f"跟进 {n}",
                    due_date=day.isoformat(), due_at=at,
                    repeat=r.choice((None, None, "1m", "3m")),
                )  # fmt: skip
                if n >= followups:
                    close_followup(w, fid, "done")
            chosen = r.sample(ids, cadences)
            for every in EVERY:
                set_cadence(w, [c for i, c in enumerate(chosen) if EVERY[i % len(EVERY)] == every],
                            every)  # fmt: skip
            for i, cid in enumerate(chosen):
                if r.random() < 0.8:
                    every = DAYS[EVERY[i % len(EVERY)]]
                    if activity == "spread":
                        ago = r.randint(0, 400)
                    elif r.random() < 0.9:
                        ago = r.randint(0, every - 1)
                    else:
                        ago = r.randint(every, 2 * every)
                    day = today - timedelta(days=ago)
                    w.add_note(cid, "联系", at=times.local_start(day), kind=r.choice(KINDS[:5]))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def database(
    cache: Path, customers: int, followups: int, cadences: int, activity: str, rebuild: bool
) -> Path:
    suffix = "" if activity == "spread" else f"-{activity}"  # (the first data: no suffix)
    path = cache / f"agenda-{customers}-{followups}-{cadences}{suffix}.db"
    meta = path.with_suffix(".json")
    if rebuild or not path.exists() or not meta.exists():
        print(f"building {path.name}…", flush=True)
        start = time.perf_counter()
        build(path, customers, followups, cadences, activity)
        meta.write_text(json.dumps({"build_s": round(time.perf_counter() - start)}))
    print(f"database: {path} ({path.stat().st_size / 2**20:.0f} MiB); {meta.read_text()}")
    return path


def _median_ms(fn, runs: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus), min(cpus)


def queries(path: Path, runs: int) -> None:
    from custinfo import times
    from custinfo.followups import agenda
    from custinfo.store import Store

    store = Store.open(path, PASSPHRASE.encode())
    birthdays = times.shift(times.today(), 14, "d")
    result = agenda.build(store, days=7, birthdays=birthdays)
    counts: dict[str, int] = {}
    for row in result.values():
        counts[row[3]] = counts.get(row[3], 0) + 1
    print(f"\nagenda --days 7 --birthdays 14d: {len(result.rows)} rows {counts}")
    today, horizon = result.today, result.horizon
    del result  # (its rows would stay in memory for the collector to walk on every run)
    print(f"query part (db open, warm, median of {runs}; the least CPU, less load-bound):")
    now = agenda.datetime.now().astimezone()
    parts = {
        "follow-ups": lambda: agenda._followups(store.conn, horizon, now),
        "keep-in-touch": lambda: agenda._cadences(store.conn, horizon),
        "birthdays": lambda: agenda._birthdays(store.conn, today, birthdays),
        "ALL (build)": lambda: agenda.build(store, days=7, birthdays=birthdays),
    }
    for label, fn in parts.items():
        ms, cpu, least = _median_ms(fn, runs)
        target = "  (target <= 100 ms)" if label.startswith("ALL") else ""
        print(f"  {label:16} {ms:8.1f} ms wall {cpu:8.1f} ms CPU (min {least:6.1f}){target}")
    store.close()


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s: user + system) of one process, output to /dev/null (CSV: no tty)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # (agenda --exit-code is not used here)
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def process_ratio(path: Path, runs: int) -> None:
    from bench.startup import BASELINE_SHOW, custinfo_argv

    work = path.parent / "baseline_show.py"
    work.write_text(BASELINE_SHOW)
    env = _env(path)
    commands = {
        "custinfo agenda": [*custinfo_argv(), "agenda", "--format", "csv"],
        "agenda --birthdays 14d": [
            *custinfo_argv(),
            "agenda",
            "--days",
            "7",
            "--birthdays",
            "14d",
            "--format",
            "csv",
        ],
        "baseline": [sys.executable, str(work), "1"],
    }
    for argv in commands.values():
        _run(argv, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    order = list(commands)
    rng = random.Random(SEED)
    for _ in range(runs):
        rng.shuffle(order)
        for name in order:
            samples[name].append(_run(commands[name], env))
    wall = {n: statistics.median(w for w, _ in v) * 1000 for n, v in samples.items()}
    cpu = {n: statistics.median(c for _, c in v) * 1000 for n, v in samples.items()}
    print(f"\nwhole process, output to /dev/null (CSV), {runs} interleaved runs, medians:")
    for name in commands:
        target = "  (target <= 1.25)" if name == "custinfo agenda" else ""
        print(
            f"  {name:24} wall {wall[name]:7.1f} ms (ratio {wall[name] / wall['baseline']:.2f})"
            f"  CPU {cpu[name]:7.1f} ms (ratio {cpu[name] / cpu['baseline']:.2f}){target}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--followups", type=int, default=100_000)
    parser.add_argument("--cadences", type=int, default=50_000)
    parser.add_argument("--activity", choices=("kept-up", "spread"), default="kept-up")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip", nargs="*", default=[], choices=("queries", "process"))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    os.umask(0o077)
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    path = database(
        args.cache, args.customers, args.followups, args.cadences, args.activity, args.rebuild
    )
    if "queries" not in args.skip:
        queries(path, args.runs)
    if "process" not in args.skip:
        process_ratio(path, args.runs)


if __name__ == "__main__":
    main()
