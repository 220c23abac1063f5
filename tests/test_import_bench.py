"""The import/export benchmark runs end to end (slow: deselected by default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.importexport", "--n", "3000", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "IMPORT RATIO" in done.stdout and "EXPORT RATIO" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        ["bench.validation", "--n", "300", "--repeat", "1"],
        ["bench.fields", "--n", "2000", "--queries", "3"],
    ],
)
def test_other_import_benches_run(tmp_path: Path, argv: list[str]) -> None:
    # Both had stopped running when a helper they call changed shape; nothing noticed.
    extra = ["--workdir", str(tmp_path)] if argv[0] == "bench.fields" else []
    done = subprocess.run(
        [sys.executable, "-m", *argv, *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "µs/row" in done.stdout or "import" in done.stdout


@pytest.mark.slow
def test_import_into_a_large_database_bench_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.importinto", "--n", "3000", "--rounds", "1",
         "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "INTO A LARGE DATABASE" in done.stdout and "x (target <= 1.5)" in done.stdout
