"""Help that reads like gh's, applied centrally to every command Typer builds.

`prepare(command, path)` runs on each command when `LazyGroup.get_command` builds it:
- plain metavars: `--limit N`, `--tag TAG`, `--db FILE`, choices as `table|csv|json`;
  flags without one; repeatable options marked "(repeatable)";
- no `--no-x` twin for a flag that is off by default (it could only repeat the default);
  a flag that is on by default keeps `--no-x`, its only useful spelling;
- value completion for known parameters (`cli/complete.py`);
- a plain, width-aware help screen (no boxes; readable at 80 columns; wide CJK characters
  counted as two columns) with USAGE, the options by panel, EXAMPLES (`cli/examples.py`)
  and LEARN MORE. Every text goes through `_()`, so a translated catalogue translates it.

No Rich here: the help of every command renders without importing it.
"""

from __future__ import annotations

import inspect
import re
import sys
import unicodedata
from typing import Any

from typer.core import TyperCommand, TyperGroup

from custinfo.cli._click import click
from custinfo.i18n import N_, _, gap

MAX_WIDTH = 100
LEFT_MAX = 30  # widest option column before its help moves to the next line

#: The last word of a parameter's name → its metavar, where the upper-cased word is wrong.
WORDS = {"birthday": "DATE", "note": "TEXT", "text": "TEXT", "region": "CC",
         "encoding": "ENC", "reason": "TEXT", "to": "DIR", "map": "COLUMN=FIELD",
         "id": "ID"}  # fmt: skip
COMMON = ("db", "passphrase_file", "help")  # shown last, under "Common options"


# -- preparing the parameters ---------------------------------------------------------------
def prepare(command: click.Command, path: str) -> click.Command:
    """Plain metavars, no needless `--no-x`, completion and the plain help, recursively."""
    from custinfo.cli import complete

    for param in command.params:
        _adjust(param)
        complete.attach(param, path)
    if isinstance(command, TyperGroup):
        if not isinstance(command, PlainGroup):
            command.__class__ = PlainGroup
        for name, sub in command.commands.items():
            prepare(sub, f"{path} {name}")
    elif not isinstance(command, PlainCommand):
        command.__class__ = PlainCommand
    command._custinfo_path = path  # type: ignore[attr-defined]
    return command


def _adjust(param: click.Parameter) -> None:
    flag = bool(getattr(param, "is_flag", False))
    if flag and getattr(param, "secondary_opts", None) and param.default is False:
        param.secondary_opts = []  # `--force/--no-force` → `--force`
    if not flag and param.param_type_name == "option":
        param.metavar = metavar(param)


def metavar(param: click.Parameter) -> str:
    """The plain metavar of an option: its own, else choices, else from its type and name."""
    if param.metavar:
        return param.metavar
    desc = getattr(param, "type_descriptor", None)
    choices = getattr(desc, "choices", None)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    annotation = getattr(desc, "annotation", str)
    if getattr(annotation, "__origin__", None) is list:
        annotation = annotation.__args__[0]
    if getattr(desc, "is_path", False):
        return "DIR" if getattr(desc, "path_type", "") == "directory" else "FILE"
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    word = (param.name or "value").rstrip("_").split("_")[-1]
    return WORDS.get(word, word.upper())


