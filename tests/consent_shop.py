"""A small shop with purposes and consents, built once per test module and copied per test
(each CLI run derives the key: ~0.1 s). Import the fixtures `shop_fixture` and
`shop_template_fixture` into a test module to use `shop`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE


def _add(cli, name: str, *extra: str) -> int:
    return int(cli.ok("add", "--name", name, *extra).strip())


def _sql(db: Path, sql: str, params=()) -> list[tuple]:
    from custinfo.store import Store

    with Store.open(db, PASSPHRASE.encode()) as store:
        return list(store.conn.execute(sql, params))


_SHOP_IDS: dict[str, int] = {}
_BUILT: list[Path] = []  # the template, built once per test process (both modules share it)


@pytest.fixture(scope="module", name="shop_template")
def shop_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per process: purposes sms-marketing (consent, 2y from withdrawal) and orders
    (contract), four customers: wang gave (any channel), li gave for sms, zhao gave and
    withdrew, none never did."""
    from tests.conftest import ENV_NAMES, CliRunner

    if _BUILT:
        return _BUILT[0]
    path = tmp_path_factory.mktemp("shop") / "shop.db"
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV_NAMES:
            mp.delenv(name, raising=False)
        mp.setenv("CUSTINFO_DB", str(path))
        mp.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
        cli = CliRunner(path)
        cli.ok("init", "--region", "CN")
        cli.ok("purpose", "add", "sms-marketing", "--label", "短信营销", "--basis", "consent",
               "--retention", "2y", "--from", "withdrawal")  # fmt: skip
        cli.ok("purpose", "add", "orders", "--label", "订单", "--basis", "contract")
        _SHOP_IDS.update(
            wang=_add(cli, "王芳", "--phone", "13800138000", "--city", "上海"),
            li=_add(cli, "Li Lei", "--phone", "13800138001", "--email", "li@example.com"),
            zhao=_add(cli, "赵敏", "--phone", "13800138002", "--city", "上海"),
            none=_add(cli, "No Consent", "--phone", "13800138003"),
        )
        cli.ok("consent", "give", str(_SHOP_IDS["wang"]), "sms-marketing", "--method",
               "门店纸质表 #0457")  # fmt: skip
        cli.ok("consent", "give", str(_SHOP_IDS["li"]), "sms-marketing", "--channel", "sms")
        cli.ok("consent", "give", str(_SHOP_IDS["zhao"]), "sms-marketing")
        cli.ok("consent", "withdraw", str(_SHOP_IDS["zhao"]), "sms-marketing")
    from custinfo.store import Store

    with Store.open(path, PASSPHRASE.encode()) as store:  # one self-contained file to copy
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        store.conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    _BUILT.append(path)
    return path


@pytest.fixture(name="shop")
def shop_fixture(cli, shop_template: Path) -> dict[str, int]:
    """A fresh copy of the template at the `cli` fixture's database path."""
    import shutil

    shutil.copyfile(shop_template, cli.db)
    return dict(_SHOP_IDS)
