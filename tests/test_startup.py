"""Start-up stays cheap: what `show` loads, and what the command table builds.

The figures are in docs/benchmarks.md (`python -m bench.startup`); these tests guard the
causes: one command module per run, no migration module when the schema is current, no
write gate, custom-field or scheduling modules for a read that needs none, no platformdirs
on Linux, no catalogue in English, and no pydantic adapter for an option not given.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, CliRunner

#: Modules `show` must not load (a read in English on Linux, in a pipe, no custom fields).
NOT_FOR_SHOW = (
    "platformdirs",  # the XDG rule is applied by custinfo.paths
    "custinfo.store.gate",  # the write gate: writes only
    "custinfo.store.records",
    "custinfo.store.audit",
    "custinfo.store.fields",  # custom fields: only when the customer has values
    "custinfo.fields",
    "custinfo.followups.core",  # no open follow-up: one indexed lookup decides
    "custinfo.followups.schedule",
    "custinfo.validation",
    "tomllib",  # no config file
)

PROBE = """
import json, sys
from custinfo.cli.main import run
from custinfo import i18n
assert run(sys.argv[1:]) == 0
sys.stdout.flush()
print()
print(json.dumps({
    "modules": sorted(sys.modules),
    "catalogue": i18n._state["catalogue"] is not None,
}))
"""


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """`custinfo show ID` in a fresh process: the modules it loaded."""
    from custinfo.models import CustomerInput
    from custinfo.store import Store

    home = tmp_path_factory.mktemp("home")
    db = home / "customers.db"
    with Store.create(db, PASSPHRASE.encode(), region="CN") as store:
        customer = str(store.add(CustomerInput(name="张伟")))
    env = {"CUSTINFO_DB": str(db), "CUSTINFO_PASSPHRASE": PASSPHRASE, "HOME": str(home),
           "CUSTINFO_LANG": "en", "XDG_CONFIG_HOME": "", "LANG": "C.UTF-8"}  # fmt: skip
    full = {k: v for k, v in run_env().items() if k != "CUSTINFO_CONFIG"} | env
    done = subprocess.run([sys.executable, "-c", PROBE, "show", customer], env=full,
                          capture_output=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "张伟" in done.stdout.decode()
    return json.loads(done.stdout.decode().splitlines()[-1])


def run_env() -> dict[str, str]:
    import os

    src = str(Path(__file__).resolve().parent.parent / "src")
    return os.environ | {"PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_show_loads_one_command_module_and_no_write_path(shown: dict[str, object]) -> None:
    modules = set(shown["modules"])  # type: ignore[arg-type]
    commands = sorted(m for m in modules if m.startswith("custinfo.cli.cmd_"))
    assert commands == ["custinfo.cli.cmd_show"]
    migrations = [m for m in modules if m.startswith("custinfo.store.migrations.v")]
    assert migrations == []  # the schema is current: no migration module is imported
    assert [m for m in NOT_FOR_SHOW if m in modules] == []
    assert shown["catalogue"] is False  # English: no .mo file read


def test_user_dirs_follow_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from custinfo.paths import user_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    for value in (None, "", "relative/dir", str(tmp_path / "xdg")):
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        assert user_dir("config") == platformdirs.user_config_path("custinfo", appauthor=False)
        assert user_dir("data") == platformdirs.user_data_path("custinfo", appauthor=False)


def test_options_not_given_build_no_adapter(
    cli: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typer builds a pydantic adapter per parameter; custinfo only for a given value."""
    import typer._coercion

    built: list[object] = []
    real = typer._coercion.build_runtime_param

    def counting(descriptor: object) -> object:
        built.append(descriptor)
        return real(descriptor)  # type: ignore[arg-type]

    monkeypatch.setattr(typer._coercion, "build_runtime_param", counting)
    monkeypatch.setattr("typer.core.build_runtime_param", counting)
    assert cli.ok("agenda", "--days", "3") == "due,customer_id,name,reason,kind,text,followup_id\n"
    assert len(built) <= 3  # --days, its int default neighbours; not the other ~28 options
    result = cli("find", "--limit", "0")
    assert result.code == 2 and "--limit" in result.stderr  # a given value is still checked
    assert cli("find", "--tag").code == 2
