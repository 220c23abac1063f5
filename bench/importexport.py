"""Import/export benchmark: `python -m bench.importexport --n 1000000`.

1. Writes an N-row CSV from `custinfo.demo.synth` (seed 4), as people type it (raw phones, mixed
   case emails, a Chinese/English mix) with the header name,phone,email,company,address,
   city,birthday,tags,notes.
2. IMPORT: `custinfo import FILE` in a subprocess into a fresh database (full validation,
   default duplicate policy `skip`, `--rejects` for the few invalid synthetic phones),
   timed; its peak RSS (largest process) measured.
3. BASELINES: the rows the import stored are read back (untimed), then inserted with raw
   sqlcipher3 `executemany` into a fresh database with the same schema, timed, twice: the
   customers' own tables only, and every stored row (with the search index and dedupe
   keys, which the import maintains but the first baseline does not).
4. EXPORT: `exporter.export` CSV in-process over the imported database vs a bare
   `SELECT` + `csv.writer` loop over the same file (best of `--rounds` interleaved rounds);
   and `custinfo export` in a subprocess for its wall time and peak RSS.
5. SQLITE-UTILS (when installed: `pip install -e '.[bench]'`), whole processes on the same
   files in the same run: `custinfo import` against `sqlite-utils insert --csv` of the same
   CSV into a plaintext file (no validation), and `custinfo export` against
   `sqlite-utils rows --csv` of the same customers (the 19 exported columns, loaded into a
   plaintext table), interleaved, best of `--rounds`.

Ratios compare rows per second measured in this same run (the machine is shared).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "bench-passphrase"
RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(done.returncode, rss, file=sys.stderr)\n"
)


class _Null:
    def write(self, text: str) -> int:
        return len(text)


def write_csv(path: Path, n: int) -> None:
    from custinfo.demo.synth import CSV_HEADER, csv_row, generate

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_row(record) for record in generate(n, seed=4))


def create_db(path: Path) -> None:
    from custinfo.store import Store

    Store.create(path, PASSPHRASE.encode(), region="CN").close()


def run_measured(args: list[str]) -> tuple[float, int, int, int]:
    """(wall seconds, peak RSS in MiB of the largest process, peaks of all its processes
    together sampled from /proc every 0.2 s: resident sizes summed, and proportional set
    sizes summed (a page shared by forked processes counted once)) of
    `python -m custinfo ARGS`."""
    env = {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE}
    start = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", RSS_WRAPPER, sys.executable, "-m", "custinfo", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    together = shared_once = 0
    while wrapper.poll() is None:
        rss, pss = _descendants_memory(wrapper.pid)
        together, shared_once = max(together, rss), max(shared_once, pss)
        time.sleep(0.2)
    wall = time.perf_counter() - start
    stderr = wrapper.stderr.read() if wrapper.stderr else ""
    code, rss = stderr.strip().splitlines()[-1].split()
    if code != "0":
        raise SystemExit(f"custinfo {args[2]} failed: {stderr}")
    return wall, int(rss) // 1024, together, shared_once


def _descendants_memory(root: int) -> tuple[int, int]:
    """(resident MiB summed, proportional MiB summed) of the processes below `root`
    (Linux /proc: statm, and smaps_rollup's Pss where the kernel has it)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    pages, pss_kib, todo = 0, 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as handle:
                resident = int(handle.read().split()[1])
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                pss = next((int(line.split()[1]) for line in handle if line.startswith("Pss:")), 0)
        except (OSError, IndexError, ValueError):
            continue
        pages += resident
        pss_kib += pss
    return pages * os.sysconf("SC_PAGE_SIZE") // 2**20, pss_kib // 1024


CORE = ("customers", "phones", "emails", "tags", "customer_tags", "notes", "tag_cells")
#: Derived data the import also stores: the search index (#3) and dedupe keys (#5).
DERIVED = ("search_docs", "search_fts", "search_phones", "search_emails", "dedupe_keys")


def read_back(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row the import stored, per table: (columns, rows) in the order the import
    wrote them (by id, or by customer). The contentless FTS table cannot be read back: its
    documents are regenerated from `search_docs` with the same token function."""
    from custinfo.search.index import tokens_of
    from custinfo.store import Store

    data = {}
    with Store.open(path, PASSPHRASE.encode()) as store:
        conn = store.conn
        for table in CORE + DERIVED:
            if table == "search_fts":
                continue
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            order = "id" if "id" in columns else "customer_id"
            sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
            data[table] = (columns, conn.execute(sql).fetchall())
    docs = data["search_docs"][1]
    data["search_fts"] = (["rowid", "doc"], [(d[0], tokens_of(*d[1:])) for d in docs])
    return data


def baseline_insert(path: Path, data: dict, tables: tuple[str, ...]) -> float:
    """Seconds to insert `tables` with raw executemany, in one transaction."""
    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:
        conn = store.conn
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            columns, rows = data[table]
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        return time.perf_counter() - start


#: A second baseline: a bare SELECT of every CSV cell as stored (the export cells of v005;
#: the tags cell sits in the narrow `tag_cells` table) + csv.writer, no coalescing.
WIDE = """SELECT id, name, phones_cell, emails_cell, company, address, city, birthday,
 cell, notes_cell, source, created_at, updated_at
 FROM customers LEFT JOIN tag_cells ON tag_cells.customer_id = customers.id"""


def _bare(conn, sql: str) -> tuple[float, int]:
    start = time.perf_counter()
    writer = csv.writer(_Null(), lineterminator="\n")
    rows = 0
    for row in conn.execute(sql):
        writer.writerow(row)
        rows += 1
    return time.perf_counter() - start, rows


def export_ratio(path: Path, rounds: int = 5) -> tuple[float, float, float, int]:
    """(bare SELECT+csv.writer s, bare SELECT of all 13 stored cells s, exporter s, rows)
    over one file; each the best of `rounds` interleaved rounds after one warm-up round."""
    from custinfo.export import export
    from custinfo.store import Store

    narrow = (
        "SELECT id, name, company, address, city, birthday, source, created_at, updated_at "
        "FROM customers"
    )
    times: dict[str, list[float]] = {"bare": [], "wide": [], "ours": []}
    with Store.open(path, PASSPHRASE.encode()) as store:
        store.conn.execute("PRAGMA cache_size = -4096")  # as the exporter does
        for _ in range(rounds + 1):  # round 0 warms the OS cache for all three
            bare, rows = _bare(store.conn, narrow)
            wide, _ = _bare(store.conn, WIDE)
            start = time.perf_counter()
            export(store, _Null(), "csv")  # type: ignore[arg-type]
            ours = time.perf_counter() - start
            for name, value in (("bare", bare), ("wide", wide), ("ours", ours)):
                times[name].append(value)
    return min(times["bare"][1:]), min(times["wide"][1:]), min(times["ours"][1:]), rows


def _process(argv: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one whole process, its output to /dev/null (without this machine's
    PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED, which a user's shell does not set)."""
    unusual = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
    env = {k: v for k, v in (env or os.environ).items() if k not in unusual}
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def sqlite_utils(work: Path, source: Path, imported: Path, rounds: int, ours_s: float) -> None:
    """Step 5: custinfo against sqlite-utils on plaintext, whole processes, same run
    (`ours_s`: the wall time of step 2's import of the same file)."""
    import shutil

    tool = shutil.which("sqlite-utils")
    if tool is None:
        print("sqlite-utils: not installed (pip install -e '.[bench]'), step 5 skipped")
        return
    env = {**os.environ, "CUSTINFO_PASSPHRASE": PASSPHRASE}
    ours = [sys.executable, "-m", "custinfo", "--db", str(imported)]
    plain, exported = work / "plain.db", work / "exported.csv"
    _process([*ours, "export", "--output", str(exported)], env)
    subprocess.run([tool, "insert", str(plain), "customers", str(exported), "--csv"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in ("insert", "export", "rows")}
    for i in range(rounds):
        into = work / f"plain-{i}.db"
        times["insert"].append(_process([tool, "insert", str(into), "t", str(source), "--csv"]))
        into.unlink()
    os.sync()  # (the inserts' pages written back before the reads are timed)
    for _ in range(rounds):
        times["export"].append(_process([*ours, "export"], env))
        times["rows"].append(_process([tool, "rows", str(plain), "customers", "--csv"]))
    best = {k: min(v) for k, v in times.items()}
    print(f"IMPORT vs sqlite-utils insert --csv of the same file (plaintext, no validation; "
          f"best of {rounds}): {ours_s:.2f} s vs {best['insert']:.2f} s, ratio "
          f"{best['insert'] / ours_s:.2f} (target >= 1.0)")  # fmt: skip
    print(f"EXPORT vs sqlite-utils rows --csv of the same customers (plaintext), best of "
          f"{rounds}: {best['export']:.2f} s vs {best['rows']:.2f} s, ratio "
          f"{best['rows'] / best['export']:.2f} (target >= 1.0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5, help="for the export and step 5")
    args = parser.parse_args()
    os.umask(0o077)
    with tempfile.TemporaryDirectory(prefix="bench-ie-", dir=args.workdir) as tmp:
        work = Path(tmp)
        source = work / "customers.csv"
        write_csv(source, args.n)
        size = source.stat().st_size / 2**20
        print(f"input: {args.n} rows, {size:.1f} MiB CSV")

        imported_db = work / "imported.db"
        create_db(imported_db)
        import_wall, import_rss, import_together, import_pss = run_measured(
            ["--db", str(imported_db), "import", str(source), "--rejects", str(work / "rej.csv")]
        )
        import_rate = args.n / import_wall
        print(f"import (CLI, full validation): {import_wall:.1f} s, {import_rate:,.0f} rows/s, "
              f"peak RSS {import_rss} MiB (largest process); all its processes together: "
              f"{import_together} MiB resident summed, {import_pss} MiB proportional (PSS, "
              "shared pages once; target <= 150)")  # fmt: skip

        data = read_back(imported_db)
        stored = len(data["customers"][1])
        create_db(work / "raw.db")
        raw = baseline_insert(work / "raw.db", data, CORE)
        create_db(work / "raw-all.db")
        raw_all = baseline_insert(work / "raw-all.db", data, CORE + DERIVED)
        del data
        raw_rate, raw_all_rate = stored / raw, stored / raw_all
        print(f"baseline raw executemany of the {stored} stored customers' rows: {raw:.1f} s, "
              f"{raw_rate:,.0f} rows/s")  # fmt: skip
        print(f"baseline raw executemany of every row the import stored (with the search "
              f"index and dedupe keys): {raw_all:.1f} s, {raw_all_rate:,.0f} rows/s")  # fmt: skip
        print(f"IMPORT RATIO (input rows/s vs raw rows/s): {import_rate / raw_rate:.2f} vs the "
              f"customers' rows; {import_rate / raw_all_rate:.2f} vs every stored row "
              "(targets >= 0.35 and >= 0.8)")  # fmt: skip

        bare, wide, ours, rows = export_ratio(imported_db, args.rounds)
        print(f"export in-process: bare SELECT (customers table)+csv.writer {rows / bare:,.0f} "
              f"rows/s; bare SELECT of all 13 stored cells+csv.writer {rows / wide:,.0f} "
              f"rows/s; custinfo exporter {rows / ours:,.0f} rows/s")  # fmt: skip
        print(f"EXPORT RATIO vs bare customers SELECT: {bare / ours:.2f} (target >= 0.9); "
              f"vs bare SELECT of all 13 stored cells: {wide / ours:.2f}")  # fmt: skip
        wall, export_rss, *_ = run_measured(["--db", str(imported_db), "export"])
        print(f"export (CLI to /dev/null): {wall:.1f} s, {rows / wall:,.0f} rows/s, "
              f"peak RSS {export_rss} MiB (target <= 50)")  # fmt: skip
        sqlite_utils(work, source, imported_db, args.rounds, import_wall)


if __name__ == "__main__":
    main()