# -- text layout ----------------------------------------------------------------------------
def width_of(text: str) -> int:
    """Terminal columns of `text` (East Asian wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap by words; a word wider than the line (or CJK text) breaks by character."""
    lines: list[str] = []
    line, used = "", 0
    for token in re.findall(r"\S+|\s+", text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = width_of(token)
        if used + size <= width:
            line, used = line + token, used + size
            continue
        if line.strip() and size <= width:
            lines.append(line.rstrip())
            line, used = token, size
            continue
        for ch in token:  # break inside: CJK runs, long paths
            w = width_of(ch)
            if used + w > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + ch, used + w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def paragraphs(text: str | None) -> list[str]:
    """A docstring or help text as paragraphs of one line each (the catalogue's form)."""
    if not text:
        return []
    text = inspect.cleandoc(text).replace("\b", "")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def translated(text: str | None) -> list[str]:
    return [_(p) for p in paragraphs(text)]


class Page:
    """Builds one help screen."""

    def __init__(self, width: int, bold: bool) -> None:
        self.width = width
        self.bold = bold
        self.lines: list[str] = []

    def text(self, paragraphs_: list[str], indent: int = 0) -> None:
        for index, paragraph in enumerate(paragraphs_):
            if index:
                self.lines.append("")
            self.lines += [" " * indent + line for line in wrap(paragraph, self.width - indent)]

    def heading(self, title: str) -> None:
        if self.lines:
            self.lines.append("")
        title = title.upper()
        self.lines.append(f"\x1b[1m{title}\x1b[0m" if self.bold else title)

    def rows(self, rows: list[tuple[str, str]], indent: int = 2) -> None:
        if not rows:
            return
        left = min(max(width_of(name) for name, _ in rows), LEFT_MAX)
        room = max(self.width - indent - left - 3, 20)
        for name, help_text in rows:
            body = wrap(help_text, room) if help_text else [""]
            pad = " " * indent
            if width_of(name) > left:
                self.lines.append(pad + name)
                self.lines += [pad + " " * (left + 3) + line for line in body if line]
                continue
            gap = " " * (left - width_of(name) + 3)
            self.lines.append((pad + name + gap + body[0]).rstrip())
            self.lines += [pad + " " * (left + 3) + line for line in body[1:]]

    def render(self) -> str:
        return "\n".join(self.lines) + "\n"


def _page() -> Page:
    from custinfo.cli import terminal

    columns = terminal.size(sys.stdout)[0]
    return Page(min(columns, MAX_WIDTH) - 1, terminal.color(sys.stdout))


def option_row(param: click.Parameter) -> tuple[str, str]:
    longs = [o for o in param.opts if o.startswith("--")]
    shorts = [o for o in param.opts if not o.startswith("--")]
    secondary = list(getattr(param, "secondary_opts", []) or [])
    names = ", ".join(shorts + longs + secondary)
    if not shorts:
        names = "    " + names
    if not getattr(param, "is_flag", False) and param.metavar:
        names += f" {param.metavar}"
    parts = translated(param.help)
    text = " ".join(parts)
    if param.multiple and "repeatable" not in (param.help or "").lower():
        text += gap() + _("(repeatable)")
    default = param.default
    shown = getattr(param, "show_default", True)
    if (
        shown is not False
        and not getattr(param, "is_flag", False)
        and default not in (None, (), [], "")
        and not callable(default)
        and "default" not in (param.help or "").lower()
    ):
        value = getattr(default, "value", default)
        text += gap() + _("(default: {value})").format(value=value)
    return names, text.strip()


def argument_row(param: click.Parameter) -> tuple[str, str]:
    return _arg_name(param).strip("[]."), " ".join(translated(getattr(param, "help", None)))


def _arg_name(param: click.Parameter) -> str:
    name = param.metavar or (param.name or "").upper()
    if param.metavar and any(c in name for c in "[]."):
        return name
    if param.nargs == -1:
        name += "..."
    return name if param.required else f"[{name}]"


def _usage(command: click.Command, ctx: click.Context) -> str:
    pieces = [ctx.command_path]
    if isinstance(command, TyperGroup):
        if ctx.parent is None:
            pieces.append("[" + _("options") + "]")
        pieces.append("COMMAND [ARGS]...")
    else:
        pieces += [_arg_name(p) for p in command.params if p.param_type_name == "argument"]
        pieces.append("[" + _("options") + "]")
    return " ".join(pieces)


HELP_TEXT = N_("Show this help and exit.")


def render(command: click.Command, ctx: click.Context) -> str:
    """The help screen of `command`."""
    from custinfo.cli.examples import for_command

    page = _page()
    path = getattr(command, "_custinfo_path", "") or ""
    page.text(translated(command.help) if ctx.parent is not None else [_(ROOT_HELP)])
    page.heading(_("Usage"))
    page.rows([(_usage(command, ctx), "")])
    if isinstance(command, TyperGroup):
        page.heading(_("Commands"))
        page.rows(_command_rows(command, ctx))
    arguments = [argument_row(p) for p in command.params if p.param_type_name == "argument"]
    if any(help_text for _, help_text in arguments):
        page.heading(_("Arguments"))
        page.rows(arguments)
    panels: dict[str, list[tuple[str, str]]] = {}
    for param in command.get_params(ctx):
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        if param.name == "help":
            row = ("-h, --help" if "-h" in param.opts else "    --help", _(HELP_TEXT))
        else:
            row = option_row(param)
        if param.name in COMMON and ctx.parent is not None:
            panel = N_("Common options")
        else:
            panel = getattr(param, "rich_help_panel", None) or N_("Options")
        panels.setdefault(panel, []).append(row)
    for panel in sorted(panels, key=lambda p: (p == N_("Common options"), p != N_("Options"))):
        page.heading(_(panel))
        page.rows(panels[panel])
    if ctx.parent is None:
        page.heading(_("Exit codes"))
        page.text([_(EXIT_CODES)], indent=2)
    examples = for_command(path) if path else ROOT_EXAMPLES
    if examples:
        page.heading(_("Examples"))
        for line in examples:
            page.lines += _example(line, page.width)
    page.heading(_("Learn more"))
    hint = (
        _("Use '{path} COMMAND --help' for more about a command.").format(path=ctx.command_path)
        if isinstance(command, TyperGroup)
        else _("Every option and output field: docs/cli.md; the user guide: docs/guide.md.")
    )
    page.text([hint], indent=2)
    return page.render()


def _example(line: str, width: int) -> list[str]:
    command, _sep, comment = line.partition("  # ")
    text = f"  $ {command.rstrip()}"
    if comment:
        comment = _(comment)
        if width_of(text) + 3 + width_of(comment) <= width:
            return [f"{text}  # {comment}"]
        return [f"  # {comment}", text]
    return [text]


def _command_rows(group: TyperGroup, ctx: click.Context) -> list[tuple[str, str]]:
    from custinfo.cli.app import COMMANDS

    rows = []
    for name in group.list_commands(ctx):
        if ctx.parent is None and name in COMMANDS:
            rows.append((name, _(COMMANDS[name][1])))
            continue
        sub = group.get_command(ctx, name)
        if sub is not None and not getattr(sub, "hidden", False):
            first = translated(sub.help)
            rows.append((name, first[0] if first else ""))
    return rows


ROOT_HELP = N_(
    "custinfo: customer information in a local encrypted database. Data goes to stdout, "
    "messages to stderr."
)
EXIT_CODES = N_(
    "0 ok, 1 failure, 2 usage or invalid input, 3 not found, 11 locked, 12 passphrase, "
    "13 integrity check failed, 130 interrupted."
)
ROOT_EXAMPLES = [
    "custinfo init",
    'custinfo add --name 张伟 --phone "138 0013 8000" --tag VIP',
    "custinfo find 张伟",
    "custinfo import clients.csv --rejects bad.csv",
]


# -- the classes every command gets -----------------------------------------------------------
# Direct subclasses (no mixin), so a Typer object can take one in place (`__class__ =`).
class PlainCommand(TyperCommand):
    """A Typer command with the plain help."""

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        formatter.write(render(self, ctx))


class PlainGroup(TyperGroup):
    """A Typer group with the plain help and edit-distance suggestions for its commands."""

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        formatter.write(render(self, ctx))

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click.exceptions.UsageError(unknown_command(name, self.list_commands(ctx)), ctx)
        return super().resolve_command(ctx, args)


def suggestions(name: str, known: list[str]) -> list[str]:
    """Known names close to `name` by edit distance (typos, a missing or swapped letter)."""
    import difflib

    lowered = name.lower()
    close = difflib.get_close_matches(lowered, known, n=3, cutoff=0.6)
    starts = [k for k in known if len(lowered) >= 2 and k.startswith(lowered) and k not in close]
    return (close + starts)[:3]


def unknown_command(name: str, known: list[str], hint: str | None = None) -> str:
    """`No such command 'fnd'. Did you mean find?` (or the alias hint)."""

    message = _("No such command {name!r}.").format(name=name)
    if hint:
        return message + gap() + hint
    close = suggestions(name, known)
    if close:
        message += gap() + _("Did you mean {names}?").format(names=", ".join(close))
    return message
