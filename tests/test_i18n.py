"""The Chinese interface: a complete catalogue, in sync with the sources, chosen by language."""

from __future__ import annotations

import ast
import functools
import gettext
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from custinfo import i18n
from custinfo.i18n_catalogue import (
    LOCALE,
    PO,
    everything,
    messages,
    plural_nouns,
    translations,
)
from tests.conftest import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIELD = re.compile(r"\{[^{}]*\}")


def test_every_message_and_help_text_is_in_the_catalogue_and_translated() -> None:
    catalogue = translations(PO)
    wanted = set(everything(ROOT / "src"))
    missing = sorted(wanted - set(catalogue))
    assert not missing, f"not in the catalogue (run python tools/i18n.py): {missing}"
    untranslated = sorted(m for m, t in catalogue.items() if not t)
    assert not untranslated, f"untranslated in {PO.name}: {untranslated}"
    stale = sorted(set(catalogue) - wanted)
    assert not stale, f"no longer in the sources (run python tools/i18n.py): {stale}"


def test_translations_keep_placeholders_and_one_line() -> None:
    code = set(messages(ROOT / "src"))  # help texts may quote Chinese examples (上海)
    for message, translated in translations(PO).items():
        assert sorted(FIELD.findall(message)) == sorted(FIELD.findall(translated)), message
        assert translated.count("\n") == message.count("\n"), message
        assert message not in code or not re.search(r"[\u4e00-\u9fff]", message), message


def test_the_compiled_catalogue_matches_the_po() -> None:
    with open(PO.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message, translated in translations(PO).items():
        assert compiled.gettext(message) == translated, f"custinfo.mo is stale: {message!r}"


@functools.cache
def _source_trees() -> list[tuple[Path, ast.Module]]:
    """Every source module, parsed once for the tests below."""
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted((ROOT / "src" / "custinfo").rglob("*.py"))
    ]


def test_every_plural_call_names_its_nouns_literally() -> None:
    for path, tree in _source_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "plural":
                nouns = node.args[1:3]
                assert nouns and all(isinstance(a, ast.Constant) for a in nouns), (
                    f"{path.name}:{node.lineno}: plural() needs literal nouns (the catalogue "
                    "reads them)"
                )


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: Nodes with a scope of their own: a `_` bound or called inside them is not the function's.
_SCOPES = (ast.comprehension, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.Lambda, ast.ClassDef, *_FUNCTIONS)  # fmt: skip


def _hiding_functions(tree: ast.Module) -> list[str]:
    """Functions that bind `_` in their own scope and also call `_()` there (one pass: each
    node is credited to the function whose own scope holds it)."""
    binds: set[ast.AST | None] = set()
    calls: set[ast.AST | None] = set()
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            binds.add(owner)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
            calls.add(owner)
        inner = node if isinstance(node, _SCOPES) else owner
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return sorted(f.name for f in binds & calls if isinstance(f, _FUNCTIONS))


def test_no_function_hides_the_translator_behind_a_local_underscore() -> None:
    """`line, _, rest = ...` in a function that also calls `_()` breaks the call."""
    for path, tree in _source_trees():
        assert _hiding_functions(tree) == [], f"{path.name} binds _ and calls _()"


def test_a_hidden_translator_is_found() -> None:
    source = (
        "def bad():\n    a, _, b = x\n    return _('m')\n"
        "def fine():\n    [1 for _ in y]\n    return _('m')\n"
        "def outer():\n    def inner():\n        _ = 1\n    return _('m')\n"
    )
    assert _hiding_functions(ast.parse(source)) == ["bad"]


def test_plural_nouns_are_found() -> None:
    source = 'plural(n, "customer")\nx.plural(3, "entry", "entries")\nplural(n, word)\n'
    assert plural_nouns(source) == {"{n} customer", "{n} customers", "{n} entry", "{n} entries"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "zh_CN.UTF-8", "CUSTINFO_LANG": "en"}, "en"),
        ({"LANG": "C.UTF-8", "CUSTINFO_LANG": "zh-CN"}, "zh_CN"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_the_language_is_chosen_in_order(env, expected, monkeypatch) -> None:
    for name in ("CUSTINFO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    i18n.configure(None)
    try:
        assert i18n.language() == expected
        i18n.configure("zh_CN")  # the config file comes after CUSTINFO_LANG only
        assert i18n.language() == ("en" if env.get("CUSTINFO_LANG") == "en" else "zh_CN")
    finally:
        i18n.configure(None)


def test_a_chinese_session(cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CUSTINFO_LANG", "zh_CN")
    out = cli.ok("--help")
    assert "用法" in out and "创建新的加密客户数据库。" in out and "退出码" in out
    result = cli("show", "1")
    assert result.code == 2
    assert result.stderr.startswith("custinfo：错误：") and "custinfo init" in result.stderr
    assert result.stderr.count("\n") == 1
    typo = cli("fnd")
    assert "没有命令 'fnd'。您是想输入 find 吗？" in typo.stderr
    assert "没有选项：--nope" in cli("find", "--nope").stderr  # click's own messages too
    missing = cli("add")
    assert missing.code == 2 and "缺少选项 '--name'" in missing.stderr
    assert missing.stderr.count("\n") == 1
    monkeypatch.setenv("CUSTINFO_LANG", "en")
    (tmp_path / "config.toml").write_text('language = "zh_CN"\n')
    assert "没有命令" not in cli("fnd").stderr  # CUSTINFO_LANG wins over the config
    monkeypatch.delenv("CUSTINFO_LANG")
    assert "没有命令" in cli("fnd").stderr


def test_english_runs_do_not_load_the_catalogue(cli: CliRunner) -> None:
    i18n.configure(None)
    cli.ok("--help")
    assert i18n._state["catalogue"] is None


@pytest.mark.slow
def test_the_wheel_ships_the_catalogue(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True)  # fmt: skip
    wheel = next(tmp_path.glob("custinfo-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "custinfo/locale/zh_CN/LC_MESSAGES/custinfo.mo" in names
    assert LOCALE.name == "locale"


def test_the_column_names_of_every_record_list_are_translated_on_screen() -> None:
    """Each column a command shows in a terminal table is one of `tables.LABELS` (so it is
    in the catalogue and reads in Chinese under a Chinese interface)."""
    from custinfo.activity import orders, timeline
    from custinfo.cli import cmd_agenda, cmd_followup, cmd_order, cmd_timeline, tables
    from custinfo.followups import agenda, core

    shown = {*orders.COLUMNS, *timeline.COLUMNS, *agenda.COLUMNS, *core.COLUMNS}
    shown |= {*cmd_agenda.TABLE, *cmd_followup.TABLE, *cmd_order.TABLE, *cmd_timeline.TABLE}
    assert shown - tables.LABELS == set()


def test_a_chinese_order_list_and_report_read_in_chinese(
    cli: CliRunner, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.ok("add", "--name", "王芳", "--phone", "13800138000")
    cli.ok("order", "add", "1", "--amount", "88.00", "--channel", "门店")
    monkeypatch.setenv("CUSTINFO_LANG", "zh_CN")
    listed = cli.ok("order", "list", tty=True)
    assert "客户编号" in listed and "金额" in listed and "¥88.00" in listed
    report = cli.ok("report", tty=True)
    assert "币种" in report and "收入" in report and "currency" not in report
    cli.ok("followup", "add", "1", "回访", "--due", "tomorrow", "--kind", "call")
    followups = cli.ok("followup", "list", tty=True)  # the words of custinfo's own too
    assert "未完成" in followups and "电话" in followups and "open" not in followups
