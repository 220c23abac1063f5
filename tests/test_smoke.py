"""End-to-end smoke: the quick-start path works in a real process."""

from __future__ import annotations

from tests.conftest import run_process


def test_help_lists_commands() -> None:
    done = run_process("--help")
    assert done.returncode == 0
    for name in ("init", "add", "show", "edit", "note", "demo"):
        assert name in done.stdout.decode()


def test_demo_runs_and_cleans_up() -> None:
    done = run_process("demo", "--count", "40")
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "+8613912345678" in out  # the typed phone came back normalised
    assert '"name": "王小明"' in out
    assert "removed" in out
