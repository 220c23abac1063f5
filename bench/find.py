"""Benchmark find and tag at scale: `python -m bench.find [--n 1000000]`.

Builds (once, cached under bench/out/) an encrypted database of N synthetic customers
(custinfo.demo.synth, fixed seed) with the search index, tags every 10th customer "bench10pct",
then measures in one run:

- the query part of find (database already open): ids of the first 50 matches plus
  loading those 50 customers, for a full phone, an email, 2-character Chinese name
  fragments, 3+ character Latin fragments and a tag filter (median of several runs);
- the whole `custinfo find` process against a minimal Typer command that opens the same
  database with the passphrase (set_key) and runs one indexed lookup (interleaved runs);
- `custinfo tag add` / `tag remove` of N/10 ids read from stdin;
- the database size with and without the search index.
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

OUT = Path(__file__).resolve().parent / "out"
PASSPHRASE = "bench passphrase 基准"
SEED = 20240601
TAG = "bench10pct"

MINIMAL = """
import os, sys
import typer

app = typer.Typer()

@app.command()
def main(db: str, e164: str) -> None:
    import sqlcipher3
    conn = sqlcipher3.connect(db, isolation_level=None)
    conn.set_key(os.environ["CUSTINFO_PASSPHRASE"].encode())
    rows = conn.execute("SELECT customer_id FROM phones WHERE e164 = ?", (e164,)).fetchall()
    print(rows)

