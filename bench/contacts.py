"""Contacts benchmark (issue 18): `python -m bench.contacts --n 100000`.

Writes an N-row CSV from `custinfo.demo.synth` (seed 4; about 7% of the rows have neither
a phone nor an email), then times `custinfo import` in subprocesses, each into a fresh
database unless said otherwise, ratios against baselines measured in this same run:

1. `--on-duplicate add`: no duplicate lookups at all (the baseline);
2. the default `skip`: phone/email lookups plus the name lookup for rows without them;
3. the same file again into database 2 (every row is already present: nothing added);
4. `export --format vcard` of database 2 against `export` (CSV) of it;
5. that vCard file imported into a fresh database, against the CSV import (2).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.importexport import PASSPHRASE, create_db, write_csv


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "custinfo", *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"custinfo {' '.join(args)} failed: {done.stderr[-500:]}")
    return elapsed, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-contacts-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE}
    src = work / "customers.csv"
    write_csv(src, args.n)
    n = args.n

    def fresh(name: str) -> Path:
        path = work / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        create_db(path)
        return path

    def imported(stderr: str) -> str:
        match = re.search(r"read \d+, imported \d+, merged \d+, skipped \d+", stderr)
        return match.group(0) if match else "?"

    base = fresh("add.db")
    t_add, err_add = run(["--db", str(base), "import", str(src), "--on-duplicate", "add",
                          "--rejects", str(work / "r1.csv"), "--force"], env)  # fmt: skip
    skip = fresh("skip.db")
    t_skip, err_skip = run(["--db", str(skip), "import", str(src), "--rejects",
                            str(work / "r2.csv"), "--force"], env)  # fmt: skip
    t_again, err_again = run(["--db", str(skip), "import", str(src), "--rejects",
                              str(work / "r3.csv"), "--force"], env)  # fmt: skip
    vcf, csv_out = work / "all.vcf", work / "all.csv"
    t_csv_out, _ = run(["--db", str(skip), "export", "-o", str(csv_out), "--force"], env)
    t_vcf_out, _ = run(["--db", str(skip), "export", "--format", "vcard", "-o", str(vcf),
                        "--force"], env)  # fmt: skip
    cards = fresh("cards.db")
    t_vcf_in, err_vcf = run(["--db", str(cards), "import", str(vcf), "--rejects",
                             str(work / "r4.csv"), "--force"], env)  # fmt: skip
    print(f"N = {n} rows (seed 4), {work}")
    print(f"1 import --on-duplicate add  {t_add:7.1f} s  {n / t_add:8,.0f} rows/s  "
          f"{imported(err_add)}")  # fmt: skip
    print(f"2 import (skip)              {t_skip:7.1f} s  {n / t_skip:8,.0f} rows/s  "
          f"{imported(err_skip)}  ratio vs 1: {t_add / t_skip:.2f}")  # fmt: skip
    print(f"3 the same file again        {t_again:7.1f} s  {n / t_again:8,.0f} rows/s  "
          f"{imported(err_again)}  ratio vs 1: {t_add / t_again:.2f}")  # fmt: skip
    print(f"4 export vcard {t_vcf_out:6.1f} s vs csv {t_csv_out:6.1f} s  "
          f"ratio {t_csv_out / t_vcf_out:.2f}")  # fmt: skip
    read = int(re.search(r"read (\d+)", err_vcf).group(1))  # type: ignore[union-attr]
    print(f"5 import the vCard file      {t_vcf_in:7.1f} s  {read / t_vcf_in:8,.0f} cards/s "
          f"{imported(err_vcf)}  per-row vs 2: {(read / t_vcf_in) / (n / t_skip):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
