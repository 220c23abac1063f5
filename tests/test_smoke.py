"""End-to-end smoke: the quick-start path works in a real process (the tour: test_demo.py)."""

from __future__ import annotations

from tests.conftest import run_process


def test_help_lists_commands() -> None:
    done = run_process("--help")
    assert done.returncode == 0
    for name in ("init", "add", "show", "edit", "note", "demo"):
        assert name in done.stdout.decode()