app()
"""


def _size(path: Path) -> int:
    return sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def _index_bytes(conn) -> int:  # type: ignore[no-untyped-def]
    """Bytes the search index takes: pages it frees, measured in a rolled-back delete."""
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])  # SQLCipher answers a string
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
        for table in ("search_docs", "search_phones", "search_emails"):
            conn.execute(f"DELETE FROM {table}")
        freed = conn.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        conn.execute("ROLLBACK")
    return freed * page


def build(path: Path, n: int) -> dict[str, int]:
    """Create the database; returns sizes (bytes) without and with the search index."""
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
    from custinfo.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    conn = store.conn
    t0 = time.perf_counter()
    ids: list[int] = []
    customers = []
    for record in generate(n, seed=SEED):
        try:
            customers.append(validation.customer_input(region="CN", **to_fields(record)))
        except ValidationError:
            continue
    for start in range(0, len(customers), 50_000):  # units of 50k: bounded bookkeeping
        with store.write("bench") as w:
            ids += [w.add_customer(c, source="bench") for c in customers[start : start + 50_000]]
    with store.write("bench") as w:
        for start in range(0, len(ids), 100_000):
            w.tag(TAG, ids[start : start + 100_000 : 10])
    t1 = t2 = time.perf_counter()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with_index = _size(path)
    without = with_index - _index_bytes(conn)
    store.close()
    sizes = {
        "customers": len(ids),
        "bytes_without_index": without,
        "bytes_with_index": with_index,
        "load_s": round(t1 - t0, 1),
        "index_s": round(t2 - t1, 1),
    }
    (OUT / f"find-{n}.json").write_text(json.dumps(sizes))
    return sizes


def _median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def query_part(path: Path, runs: int) -> list[tuple[str, str, int, float]]:
    """(label, query, total matches, median ms for the first 50 results)."""
    from custinfo.search import Query, count, find_ids
    from custinfo.store import Store

    store = Store.open(path, PASSPHRASE.encode())
    conn = store.conn
    maxid = conn.execute("SELECT max(id) FROM customers").fetchone()[0]
    probe = maxid // 2

    def pick(sql: str) -> str:
        return conn.execute(sql, (probe,)).fetchone()[0]

    e164 = pick(
        "SELECT e164 FROM phones WHERE customer_id >= ? AND e164 LIKE '+861%' "
        "AND length(e164) = 14 ORDER BY customer_id LIMIT 1"
    )
    national = f"{e164[3:6]} {e164[6:10]} {e164[10:]}" if e164.startswith("+86") else e164
    email = pick("SELECT address FROM emails WHERE customer_id >= ? ORDER BY customer_id LIMIT 1")
    zh = pick(
        "SELECT name FROM customers WHERE id >= ? AND length(name) = 3 "
        "AND unicode(name) BETWEEN 19968 AND 40959 ORDER BY id LIMIT 1"
    )
    latin = pick(
        "SELECT name FROM customers WHERE id >= ? AND name GLOB '[A-Z][a-z]* [A-Z][a-z][a-z][a-z]*'"
        " ORDER BY id LIMIT 1"
    )
    surname = latin.split()[-1].lower()
    cases = [
        ("full phone (typed nationally)", Query(text=national)),
        ("phone suffix, 4 digits", Query(phone=e164[-4:])),
        ("email", Query(text=email.upper())),
        ("email domain", Query(email="@" + email.split("@")[1])),
        ("2-char Chinese name fragment", Query(text=zh[1:])),
        ("2-char Chinese name fragment (common)", Query(text="张伟")),
        ("2-char Chinese city", Query(text="上海")),
        ("3+ char Latin fragment", Query(text=surname[1:5])),
        ("3+ char Latin fragment (common)", Query(text="son")),
        ("tag filter (100k tagged)", Query(tags_all=[TAG])),
        ("1-char word", Query(text=zh[-1])),
    ]
    results = []
    for label, q in cases:
        q.limit = 50

        def run(q: Query = q) -> None:
            store.get_many(find_ids(store, q, "CN"))

        run()  # warm
        ms = _median_ms(run, runs)
        q.limit = None
        results.append(
            (label, q.text or q.phone or q.email or f"--tag {TAG}", count(store, q, "CN"), ms)
        )
    store.close()
    return results


def processes(path: Path, runs: int) -> dict[str, float]:
    """Median wall and CPU ms of `custinfo find PHONE` and of the minimal Typer command."""
    import resource

    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:
        e164 = store.conn.execute(
            "SELECT e164 FROM phones WHERE e164 LIKE '+861%' AND length(e164) = 14 LIMIT 1"
        ).fetchone()[0]
    typed = f"{e164[3:6]} {e164[6:10]} {e164[10:]}"  # as a person types it: normalised first
    minimal = OUT / "minimal_typer.py"
    minimal.write_text(MINIMAL)
    env = {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE, "CUSTINFO_DB": str(path)}
    find_cmd = [sys.executable, "-m", "custinfo", "find", typed, "--format", "csv"]
    base_cmd = [sys.executable, str(minimal), str(path), e164]
    samples: dict[str, list[float]] = {"find": [], "base": [], "find_cpu": [], "base_cpu": []}
    for i in range(runs + 1):
        for name, cmd in (("find", find_cmd), ("base", base_cmd)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
            elapsed = (time.perf_counter() - t) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != 0 or (name == "find" and e164 not in proc.stdout.decode()):
                raise SystemExit(f"{cmd[2:4]} failed: {proc.stderr.decode()[:200]}")
            if i:  # the first round warms the OS page cache
                samples[name].append(elapsed)
                cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
                samples[name + "_cpu"].append(cpu)
    return {k: statistics.median(v) for k, v in samples.items()} | {"typed": typed}  # type: ignore[dict-item]


def tagging(path: Path, n_ids: int) -> list[tuple[float, float]]:
    """(wall s, CPU s) for `tag add` and `tag remove` of n_ids ids piped on stdin."""
    import resource

    env = {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE, "CUSTINFO_DB": str(path)}
    ids = "".join(f"{i}\n" for i in range(3, 3 + 2 * n_ids, 2)).encode()
    times = []
    for verb in ("add", "remove"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "custinfo", "tag", verb, "bench-stdin"],
            env=env, input=ids, capture_output=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        times.append((wall, cpu))
        if proc.returncode != 0:
            raise SystemExit(f"tag {verb} failed: {proc.stderr.decode()[:200]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--runs", type=int, default=9, help="repetitions for medians")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    os.umask(0o077)
    path = OUT / f"find-{args.n}.db"
    meta = OUT / f"find-{args.n}.json"
    if args.rebuild or not path.exists() or not meta.exists():
        print(f"building {path} ({args.n} customers)…", flush=True)
        sizes = build(path, args.n)
    else:
        sizes = json.loads(meta.read_text())
    print(
        f"\ncustomers: {sizes['customers']}  (load {sizes['load_s']} s, index {sizes['index_s']} s)"
    )
    mib = 1024 * 1024
    w, wo = sizes["bytes_with_index"], sizes["bytes_without_index"]
    print(
        f"database size: {wo / mib:.0f} MiB without the search index, {w / mib:.0f} MiB with "
        f"(index {(w - wo) / mib:.0f} MiB, ×{w / wo:.2f})"
    )

    print(f"\nquery part (db open; first 50 results incl. loading them; median of {args.runs})")
    print(f"{'query':42} {'matches':>8} {'ms':>8} {'/ 50 ms':>8}")
    for label, text, total, ms in query_part(path, args.runs):
        print(f"{label + ' ' + repr(text):42.42} {total:>8} {ms:>8.1f} {ms / 50:>8.2f}")

    runs = max(7, args.runs)
    p = processes(path, runs)
    print(f"\nwhole process, median of {runs} interleaved runs (wall ms / CPU ms)")
    print(f"  custinfo find '{p['typed']}' --format csv  {p['find']:6.0f} / {p['find_cpu']:4.0f}")
    print(f"  minimal Typer + set_key + lookup     {p['base']:6.0f} / {p['base_cpu']:4.0f}")
    print(
        f"  ratio                                {p['find'] / p['base']:6.2f} / "
        f"{p['find_cpu'] / p['base_cpu']:4.2f}  (limit 1.25)"
    )

    n_ids = sizes["customers"] // 10
    (add_s, add_cpu), (remove_s, remove_cpu) = tagging(path, n_ids)
    print(f"\ntag add of {n_ids} ids from stdin: {add_s:.2f} s (CPU {add_cpu:.2f} s; limit 5 s)")
    print(f"tag remove of {n_ids} ids from stdin: {remove_s:.2f} s (CPU {remove_cpu:.2f} s)")


if __name__ == "__main__":
    main()
