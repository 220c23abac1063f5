"""Start-up cost: custinfo against minimal Typer baselines measured in the same run.

    python -m bench.startup [--runs 21] [--customers 200]

Five commands run interleaved (in a shuffled order each round, fixed seed), each as a fresh
process with the same interpreter and environment; the figures are medians of wall time and
of CPU time (user + sys of the child):

- `custinfo --help` vs the `--help` of a minimal one-command Typer app (target ratio <= 1.10);
- `custinfo show ID` on a small database vs a minimal Typer command that opens the same
  database with the passphrase (`sqlcipher3.connect` + `set_key` + one lookup by id)
  (target ratio <= 1.15);
- `custinfo agenda` on the same database vs that same baseline (target ratio <= 1.25).

Both sides run from bytecode: the custinfo package is byte-compiled first (as pip does when
it installs a wheel; an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise
compile every custinfo module from source in every run, ~0.1 s, while the baseline's
libraries have their .pyc files from pip).

It also measures custinfo's own start-up CPU in-process (`OWN_PROBE`: the CPU of `run()`
without the time inside SQLite calls and without the imports the baseline shares), which is
far steadier under load than whole-process ratios, and runs `python -X importtime` on
`show`, `agenda` and `--help` to list heavy modules that load (phonenumbers and
email_validator must not; rich is only for terminal tables).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "bench startup passphrase"
TARGET_HELP = 1.10
TARGET_SHOW = 1.15
TARGET_AGENDA = 1.25
HEAVY = ("phonenumbers", "email_validator", "rich", "rapidfuzz", "pypinyin", "faker")

BASELINE_HELP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str = typer.Option("world", help="Who to greet.")) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
'''

BASELINE_SHOW = '''\
import os

import typer

app = typer.Typer()


@app.command()
def show(customer_id: int) -> None:
    """Open the database with the passphrase and look one customer up by id."""
    import sqlcipher3

    conn = sqlcipher3.connect(os.environ["CUSTINFO_DB"])
    conn.set_key(os.environ["CUSTINFO_PASSPHRASE"].encode())
    row = conn.execute(
        "SELECT id, name, city FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    typer.echo(row)


if __name__ == "__main__":
    app()
'''


def custinfo_argv() -> list[str]:
    """The installed console script next to this interpreter, else `python -m custinfo`."""
    script = Path(sys.executable).parent / "custinfo"
    if script.exists():
        return [str(script)]
    found = shutil.which("custinfo")
    return [found] if found else [sys.executable, "-m", "custinfo"]


def make_database(path: Path, customers: int) -> int:
    """A small database with synthetic customers; returns an id to show."""
    from custinfo.demo import load_synthetic
    from custinfo.store import Store

    with Store.create(path, PASSPHRASE.encode(), region="CN") as store:
        load_synthetic(store, customers)
        return store.conn.execute("SELECT max(id) / 2 FROM customers").fetchone()[0] or 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `argv` as a fresh process."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed, _children_cpu() - cpu


def compile_custinfo() -> None:
    """Byte-compile the custinfo package (what installing a wheel does)."""
    import custinfo

    compileall.compile_dir(Path(custinfo.__file__).parent, quiet=1)


#: custinfo's own start-up in one process: the CPU of `run(argv)` minus the CPU spent inside
#: SQLite calls (key derivation, queries), after importing every module the baseline process
#: imports (Typer, the pydantic adapter machinery, sqlcipher3). CPU, not wall: steadier
#: under load. argv[1] is a file listing those modules.
OWN_PROBE = """
import importlib, sys, time
for name in open(sys.argv.pop(1)).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        pass
import sqlcipher3, sqlcipher3.dbapi2 as dbapi2
spent = [0.0]
class Timed(dbapi2.Connection):
    def execute(self, *args):
        start = time.process_time()
        try:
            return super().execute(*args)
        finally:
            spent[0] += time.process_time() - start
connect = dbapi2.connect
sqlcipher3.connect = dbapi2.connect = lambda *a, **k: connect(*a, factory=Timed, **k)
start = time.process_time()
from custinfo.cli.main import run
code = run(sys.argv[1:])
sys.stdout.flush()
print(f"\\n{code} {(time.process_time() - start - spent[0]) * 1000:.2f}", file=sys.stderr)
"""

MODULES_PROBE = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def baseline_modules(argv: list[str], env: dict[str, str], out: Path) -> Path:
    """Write the names of the modules the baseline `argv` (a script + args) imports."""
    probe = [sys.executable, "-c", MODULES_PROBE, *argv]
    done = subprocess.run(probe, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=True)  # fmt: skip
    out.write_text(done.stderr.decode().strip().splitlines()[-1])
    return out


def own_cpu(argv: list[str], env: dict[str, str], modules: Path, runs: int) -> tuple[float, float]:
    """(min, median) ms of custinfo's own start-up CPU for `custinfo ARGV` (OWN_PROBE)."""
    found = []
    for _ in range(runs):
        probe = [sys.executable, "-c", OWN_PROBE, str(modules), *argv]
        done = subprocess.run(probe, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=True)  # fmt: skip
        code, ms = done.stderr.decode().strip().splitlines()[-1].split()
        if code != "0":
            raise SystemExit(f"custinfo {' '.join(argv)} exited {code}")
        found.append(float(ms))
    return min(found), statistics.median(found)


