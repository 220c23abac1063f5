"""Benchmark consent: `python -m bench.consent --n 1000000`.

Builds (once, cached in bench/out/consent-N.db) an encrypted database of N synthetic
customers (`custinfo.demo.synth`, through the import's insert path as bench.dedupe), each
created and last active at one moment of 2019-2026, a random tenth tagged "bench10pct";
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


def _load(store, n: int) -> None:  # type: ignore[no-untyped-def]
    """N synthetic customers through the import's insert path (`insert_bulk` + derived
    data, 20,000 per transaction, as bench.dedupe), each created and last active at one
    moment of 2019-2026 (its note too), a tenth tagged TAG."""
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
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

    for rec in generate(n, seed=SEED, dup_share=0.0, namesake_share=0.02, sparse_share=0.05):
        try:
            c = validation.customer_input(region="CN", **to_fields(rec))
        except ValidationError:
            continue
        at = _stamp(rng)
        rows.append(BulkCustomer(
            c.name, c.company, c.address, c.city, c.birthday, at, at,
            tuple((p.e164, p.ext or "") for p in c.phones),
            tuple((e.address, e.key) for e in c.emails),
            (TAG,) if rng.random() < 0.1 else (), tuple((at, text) for text in c.notes),
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
