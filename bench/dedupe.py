"""Labelled dedupe benchmark: synthetic customers with known duplicate clusters.

    python -m bench.dedupe --n 100000
    nice -n 10 python -m bench.dedupe --n 1000000

Loads `synth.generate(n, seed, dup_share=0.15)` into an encrypted database (setup, not
timed), then runs the dedupe end to end in a fresh process (open + key derivation, reading
the encrypted database, blocking, scoring, grouping) and reports time, peak RSS, candidate
pairs, and pairwise / grouped precision, recall and F1 at the default and --auto thresholds,
plus the same on a "sparse" subset (names, addresses, birthdays only; English and Chinese).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

PASSPHRASE = b"bench-dedupe"


def load(path: Path, n: int, seed: int, sparse_only: bool = False) -> dict[int, int]:
    """Create the database; returns {customer id: true cluster}."""
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
    from custinfo.store import Store

    truth: dict[int, int] = {}
    store = Store.create(path, PASSPHRASE, region="CN")
    records = []
    if True:
        sparse = 1.0 if sparse_only else 0.05
        for rec in generate(n, seed=seed, dup_share=0.15, namesake_share=0.02, sparse_share=sparse):
            fields = to_fields(rec)
            if sparse_only:
                fields.update(phones=[], emails=[], company=None)
                if not rec.locale.startswith(("zh", "en")):
                    continue
            try:
                customer = validation.customer_input(region="CN", **fields)
            except ValidationError:
                continue
            records.append((customer, rec.cluster))
    for start in range(0, len(records), 50_000):  # units of 50k: bounded bookkeeping
        with store.write("bench") as w:
            for customer, cluster in records[start : start + 50_000]:
                truth[w.add_customer(customer, source="bench")] = cluster
    store.close()
    return truth


def run_child(path: Path, thresholds: list[float]) -> None:
    """Timed part (separate process for a clean peak RSS)."""
    from custinfo import dedupe
    from custinfo.store import Store

    start = time.perf_counter()
    store = Store.open(path, PASSPHRASE)
    stats = dedupe.Stats()
    low = min(thresholds)
    groups = dedupe.find_groups(store, min_score=low, stats=stats, with_reasons=False)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # FormsWorker
    worker_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = worker_cpu.ru_utime + worker_cpu.ru_stime
    cpu = time.process_time()
    lookup_ms = _lookup_times(store)
    extra = {}
    for th in thresholds:
        if th != low:
            extra[str(th)] = [
                g.ids for g in dedupe.find_groups(store, min_score=th, with_reasons=False)
            ]
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "lookup_ms": lookup_ms,
                "peak_rss_mib": rss,
                "worker_rss_mib": worker_rss,
                "worker_cpu_seconds": worker_cpu,
                "customers": stats.customers,
                "candidate_pairs": stats.candidate_pairs,
                "groups": {str(low): [g.ids for g in groups], **extra},
            }
        )
    )


def _lookup_times(store: object, samples: int = 200) -> dict[str, float]:
    """`likely_duplicates` for new records typed like existing ones (the `add` check)."""
    from custinfo import validation
    from custinfo.dedupe import likely_duplicates
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError

    times = []
    for rec in generate(samples, seed=991, dup_share=0.0):
        try:
            customer = validation.customer_input(region="CN", **to_fields(rec))
        except ValidationError:
            continue
        start = time.perf_counter()
        likely_duplicates(store, customer)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median": times[len(times) // 2], "p95": times[int(len(times) * 0.95)]}


def metrics(groups: list[list[int]], truth: dict[int, int]) -> dict[str, float]:
    clusters: dict[int, list[int]] = defaultdict(list)
    for cid, cl in truth.items():
        clusters[cl].append(cid)
    true_groups = [sorted(m) for m in clusters.values() if len(m) > 1]
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in true_groups)
    pred_pairs = tp = 0
    pure = 0
    for g in groups:
        pred_pairs += len(g) * (len(g) - 1) // 2
        counts = Counter(truth[i] for i in g)
        tp += sum(k * (k - 1) // 2 for k in counts.values())
        pure += len(counts) == 1
    found = {tuple(sorted(g)) for g in groups}
    exact = sum(tuple(m) in found for m in true_groups)
    p = tp / pred_pairs if pred_pairs else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    gp = pure / len(groups) if groups else 1.0
    gr = exact / len(true_groups) if true_groups else 1.0
    return {
        "pair_precision": p,
        "pair_recall": r,
        "pair_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "group_precision": gp,
        "group_recall": gr,
        "group_f1": 2 * gp * gr / (gp + gr) if gp + gr else 0.0,
        "true_clusters": len(true_groups),
        "predicted_groups": len(groups),
    }


def bench(n: int, seed: int, workdir: Path, sparse_only: bool) -> dict:
    from custinfo import dedupe

    path = workdir / f"bench-{n}-{seed}{'-sparse' if sparse_only else ''}.db"
    truth_path = path.with_suffix(".truth.json")
    if not path.exists():
        t0 = time.perf_counter()
        truth = load(path, n, seed, sparse_only)
        truth_path.write_text(json.dumps(truth))
        print(f"loaded {len(truth)} customers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    truth = {int(k): v for k, v in json.loads(truth_path.read_text()).items()}
    thresholds = [dedupe.DEFAULT_MIN_SCORE, dedupe.AUTO_MIN_SCORE]
    child = subprocess.run(
        [sys.executable, "-m", "bench.dedupe", "--child", str(path),
         "--thresholds", ",".join(map(str, thresholds))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = json.loads(child.stdout)
    out["quality"] = {th: metrics(g, truth) for th, g in out.pop("groups").items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases here")
    parser.add_argument("--sparse", action="store_true", help="only the names/addresses subset")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--thresholds", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, [float(x) for x in args.thresholds.split(",")])
        return
    os.umask(0o077)
    with tempfile.TemporaryDirectory(prefix="custinfo-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        runs = [("full", False)] if not args.sparse else []
        runs.append(("sparse (names, addresses, birthdays only)", True))
        for label, sparse in runs:
            n = args.n if not sparse else max(args.n // 5, 1000)
            result = bench(n, args.seed, workdir, sparse)
            print(f"\n== {label}: n={n} seed={args.seed}")
            print(
                f"customers {result['customers']}  candidate pairs {result['candidate_pairs']}  "
                f"time {result['seconds']:.2f} s (CPU {result['cpu_seconds']:.2f} s + worker "
                f"{result['worker_cpu_seconds']:.2f} s)  peak RSS {result['peak_rss_mib']:.0f} MiB "
                f"(+ worker {result['worker_rss_mib']:.0f} MiB)"
            )
            lk = result["lookup_ms"]
            print(f"one-customer check (add): median {lk['median']:.1f} ms, p95 {lk['p95']:.1f} ms")
            for th, q in result["quality"].items():
                print(
                    f"  threshold {th}: pairwise P {q['pair_precision']:.4f} "
                    f"R {q['pair_recall']:.4f} F1 {q['pair_f1']:.4f} | grouped "
                    f"P {q['group_precision']:.4f} R {q['group_recall']:.4f} "
                    f"F1 {q['group_f1']:.4f} | groups {q['predicted_groups']} "
                    f"true {q['true_clusters']}"
                )


if __name__ == "__main__":
    main()
