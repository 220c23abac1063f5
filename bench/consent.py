"""Benchmark consent: `python -m bench.consent --n 1000000`.

Builds (once, cached in bench/out/consent-N.db, or in `--cache DIR`) an encrypted database
of N synthetic customers (normalised rows made by the benchmark, through the import's insert path as
bench.dedupe), each created and last active at one moment of 2019-2026, a random tenth
tagged "bench10pct";
declares 2 purposes and writes 3 consent entries per customer (3N in all) and N/20 opt-outs (a fifth
of them phones customers hold, whose ledgers end in the opt-out's `withdrawn` entry, as the
write gate keeps them; the rest contacts nobody holds). Fixed seed. Then measures in one
run, as real processes (`custinfo ... > /dev/null`):

- `export --tag bench10pct` (baseline) and `export --for sms-marketing --tag bench10pct`,
  interleaved, best of 3: target time(plain) / time(gated) >= 0.5;
- `retention check --format ids`: target <= 10 s at 1M.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PASSPHRASE = "bench-passphrase"
TAG = "bench10pct"
SEED = 15


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE, "CUSTINFO_DB": str(db)}


def _stamp(rng: random.Random, start: int = 2019, end: int = 2026) -> str:
    year = rng.randint(start, end - 1)
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00.000000Z"


def build(path: Path, n: int) -> None:
    from custinfo.store import Store

    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with Store.create(tmp, PASSPHRASE.encode(), region="CN") as store:
        _load(store, n)
        print(f"  {n:,} customers loaded ({time.perf_counter() - started:.0f} s)", flush=True)
        _populate(store)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    print(f"  built ({time.perf_counter() - started:.0f} s)", flush=True)
    os.replace(tmp, path)
    Path(f"{tmp}.lock").unlink(missing_ok=True)  # the hold's lock file (dbfiles) of the build


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")
_LATIN = ("Anna Müller", "John Smith", "Maria Garcia", "Wei Zhang", "Li Na", "Tom Brown")
_CITIES = ("上海", "北京", "广州", "深圳", "杭州", "成都", "Berlin", "London")


def _load(store, n: int) -> None:  # type: ignore[no-untyped-def]
    """N customers through the import's insert path (`insert_bulk` + derived data, 20,000
    per transaction, as bench.dedupe), each created and last active at one moment of
    2019-2026 (its note too), a tenth tagged TAG. The rows are made here, already
    normalised (one E.164 phone each, 60% an email, 30% a company and a note): the faker
    generator and validation would cost 0.9 ms a row, 15 CPU-minutes at 1M, and measure
    nothing this benchmark is about."""
    from custinfo.store import derived
    from custinfo.store.bulk import BulkCustomer

    rng = random.Random(SEED)
    tag_ids: dict[str, int] = {}
    rows: list[BulkCustomer] = []

    def flush() -> None:
        with store.write("bench") as w:
            data = [derived.derive(r) for r in rows]
            w.insert_bulk(rows, source="bench", tag_ids=tag_ids, derived_data=data)
        rows.clear()

    for i in range(n):
        at = _stamp(rng)
        if rng.random() < 0.8:
            name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2)))
        else:
            name = f"{rng.choice(_LATIN)} {i}"
        email = f"user{i}@example.com"
        rows.append(BulkCustomer(
            name, "上海贸易有限公司" if rng.random() < 0.3 else None, None,
            rng.choice(_CITIES), None, at, at, ((f"+8613{i:09d}", ""),),
            ((email, email),) if rng.random() < 0.6 else (),
            (TAG,) if rng.random() < 0.1 else (),
            ((at, "回访：对价格满意"),) if rng.random() < 0.3 else (),
        ))  # fmt: skip
        if len(rows) >= 20_000:
            flush()
    if rows:
        flush()


def _populate(store) -> None:  # type: ignore[no-untyped-def]
    """Purposes, 3 entries per customer, N/20 opt-outs (raw SQL: bench data only)."""
    from custinfo.privacy import consent, suppression

    rng = random.Random(SEED + 1)
    conn = store.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    consent.add_purpose(store, "sms-marketing", label="短信营销", basis="consent",
                        retention="2y", retention_from="withdrawal")  # fmt: skip
    consent.add_purpose(store, "newsletter", label="会员通讯", basis="consent",
                        retention="18m", retention_from="last-contact")  # fmt: skip
    hkey = suppression.key(conn)
    held = {}  # every 100th customer's first phone is opted out
    for cid, e164 in conn.execute("SELECT customer_id, min(e164) FROM phones GROUP BY customer_id"):
        if cid % 100 == 0:
            held[cid] = e164
    optouts = [(suppression.digest(hkey, "phone", e164), "phone") for e164 in held.values()]
    while len(optouts) < len(ids) // 20:
        number = f"+86139{rng.randrange(10**8):08d}"
        optouts.append((suppression.digest(hkey, "phone", number), "phone"))
    entries = 0
    for start in range(0, len(ids), 100_000):
        rows = []
        for cid in ids[start : start + 100_000]:
            given = _stamp(rng, 2019, 2024)
            rows.append((cid, "sms-marketing", "any", "given", given, "门店纸质表", "manual"))
            rows.append((cid, "newsletter", "any", "given", _stamp(rng), "web", "manual"))
            later = _stamp(rng, int(given[:4]) + 1, 2027)
            if cid in held:
                rows.append((cid, "sms-marketing", "any", "withdrawn", later, "opt-out",
                             "opt-out"))  # fmt: skip
            elif cid % 10 == 3:
                rows.append((cid, "sms-marketing", "any", "withdrawn", later, "shop", "manual"))
            elif cid % 10 == 7:
                rows.append((cid, "sms-marketing", "sms", "withdrawn", later, "sms TD", "manual"))
            else:
                rows.append((cid, "newsletter", "any", "withdrawn", later, "web", "manual"))
        with store.db.transaction():
            conn.executemany(
                "INSERT INTO consents(customer_id, purpose, channel, state, at, method, source, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000000Z')",
                rows,
            )
        entries += len(rows)
    with store.db.transaction():
        conn.executemany(
            "INSERT OR IGNORE INTO optouts(hmac, kind, purpose, channel, state, at, batch) "
            "VALUES (?, ?, 'sms-marketing', 'any', 'withdrawn', '2025-01-01T00:00:00.000000Z', "
            "'bench')",
            optouts,
        )
    print(f"  {entries:,} consent entries, {len(optouts):,} opt-outs", flush=True)


def _timed(db: Path, args: list[str], *, lines: bool = False) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stderr or the number of stdout lines) of
    `custinfo ARGS`. CPU time is what to compare on a loaded machine: wall time there
    mostly measures the wait for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "custinfo", *args], env=_env(db),
        stdout=subprocess.PIPE if lines else subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        raise SystemExit(f"custinfo {' '.join(args)} failed: {done.stderr}")
    return took, cpu, str(done.stdout.count("\n")) if lines else done.stderr.strip()


def _best(runs: list[tuple[float, float, str]]) -> str:
    return (
        f"best {min(r[0] for r in runs):.2f} s wall of {[round(r[0], 2) for r in runs]}, "
        f"{min(r[1] for r in runs):.2f} CPU-s of {[round(r[1], 2) for r in runs]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=OUT, help="where consent-N.db is kept")
    args = parser.parse_args()
    os.umask(0o077)
    args.cache.mkdir(exist_ok=True)
    db = args.cache / f"consent-{args.n}.db"
    if not db.exists():
        print(f"building {db} ...", flush=True)
        build(db, args.n)
    # Each gated export adds ~80k audit links: measure on a scratch copy, so every run
    # starts from the same file.
    work = db.with_name(f"{db.stem}.run.db")
    subprocess.run(["cp", "--sparse=always", str(db), str(work)], check=True)
    try:
        _measure(work, args.rounds)
    finally:
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)


def _measure(db: Path, rounds: int) -> None:
    plain_args = ["export", "--tag", TAG]
    gated_args = ["export", "--for", "sms-marketing", "--tag", TAG]
    _timed(db, plain_args)  # warm the page cache
    plain, gated = [], []
    for _ in range(rounds):
        plain.append(_timed(db, plain_args))
        gated.append(_timed(db, gated_args))
    print(f"export --tag {TAG}: {_best(plain)}")
    print(f"export --for sms-marketing --tag {TAG}: {_best(gated)}")
    print(f"  {gated[-1][2]}")
    wall = min(r[0] for r in plain) / min(r[0] for r in gated)
    cpu = min(r[1] for r in plain) / min(r[1] for r in gated)
    print(f"ratio plain / gated (target >= 0.5): wall {wall:.2f}, CPU {cpu:.2f}")
    checks = [_timed(db, ["retention", "check", "--format", "ids"], lines=True) for _ in "ab"]
    print(f"retention check (target <= 10 s): {_best(checks)}; "
          f"{checks[-1][2]} customers past retention")  # fmt: skip


if __name__ == "__main__":
    main()
