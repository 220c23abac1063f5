"""custinfo demo: the whole tour in plain mode, once; the guided layout on a short tour."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CliRunner


def test_the_whole_tour_in_plain_mode(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import custinfo.cli.main as main

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_run, seen = main.run, []

    def recording(argv: list[str] | None = None) -> int:
        seen.append(list(argv or []))
        if argv and argv[:2] == ["backup", "verify"]:  # the last step: every file is private
            folder = Path.cwd()
            key = Path(os.environ["CUSTINFO_PASSPHRASE_FILE"])
            assert key.parent == folder and key.read_text().strip()
            seen.append(["(passphrase)", key.read_text().strip()])
            for path in folder.rglob("*"):
                mode = stat.S_IMODE(path.stat().st_mode)
                assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        return real_run(argv)

    monkeypatch.setattr(main, "run", recording)
    before = dict(os.environ), os.getcwd()
    result = cli("demo", "--count", "0")  # the planted rows only: no Faker pools to build
    assert result.code == 0, result.stderr
    out = result.stdout
    titles = ("Create the encrypted database", "Import a spreadsheet", "Add a customer",
              "Orders, a logged call", "A follow-up and the daily agenda", "Tag a selection",
              "Find duplicates", "Export",
              "Erase a customer", "A report on the business", "Back up")  # fmt: skip
    for number, title in enumerate(titles, 1):
        assert f"\n# {number}/{len(titles)} {title}" in out
    assert "$ custinfo import '客户.csv' --rejects rejects.csv" in out
    assert "手机: phone '12345'" in out  # the planted bad row, in the rejects file
    assert "$ custinfo find '+86 139-1234-5678'" in out
    assert out.count("+8613912345678") >= 3 and '"name": "王小明"' in out
    assert "$ custinfo find --city '上海' --format ids | custinfo tag add shanghai" in out
    assert "BEGIN:VCARD" in out and "would purge 1 customer" in out
    assert "$ custinfo agenda --days 7" in out and "新品到货回电" in out
    assert ",order,1,order,,,299.00,CNY,西湖龙井 250g,门店," in out  # the timeline
    assert "revenue,CNY,revenue,299.00,CNY" in out  # report overview
    assert "Next, with your own data:" in out and out.rstrip().endswith("removed.")
    assert "\x1b[" not in out  # plain
    for text in ("imported", "merged", "restored", "tagged"):
        assert text in result.stderr
    # the passphrase was never on argv; the folder is gone, the environment is as it was
    secret = next(argv[1] for argv in seen if argv[0] == "(passphrase)")
    assert not any(secret in arg for argv in seen for arg in argv if argv[0] != "(passphrase)")
    commands = [argv for argv in seen[1:] if argv[0] != "(passphrase)"]
    assert not any("passphrase" in arg for argv in commands for arg in argv)
    assert not list(tmp_path.glob("custinfo-demo-*"))
    assert (dict(os.environ), os.getcwd()) == before


def test_a_guided_tour_and_a_new_step(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from custinfo.cli import cmd_demo
    from custinfo.demo import tour

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cmd_demo, "PAUSE", 0)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(tour, "STEPS", [tour.STEPS[0]])

    @tour.step("Say hello", "A step added in a few lines.")
    def hello(t: tour.Tour) -> None:
        t.say("hello")
        t.run("find", "nobody")

    result = cli("demo", "--count", "0", tty=True)
    assert result.code == 0, result.stderr
    assert "\x1b[1;36m[2/2] Say hello\x1b[0m" in result.stdout
    assert "$ custinfo find nobody" in result.stdout and "no customer matched" in result.stderr
    plain = cli("demo", "--fast", "--keep", tty=True)
    assert "# 2/2 Say hello" in plain.stdout and "\x1b[1;36m" not in plain.stdout
    (kept,) = tmp_path.glob("custinfo-demo-*")
    assert str(kept / "passphrase.txt") in plain.stdout
    assert (kept / "demo.db").exists()


def test_a_failing_step_stops_the_tour(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from custinfo.demo import tour

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    broken = tour.Step("Broken", "", lambda t: t.run("show", "99"))
    monkeypatch.setattr(tour, "STEPS", [tour.STEPS[0], broken])
    result = cli("demo")
    assert result.code == 1
    assert "the demo stopped: 'custinfo show 99' failed (exit 3)" in result.stderr
    assert not list(tmp_path.glob("custinfo-demo-*"))