def heavy_imports(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Heavy packages imported by a command, with (largest) cumulative import ms."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.decode().splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        root = name.strip().split(".")[0]
        if root in HEAVY:  # the largest cumulative figure of the package or its submodules
            found[root] = max(found.get(root, 0.0), int(cumulative) / 1000)
    return found


def ratio_line(name: str, med: dict[str, float], base: str, target: float) -> str:
    wall = med[f"{name} wall"] / med[f"{base} wall"]
    cpu = med[f"{name} cpu"] / med[f"{base} cpu"]
    return f"  {name:18} ratio {wall:.3f} wall, {cpu:.3f} CPU  (target <= {target})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per command (>= 9)")
    parser.add_argument("--customers", type=int, default=200, help="customers in the db")
    parser.add_argument("--seed", type=int, default=1, help="seed of the run order")
    parser.add_argument("--compare", type=Path, metavar="SRC",
                        help="also measure the own CPU of the custinfo under SRC (e.g. an "
                        "exported, byte-compiled copy of main's src/)")  # fmt: skip
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="custinfo-bench-"))
    try:
        db = workdir / "bench.db"
        customer_id = make_database(db, args.customers)
        compile_custinfo()
        (workdir / "baseline_help.py").write_text(BASELINE_HELP)
        (workdir / "baseline_show.py").write_text(BASELINE_SHOW)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTINFO_")}
        env |= {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE, "NO_COLOR": "1"}
        cust = custinfo_argv()
        commands = {
            "custinfo --help": [*cust, "--help"],
            "baseline --help": [sys.executable, str(workdir / "baseline_help.py"), "--help"],
            "custinfo show ID": [*cust, "show", str(customer_id)],
            "custinfo agenda": [*cust, "agenda"],
            "baseline show ID": [sys.executable, str(workdir / "baseline_show.py"),
                                 str(customer_id)],
        }  # fmt: skip
        for argv in commands.values():  # warm the page cache
            timed(argv, env)
        times: dict[str, list[float]] = {}
        order = list(commands)
        rng = random.Random(args.seed)
        for _ in range(args.runs):
            rng.shuffle(order)
            for name in order:
                wall, cpu = timed(commands[name], env)
                times.setdefault(f"{name} wall", []).append(wall)
                times.setdefault(f"{name} cpu", []).append(cpu)
        med = {name: statistics.median(values) * 1000 for name, values in times.items()}

        print(f"python {sys.version.split()[0]}, {args.runs} interleaved runs each, medians:")
        for name in commands:
            wall, cpu = med[f"{name} wall"], med[f"{name} cpu"]
            print(f"  {name:18} {wall:7.1f} ms wall {cpu:7.1f} ms CPU")
        help_ratio = med["custinfo --help wall"] / med["baseline --help wall"]
        show_ratio = med["custinfo show ID wall"] / med["baseline show ID wall"]
        agenda_ratio = med["custinfo agenda wall"] / med["baseline show ID wall"]
        print(ratio_line("custinfo --help", med, "baseline --help", TARGET_HELP))
        print(ratio_line("custinfo show ID", med, "baseline show ID", TARGET_SHOW))
        print(ratio_line("custinfo agenda", med, "baseline show ID", TARGET_AGENDA))

        modules = baseline_modules(commands["baseline show ID"][1:], env, workdir / "modules")
        trees = {"this": env}
        if args.compare:
            compileall.compile_dir(args.compare / "custinfo", quiet=1)
            trees[str(args.compare)] = env | {"PYTHONPATH": str(args.compare.resolve())}
        for label, argv in (("show ID", ["show", str(customer_id)]), ("agenda", ["agenda"])):
            for tree, tree_env in trees.items():
                low, middle = own_cpu(argv, tree_env, modules, args.runs)
                print(f"  custinfo's own CPU in '{label}' ({tree}; in-process, without "
                      f"SQLite calls): min {low:.1f} ms, median {middle:.1f} ms")  # fmt: skip
        script = ["-m", "custinfo"]
        for label, argv in (("show", ["show", str(customer_id)]), ("agenda", ["agenda"]),
                            ("--help", ["--help"])):  # fmt: skip
            heavy = heavy_imports([*script, *argv], env)
            listed = ", ".join(f"{k} {v:.1f} ms" for k, v in heavy.items()) or "none"
            print(f"  heavy imports in '{label}' (-X importtime): {listed}")
        ok = (help_ratio <= TARGET_HELP and show_ratio <= TARGET_SHOW
              and agenda_ratio <= TARGET_AGENDA)  # fmt: skip
        print("  result (wall): " + ("all targets met" if ok else "TARGET MISSED"))
        cpu = [med[f"{a} cpu"] / med[f"{b} cpu"] for a, b in (
            ("custinfo --help", "baseline --help"), ("custinfo show ID", "baseline show ID"),
            ("custinfo agenda", "baseline show ID"))]  # fmt: skip
        targets = (TARGET_HELP, TARGET_SHOW, TARGET_AGENDA)
        ok = all(r <= t for r, t in zip(cpu, targets, strict=True))
        print("  result (CPU): " + ("all targets met" if ok else "TARGET MISSED"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
