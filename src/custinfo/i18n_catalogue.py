"""What the gettext catalogue must hold (for tests/test_i18n.py and tools/i18n.py; needs
Babel, a test extra, and is never imported by custinfo itself).

The messages are: every string literal given to `_()` or `N_()` in src/custinfo (Babel's
extractor), both forms of every noun given to `plural()` (its second argument, and the
third or the second + "s"), and every help text: command docstrings, option and argument
help, panels and the comments of the examples (`help_messages`). `everything()` is all of
them: the catalogue must hold exactly these, each translated.
"""

from __future__ import annotations

import ast
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "custinfo.po"


def messages(src: Path) -> list[str]:
    """Every message of the sources under `src` (the folder holding `custinfo/`), sorted."""
    from babel.messages.extract import extract_from_dir

    found: set[str] = set()
    method_map = [("custinfo/**.py", "python")]
    keywords = {"_": None, "N_": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(src), method_map, keywords=keywords
    ):
        if isinstance(message, str) and message:
            found.add(message)
    for path in (src / "custinfo").rglob("*.py"):
        found |= plural_nouns(path.read_text(encoding="utf-8"))
    return sorted(found)


def plural_nouns(source: str) -> set[str]:
    """Both forms of every `plural(n, "noun"[, "nouns"])` call with literal nouns, as the
    messages `plural()` looks up: `{n} noun`, `{n} nouns`."""
    nouns: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != "plural" or len(node.args) < 2:
            continue
        literals = [a.value for a in node.args[1:3] if isinstance(a, ast.Constant)]
        if literals and all(isinstance(v, str) for v in literals):
            nouns.add("{n} " + literals[0])
            nouns.add("{n} " + (literals[1] if len(literals) > 1 else literals[0] + "s"))
    return nouns


def translations(po: Path = PO) -> dict[str, str]:
    """msgid → msgstr of the catalogue (empty msgstr: untranslated)."""
    from babel.messages.pofile import read_po

    with open(po, "rb") as handle:
        catalogue = read_po(handle)
    return {m.id: m.string for m in catalogue if m.id and isinstance(m.id, str)}


def help_messages() -> list[str]:
    """Every paragraph the help screens translate: command docstrings and option/argument
    help, as `cli/help.py` splits them (`tools/i18n.py` adds them to the
    catalogue, for the translation of every help text)."""
    import importlib

    import typer.main

    from custinfo.cli import help as plain_help
    from custinfo.cli.app import COMMANDS, build

    found: set[str] = set()

    def walk(command: object) -> None:
        found.update(plain_help.paragraphs(getattr(command, "help", None)))
        for param in getattr(command, "params", []):
            found.update(plain_help.paragraphs(getattr(param, "help", None)))
            panel = getattr(param, "rich_help_panel", None)
            if panel:
                found.add(panel)
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)

    for param in build().params:
        found.update(plain_help.paragraphs(param.help))
    for module, _summary in COMMANDS.values():
        walk(typer.main.get_command(importlib.import_module(module).app))
    found.update(example_comments())
    return sorted(found)


def example_comments() -> set[str]:
    """The `# comment` of every example line (the help screens translate them)."""
    from custinfo.cli.examples import EXAMPLES

    return {
        line.split("  # ", 1)[1].strip()
        for lines in EXAMPLES.values()
        for line in lines
        if "  # " in line
    }


def everything(src: Path) -> list[str]:
    """The whole catalogue: the messages of the sources and every help text."""
    return sorted(set(messages(src)) | set(help_messages()))
