"""Ctrl-C during a parallel import (issue 10, bug 4), the way a terminal sends it: SIGINT to
the whole foreground process group, the validating workers included.

It must end within 2 s, with exit 130 and one line on stderr, no worker traceback, no
worker left running, and nothing half-saved.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ENV_NAMES, PASSPHRASE
from tests.fuzzkit import RAW_KEY

ONE_LINE = "custinfo: error: interrupted; nothing half-saved\n"


def write_csv(path: Path, rows: int, synthetic: bool = False) -> None:
    """`rows` customers: realistic synthetic ones (slow to make), or simple ones."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if synthetic:
            from custinfo.demo.synth import CSV_HEADER, csv_row, generate

            writer.writerow(CSV_HEADER)
            writer.writerows(csv_row(record) for record in generate(rows, seed=5))
            return
        writer.writerow(["name", "phone", "email", "city", "notes"])
        writer.writerows(
            [f"客户{i} Test", f"+86 139{i:08d}", f"user{i}@example.com", "上海", f"note {i}"]
            for i in range(rows)
        )


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def start_import(db: Path, csv_path: Path, key: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(CUSTINFO_DB=str(db), CUSTINFO_PASSPHRASE=key)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent / "src")
    return subprocess.Popen(
        [sys.executable, "-m", "custinfo", "import", str(csv_path)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )  # fmt: skip


def interrupt(db: Path, csv_path: Path, key: str, after_workers: float) -> None:
    """Start an import, wait until its workers run (plus `after_workers` s), Ctrl-C it."""
    process = start_import(db, csv_path, key)
    try:
        deadline = time.monotonic() + 60
        while len(workers := children(process.pid)) < 1:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.02)
        time.sleep(after_workers)
        workers = children(process.pid)
        assert process.poll() is None, "finished before the Ctrl-C: use a bigger input"
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert stderr.decode() == ONE_LINE and stdout == b""
    assert process.returncode == 130
    assert took < 2, f"Ctrl-C took {took:.2f} s"
    assert workers and not any(alive(pid) for pid in workers)


def count_customers(db: Path, key: str) -> int:
    from custinfo.store import Store

    with Store.open(db, key.encode()) as store:
        return store.conn.execute("SELECT count(*) FROM customers").fetchone()[0]


@pytest.fixture
def raw_db(tmp_path: Path) -> Path:
    from custinfo.store import Store

    db = tmp_path / "c.db"
    Store.create(db, RAW_KEY.encode(), region="CN").close()
    return db


def test_ctrl_c_during_a_parallel_import(raw_db: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    write_csv(big, 20_000)  # seconds of work: the Ctrl-C comes well before the end
    interrupt(raw_db, big, RAW_KEY, after_workers=0.2)
    assert count_customers(raw_db, RAW_KEY) == 0  # nothing half-saved


@pytest.mark.slow
def test_ctrl_c_soak_100k_rows(tmp_path: Path) -> None:
    """The issue's case: 100k rows, a real passphrase, Ctrl-C at random points (5 tries)."""
    from custinfo.store import Store

    db = tmp_path / "c.db"
    Store.create(db, PASSPHRASE.encode(), region="CN").close()
    big = tmp_path / "big.csv"
    write_csv(big, 100_000, synthetic=True)
    rng = random.Random(11)
    for _ in range(5):
        interrupt(db, big, PASSPHRASE, after_workers=rng.uniform(0.1, 20))
        assert count_customers(db, PASSPHRASE) == 0
