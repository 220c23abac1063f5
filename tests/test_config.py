"""The config file: precedence, never a secret, config list/get/set/unset/path, --in-db."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from custinfo import config
from tests.conftest import PASSPHRASE, CliRunner


@pytest.fixture
def conf(env: Path) -> Path:
    return Path(os.environ["CUSTINFO_CONFIG"])


def test_set_get_unset_path_and_the_file(cli: CliRunner, conf: Path) -> None:
    assert cli.ok("config", "path") == f"{conf}\n"
    assert cli("config", "get", "pager").stdout == "less -FRX\n"  # the default
    assert cli("config", "get", "backup_dir").code == 3
    result = cli("config", "set", "pager", "less -S")
    assert result.code == 0 and str(conf) in result.stderr
    assert cli.ok("config", "get", "pager") == "less -S\n"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    conf.write_text(conf.read_text() + "# my note\n[unrelated]\n")
    with pytest.raises(Exception, match="must be text"):
        config.load(conf)  # a table is not a setting
    conf.write_text(conf.read_text().replace("[unrelated]\n", ""))
    cli.ok("config", "set", "region", "us")
    cli.ok("config", "set", "db", 'dir "with" quotes\\and 上海')
    text = conf.read_text()
    assert 'region = "US"' in text and "# my note" in text  # validated; comments kept
    assert config.load(conf)["db"].endswith('dir "with" quotes\\and 上海')
    cli.ok("config", "unset", "pager")
    assert "pager" not in config.load(conf)


def test_unknown_and_invalid_settings(cli: CliRunner, conf: Path) -> None:
    assert cli("config", "set", "colour", "x").code == 2
    assert "unknown region" in cli("config", "set", "region", "XX").stderr
    assert "unknown currency" in cli("config", "set", "currency", "yen").stderr
    assert cli("config", "set", "language", "klingon").code == 2
    assert not conf.exists()
    conf.write_text('colour = "blue"\n')
    result = cli("config", "path")
    assert result.code == 0 and "unknown setting 'colour'" in result.stderr


@pytest.mark.parametrize(
    "line", ['passphrase = "x"', 'password = "x"', 'db_password = "x"', '[a]\nsecret = "x"',
             'key = "x"', 'PASS = "x"'],
)  # fmt: skip
def test_a_secret_in_the_config_stops_everything(cli: CliRunner, conf: Path, line: str) -> None:
    conf.write_text(line + "\n")
    for args in (["--help"], ["find"], ["config", "path"]):
        result = cli(*args)
        assert result.code == 2 and result.stdout == ""
        assert "holds a secret" in result.stderr and '"x"' not in result.stderr
        assert result.stderr.count("\n") == 1


def test_precedence_option_env_config_default(cli: CliRunner, conf: Path, tmp_path, monkeypatch):
    env_db = Path(os.environ["CUSTINFO_DB"])
    conf_db, opt_db = tmp_path / "conf.db", tmp_path / "opt.db"
    conf.write_text(f'db = "{conf_db}"\nregion = "US"\n')
    rows = {r["key"]: r for r in json.loads(cli.ok("config", "list", "--format", "json"))}
    assert (rows["db"]["value"], rows["db"]["source"]) == (str(env_db), "env")
    monkeypatch.delenv("CUSTINFO_DB")
    assert cli.ok("config", "get", "db") == f"{conf_db}\n"
    cli.ok("init")
    assert conf_db.exists()
    assert "region US" in cli("--db", str(opt_db), "init").stderr  # config region, option db
    assert opt_db.exists()
    monkeypatch.setenv("CUSTINFO_REGION", "DE")
    cli.ok("add", "--name", "Env Region", "--phone", "030 1234567")
    phones = json.loads(cli.ok("show", "1", "--format", "json"))["phones"]
    assert phones == ["+49301234567"]
    phones = cli.ok("add", "--name", "Option", "--phone", "(415) 555-0132", "--region", "US")
    assert json.loads(cli.ok("show", "2", "--format", "json"))["phones"] == ["+14155550132"]
    del phones


def test_in_db_settings_go_through_the_write_gate(cli: CliRunner, db: Path, conf: Path) -> None:
    result = cli("config", "set", "region", "us", "--in-db")
    assert result.code == 0 and "region = US" in result.stderr
    assert cli.ok("config", "get", "region", "--in-db") == "US\n"
    cli.ok("add", "--name", "Bob", "--phone", "(415) 555-0132")
    assert json.loads(cli.ok("show", "1", "--format", "json"))["phones"] == ["+14155550132"]
    cli.ok("config", "set", "currency", "usd", "--in-db")
    assert cli.ok("config", "get", "currency", "--in-db") == "USD\n"
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        commands = [r[0] for r in store.conn.execute("SELECT command FROM audit ORDER BY id")]
    assert commands.count("config") == 2
    assert cli("config", "set", "pager", "more", "--in-db").code == 2
    cli.ok("config", "set", "region", "GB")
    warned = cli("config", "set", "region", "FR", "--in-db")
    assert "still sets region = GB" in warned.stderr


def test_the_config_supplies_the_passphrase_command(
    cli: CliRunner, db: Path, conf, tmp_path, monkeypatch
):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    monkeypatch.delenv("CUSTINFO_PASSPHRASE")
    assert cli("find").code == 12
    conf.write_text(f'passphrase_command = "cat {secret}"\n')
    assert cli("find").code == 0
    conf.write_text(f'passphrase_file = "{secret}"\n')
    assert cli("find").code == 0
    secret.chmod(0o644)
    assert "chmod 600" in cli("find").stderr
