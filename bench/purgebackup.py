"""Benchmark: backup create (verification included) and purge --older-than.

    python -m bench.purgebackup --n 1000000

Builds (once, cached in bench/out/) an encrypted database of N synthetic customers, 10% of
them inactive since 2020, then measures in the same run:

- `cp` of the database file, and a bare `Connection.backup()` to a new encrypted file
  (the baseline);
- `backup.create` (snapshot + fsync + verification + SHA-256 + manifest): target at most
  2x the bare backup; and the same with `--full-check` (integrity_check) for reference;
- `custinfo purge --older-than 3y --yes` as a real process on a copy (10% of N): target
  at most 30 s for 100k of 1M.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "bench passphrase 基准"
KEY = PASSPHRASE.encode()
OUT = Path(__file__).resolve().parent / "out"
OLD = "2020-01-01T00:00:00.000000Z"
BATCH = 50_000


def build(path: Path, n: int) -> None:
    """N customers through the validation layer, committed in batches; every 10th is old."""
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
    from custinfo.store import Store

    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with Store.create(tmp, KEY, region="CN") as store:
        records = generate(n, seed=11)
        done = 0
        while done < n:
            with store.write("bench") as w:
                ids = []
                for record in records:
                    try:
                        row = validation.customer_input(region="CN", **to_fields(record))
                    except ValidationError:
                        row = validation.customer_input(region="CN", name=f"customer {done}")
                    at = OLD if done % 10 == 0 else None
                    ids.append(w.add_customer(row, source="bench", at=at))
                    done += 1
                    if len(ids) == BATCH or done == n:
                        break
                w.detail = f"{len(ids)} rows"
            print(f"  built {done:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(tmp, path)


def timed(label: str, func) -> float:
    """Wall time of func(); prints it with the process CPU time (all threads) beside it."""
    started, cpu = time.perf_counter(), time.process_time()
    func()
    took, used = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<48} {took:8.2f} s wall {used:8.2f} s CPU", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--only", choices=("all", "backup", "purge"), default="all")
    args = parser.parse_args()
    os.umask(0o077)
    OUT.mkdir(exist_ok=True)
    db = OUT / f"purgebackup-{args.n}.db"
    if not db.exists():
        print(f"building {db} ...", flush=True)
        build(db, args.n)
    size = db.stat().st_size
    print(f"database: {args.n:,} customers, {size / 2**20:.0f} MiB")

    work = Path(tempfile.mkdtemp(prefix="bench-pb-", dir=OUT))
    try:
        if args.only != "purge":
            run_backups(db, work)
        if args.only != "backup":
            run_purge(db, work, args.n)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_backups(db: Path, work: Path) -> None:
    from custinfo import backup
    from custinfo.store import Store

    cp = timed("cp (shutil.copyfile)", lambda: shutil.copyfile(db, work / "copy.db"))
    (work / "copy.db").unlink()
    with Store.open(db, KEY) as store:
        store.count()  # warm up: key derived, schema read

        def bare() -> None:
            import sqlcipher3

            dst = sqlcipher3.connect(str(work / "bare.db"))
            dst.set_key(KEY)
            store.conn.backup(dst)
            dst.close()

        base = timed("bare Connection.backup() to a new encrypted file", bare)
        (work / "bare.db").unlink()
        folder = work / "backups"
        create = timed(
            "backup create (verified, hashed, manifest)",
            lambda: backup.create(store, KEY, folder),
        )
        full = timed(
            "backup create --full-check (integrity_check)",
            lambda: backup.create(store, KEY, folder, full_check=True),
        )
    print(f"backup create / bare backup: {create / base:.2f}x (target <= 2x)")
    print(f"create --full-check / bare:  {full / base:.2f}x")
    print(f"cp / bare backup:            {cp / base:.2f}x")


def run_purge(db: Path, work: Path, n: int) -> None:
    import resource

    purge_db = work / "purge.db"
    shutil.copyfile(db, purge_db)
    env = dict(os.environ, CUSTINFO_DB=str(purge_db), CUSTINFO_PASSPHRASE=PASSPHRASE)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    result: list[str] = []

    def purge() -> None:
        done = subprocess.run(
            [sys.executable, "-m", "custinfo", "purge", "--older-than", "3y", "--yes"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        result.append(done.stdout.strip())

    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = timed(f"custinfo purge --older-than 3y ({n // 10:,} customers)", purge)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
    print(f"  {result[0]}")
    print(f"purge of {n // 10:,}: {took:.1f} s wall, {used:.1f} s CPU (target <= 30 s)")


if __name__ == "__main__":
    main()
