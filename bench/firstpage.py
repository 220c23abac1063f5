"""First page and pipe of find, two code trees on one database in one run:
`python -m bench.firstpage --db DB --before DIR [--runs 5]`.

DB is an existing custinfo database (passphrase in CUSTINFO_PASSPHRASE; e.g. the one
`bench.importexport` imports); DIR is the source tree of the code to compare with (e.g.
`git archive main | tar -x -C DIR`). For each tree, alternating, it measures:

- the query part (database open): ids of the first 50 results plus loading those 50
  customers, wall and CPU time, median of `--runs`, for the queries of issue 19;
- `custinfo find Q | head -1`: seconds from the process start until the first data line
  (after the CSV header) arrives, median of 3;
- `custinfo find Q > file` and `custinfo export Q > file` for the most common word: wall
  seconds, and whether both files are the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = [["上海"], ["北京"], ["王"], ["张"], ["son"], ["--email", "@qq.com"], ["上海", "王"],
           ["丽"]]  # fmt: skip

# Runs inside a child process with the tree under test on sys.path: prints JSON.
PART = r"""
import json, os, statistics, sys, time
from custinfo.search import Query, count, find_ids
from custinfo.store import Store
db, runs, queries = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
from pathlib import Path
store = Store.open(Path(db), os.environ["CUSTINFO_PASSPHRASE"].encode())
out = []
for args in queries:
    email = args[1] if args[0] == "--email" else None
    q = Query(text=None if email else " ".join(args), email=email, limit=50)
    def page():
        return store.get_many(find_ids(store, q, "CN"))
    page()
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        page()
        times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    q.limit = None
    out.append((args, count(store, q, "CN"), statistics.median(times) * 1000,
                statistics.median(cpu) * 1000))
print(json.dumps(out))
"""


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{tree / 'src'}"}


def query_part(tree: Path, db: Path, runs: int) -> list[tuple[list[str], int, float, float]]:
    done = subprocess.run(
        [sys.executable, "-c", PART, str(db), str(runs), json.dumps(QUERIES)],
        env=_env(tree), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def first_line(tree: Path, db: Path, args: list[str]) -> float:
    """Seconds from start until the first data line of `find ARGS` in a pipe."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "custinfo", "--db", str(db), "find", *args],
        env=_env(tree), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()  # the header
    proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    return elapsed


def to_file(tree: Path, db: Path, command: str, args: list[str], out: Path) -> float:
    start = time.perf_counter()
    with out.open("wb") as handle:
        subprocess.run(
            [sys.executable, "-m", "custinfo", "--db", str(db), command, *args],
            env=_env(tree), stdout=handle, check=True,
        )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True, help="the other source tree")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--part-only", action="store_true", help="only the query part")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": Path(__file__).resolve().parent.parent}
    os.umask(0o077)
    parts = {name: query_part(tree, args.db, args.runs) for name, tree in trees.items()}
    print(f"query part: first 50 results incl. loading them, wall / CPU ms (median of {args.runs})")
    print(f"{'query':22} {'matches':>8} {'before':>15} {'after':>15} {'CPU ratio':>9}")
    for (q, n, bw, bc), (_, _, aw, ac) in zip(parts["before"], parts["after"], strict=True):
        print(
            f"{' '.join(q):22} {n:>8} {bw:>7.1f} /{bc:>6.1f} {aw:>7.1f} /{ac:>6.1f} "
            f"{bc / max(ac, 0.01):>8.1f}x"
        )
    if args.part_only:
        return
    print("\n`find Q | head -1`: s from start to the first data line (median of 3)")
    for q in QUERIES:
        row = {name: statistics.median(first_line(t, args.db, q) for _ in range(3))
               for name, t in trees.items()}  # fmt: skip
        print(f"{' '.join(q):22} before {row['before']:6.2f}   after {row['after']:6.2f}")
    scratch = args.db.parent
    word = ["上海"]
    print(f"\n`find {word[0]} > file` vs `export {word[0]} > file` (wall s)")
    for name, tree in trees.items():
        found = to_file(tree, args.db, "find", word, scratch / f".fp-find-{name}.csv")
        exported = to_file(tree, args.db, "export", word, scratch / f".fp-export-{name}.csv")
        same = (scratch / f".fp-find-{name}.csv").read_bytes() == (
            scratch / f".fp-export-{name}.csv"
        ).read_bytes()
        print(f"{name:7} find {found:6.1f}  export {exported:6.1f}  same bytes: {same}")
        for kind in ("find", "export"):
            (scratch / f".fp-{kind}-{name}.csv").unlink()


if __name__ == "__main__":
    main()
