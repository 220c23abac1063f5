"""Benchmark consent: `python -m bench.consent --n 1000000`.

Builds (once, cached in bench/out/consent-N.db) an encrypted database of N synthetic
customers (`custinfo import --on-duplicate add` of the seed-4 CSV of bench.importexport),
spreads their last activity over 2019-2026, tags a random tenth "bench10pct", declares 2
purposes and writes 3 consent entries per customer (3N in all) and N/20 opt-outs (a fifth
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
import subprocess
import sys
import tempfile
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
    from bench.importexport import write_csv
    from custinfo.store import Store

    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    Store.create(tmp, PASSPHRASE.encode(), region="CN").close()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-consent-") as work:
        source = Path(work) / "customers.csv"
        write_csv(source, n)
        subprocess.run(
            [sys.executable, "-m", "custinfo", "import", str(source), "--on-duplicate", "add",
             "--rejects", str(Path(work) / "rejects.csv")],
            env=_env(tmp), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    print(f"  imported ({time.perf_counter() - started:.0f} s)", flush=True)
    with Store.open(tmp, PASSPHRASE.encode()) as store:
        _populate(store)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    print(f"  built ({time.perf_counter() - started:.0f} s)", flush=True)
    os.replace(tmp, path)


def _populate(store) -> None:  # type: ignore[no-untyped-def]
    """Tag, purposes, 3 entries per customer, N/20 opt-outs (raw SQL: bench data only)."""
    from custinfo.privacy import consent, suppression

    rng = random.Random(SEED)
    conn = store.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    tagged = [cid for cid in ids if rng.random() < 0.1]
    with store.write("bench") as w:
        for start in range(0, len(tagged), 100_000):
            w.tag(TAG, tagged[start : start + 100_000])
    with store.db.transaction():  # last activity spread over 2019-2026 (import sets "now")
        conn.executemany(
            "UPDATE customers SET created_at = ?, updated_at = ? WHERE id = ?",
            ((at, at, cid) for cid in ids for at in [_stamp(rng)]),
        )
        conn.execute("UPDATE notes SET at = (SELECT updated_at FROM customers c "
                     "WHERE c.id = notes.customer_id)")  # fmt: skip
    consent.add_purpose(store, "sms-marketing", label="短信营销", basis="consent",
                        retention="2y", retention_from="withdrawal")  # fmt: skip
    consent.add_purpose(store, "newsletter", label="会员通讯", basis="consent",
                        retention="18m", retention_from="last-contact")  # fmt: skip
    hkey = suppression.key(conn)
    held = {}  # every 100th customer's first phone is opted out
    for cid, e164 in conn.execute("SELECT customer_id, min(e164) FROM phones GROUP BY customer_id"):
        if cid % 100 == 0:
            held[cid] = e164
    rows, optouts = [], []
    for cid in ids:
        given = _stamp(rng, 2019, 2024)
        rows.append((cid, "sms-marketing", "any", "given", given, "门店纸质表", "manual"))
        rows.append((cid, "newsletter", "any", "given", _stamp(rng), "web", "manual"))
        later = _stamp(rng, int(given[:4]) + 1, 2027)
        if cid in held:
            rows.append((cid, "sms-marketing", "any", "withdrawn", later, "opt-out", "opt-out"))
        elif cid % 10 == 3:
            rows.append((cid, "sms-marketing", "any", "withdrawn", later, "shop", "manual"))
        elif cid % 10 == 7:
            rows.append((cid, "sms-marketing", "sms", "withdrawn", later, "sms TD", "manual"))
        else:
            rows.append((cid, "newsletter", "any", "withdrawn", later, "web", "manual"))
    for e164 in held.values():
        optouts.append((suppression.digest(hkey, "phone", e164), "phone"))
    while len(optouts) < len(ids) // 20:
        number = f"+86139{rng.randrange(10**8):08d}"
        optouts.append((suppression.digest(hkey, "phone", number), "phone"))
    with store.db.transaction():
        conn.executemany(
            "INSERT INTO consents(customer_id, purpose, channel, state, at, method, source, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000000Z')",
            rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO optouts(hmac, kind, purpose, channel, state, at, batch) "
            "VALUES (?, ?, 'sms-marketing', 'any', 'withdrawn', '2025-01-01T00:00:00.000000Z', "
            "'bench')",
            optouts,
        )
    print(f"  {len(rows):,} consent entries, {len(optouts):,} opt-outs", flush=True)


def _timed(db: Path, args: list[str], *, lines: bool = False) -> tuple[float, str]:
    """(wall seconds, stderr, or the number of stdout lines) of `custinfo ARGS`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "custinfo", *args], env=_env(db),
        stdout=subprocess.PIPE if lines else subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=False,
    )  # fmt: skip
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"custinfo {' '.join(args)} failed: {done.stderr}")
    return took, str(done.stdout.count("\n")) if lines else done.stderr.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.umask(0o077)
    OUT.mkdir(exist_ok=True)
    db = OUT / f"consent-{args.n}.db"
    if not db.exists():
        print(f"building {db} ...", flush=True)
        build(db, args.n)
    plain_args = ["export", "--tag", TAG]
    gated_args = ["export", "--for", "sms-marketing", "--tag", TAG]
    _timed(db, plain_args)  # warm the page cache
    plain, gated, summary = [], [], ""
    for _ in range(args.rounds):
        plain.append(_timed(db, plain_args)[0])
        took, summary = _timed(db, gated_args)
        gated.append(took)
    print(f"export --tag {TAG}: best {min(plain):.2f} s of {[round(t, 2) for t in plain]}")
    print(f"export --for sms-marketing --tag {TAG}: best {min(gated):.2f} s of "
          f"{[round(t, 2) for t in gated]}")  # fmt: skip
    print(f"  {summary}")
    print(f"ratio time(plain) / time(gated): {min(plain) / min(gated):.2f} (target >= 0.5)")
    checks = [_timed(db, ["retention", "check", "--format", "ids"], lines=True) for _ in "ab"]
    print(f"retention check: best {min(t for t, _ in checks):.2f} s of "
          f"{[round(t, 2) for t, _ in checks]} (target <= 10 s); "
          f"{checks[-1][1]} customers past retention")  # fmt: skip


if __name__ == "__main__":
    main()
