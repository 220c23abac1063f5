"""Shell completion: the bash, zsh and fish scripts, and the answers to their requests.

`custinfo completion SHELL` prints a script; the shell then runs custinfo with
`_CUSTINFO_COMPLETE=SHELL_complete` and the words typed so far (`cli/main.py` answers before
anything else runs). Commands and options complete from the command tree (the root lists
`COMMANDS` without importing a command module); values complete from `VALUE_SOURCES` when
the database opens without a prompt (a passphrase file, command or variable; completion
never asks and never prints an error).

To add completed values (field keys, say): register a source and name the parameters:

    VALUE_SOURCES["fields"] = lambda store: [key for key, *_ in fields.declared(store)]
    COMPLETED["--field"] = "fields"            # an option, by its long name
    COMPLETED["field set KEY"] = "fields"      # an argument: "command path METAVAR/NAME"
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from custinfo.cli._click import click

if TYPE_CHECKING:
    from custinfo.store import Store

COMPLETE_VAR = "_CUSTINFO_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def _tag_names(store: Store) -> Iterable[str]:
    from custinfo import tags

    return [str(row[0]) for row in tags.counts(store)]


#: source name → function(store) → the values it offers.
VALUE_SOURCES: dict[str, Callable[[Store], Iterable[str]]] = {"tags": _tag_names}
#: an option's long name, or "command path ARGUMENT" → the source of its values.
COMPLETED: dict[str, str] = {
    "--tag": "tags",
    "--any-tag": "tags",
    "--not-tag": "tags",
    "tag add TAG": "tags",
    "tag remove TAG": "tags",
    "tag rename OLD": "tags",
}


def _shell_completion() -> Any:
    return importlib.import_module(click.__name__ + ".shell_completion")


def attach(param: click.Parameter, path: str) -> None:
    """Give `param` its value completion, if it has one (called by `help.prepare`): a value
    source, else file or folder names for a FILE/DIR parameter (the shell lists them)."""
    if param.param_type_name == "argument":
        keys = [f"{path} {param.metavar or ''}".strip(), f"{path} {(param.name or '').upper()}"]
    else:
        keys = [opt for opt in param.opts if opt.startswith("--")]
    for key in keys:
        if key in COMPLETED:
            param._custom_shell_complete = _completer(COMPLETED[key])  # type: ignore[attr-defined]
            return
    metavar = (param.metavar or "").strip("[]. ")
    if metavar.split("|")[0] in ("FILE", "DIR"):
        kind = "dir" if metavar == "DIR" else "file"
        param._custom_shell_complete = _paths(kind)  # type: ignore[attr-defined]


def _paths(kind: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return [_shell_completion().CompletionItem(incomplete, type=kind)]

    return complete


def _completer(source: str) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        values = values_from(source, _ctx_value(ctx, "db"), _ctx_value(ctx, "passphrase_file"))
        folded = incomplete.casefold()
        return sorted(v for v in values if v.casefold().startswith(folded))

    return complete


def _ctx_value(ctx: click.Context | None, name: str) -> Any:
    while ctx is not None:  # the innermost value wins, as when the command runs
        if ctx.params.get(name) is not None:
            return ctx.params[name]
        ctx = ctx.parent
    return None


def values_from(source: str, db: Any = None, passphrase_file: Any = None) -> list[str]:
    """The values of `source`, or none when the database cannot be opened without asking."""
    import contextlib
    import io

    from custinfo.cli import context

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # SQLCipher and warnings stay quiet
            path = context.db_path(db)
            if not path.exists():
                return []
            value = context.passphrase_value(passphrase_file)
            if not value:
                return []
            from custinfo.store import Store

            with Store.open(path, value.encode("utf-8")) as store:
                return list(VALUE_SOURCES[source](store))
    except Exception:  # completion must never print a traceback or an error
        return []


# -- the scripts and the request protocol ---------------------------------------------------------
BASH = r"""# custinfo completion for bash: custinfo completion bash > \
#   ~/.local/share/bash-completion/completions/custinfo
_custinfo_completion() {
    local IFS=$'\n'
    local response
    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \
        _CUSTINFO_COMPLETE=bash_complete "$1" 2>/dev/null)
    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"
        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$value")
        fi
    done
    return 0
}
complete -o nosort -F _custinfo_completion custinfo
"""

ZSH = r"""#compdef custinfo
# custinfo completion for zsh: custinfo completion zsh > ~/.zfunc/_custinfo
_custinfo_completion() {
    local -a completions
    local -a completions_with_descriptions
    local -a response
    (( ! $+commands[custinfo] )) && return 1
    response=("${(@f)$(env COMP_WORDS="${words[*]}" COMP_CWORD=$((CURRENT-1)) \
        _CUSTINFO_COMPLETE=zsh_complete custinfo 2>/dev/null)}")
    for type key descr in ${response}; do
        if [[ "$type" == "plain" ]]; then
            if [[ "$descr" == "_" ]]; then
                completions+=("$key")
            else
                completions_with_descriptions+=("$key":"$descr")
            fi
        elif [[ "$type" == "dir" ]]; then
            _path_files -/
        elif [[ "$type" == "file" ]]; then
            _path_files -f
        fi
    done
    if [ -n "$completions_with_descriptions" ]; then
        _describe -V unsorted completions_with_descriptions -U
    fi
    if [ -n "$completions" ]; then
        compadd -U -V unsorted -a completions
    fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _custinfo_completion "$@"
else
    compdef _custinfo_completion custinfo
fi
"""

FISH = r"""# custinfo completion for fish: custinfo completion fish > \
#   ~/.config/fish/completions/custinfo.fish
function _custinfo_completion
    set -l response (env _CUSTINFO_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) \
        COMP_CWORD=(commandline -t) custinfo 2>/dev/null)
    for completion in $response
        set -l metadata (string split "," -m 1 $completion)
        if test $metadata[1] = "dir"
            __fish_complete_directories $metadata[2]
        else if test $metadata[1] = "file"
            __fish_complete_path $metadata[2]
        else if test $metadata[1] = "plain"
            echo $metadata[2]
        end
    end
end
complete --no-files --command custinfo --arguments "(_custinfo_completion)"
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def _words(shell: str) -> tuple[list[str], str]:
    split = _shell_completion().split_arg_string
    words = split(os.environ.get("COMP_WORDS", ""))
    if shell == "fish":
        incomplete = os.environ.get("COMP_CWORD", "")
        args = words[1:]
        if incomplete and args and args[-1] == incomplete:
            args.pop()
        return args, incomplete
    cword = int(os.environ.get("COMP_CWORD", "0") or 0)
    args = words[1:cword]
    incomplete = words[cword] if cword < len(words) else ""
    return args, incomplete


def _format(shell: str, item: Any) -> str:
    help_text = " ".join((item.help or "").split())
    if shell == "zsh":
        value = item.value.replace(":", r"\:")
        return f"{item.type}\n{value}\n{help_text or '_'}"
    if shell == "fish":
        return f"{item.type},{item.value}" + (f"\t{help_text}" if help_text else "")
    return f"{item.type},{item.value}"


def respond(command: click.Command, instruction: str) -> int:
    """Answer one completion request (`bash_complete`, `zsh_complete`, `fish_complete`);
    `SHELL_source` prints the script. Prints nothing on errors."""
    shell, _sep, action = instruction.partition("_")
    if shell not in SCRIPTS:
        return 1
    if action == "source":
        print(SCRIPTS[shell], end="")
        return 0
    if action != "complete":
        return 1
    sc = _shell_completion()

    class Completer(sc.ShellComplete):  # type: ignore[misc, name-defined]
        name = shell
        source_template = SCRIPTS[shell]

        def source_vars(self) -> dict[str, Any]:
            return {}

        def get_completion_args(self) -> tuple[list[str], str]:
            return _words(shell)

        def format_completion(self, item: Any) -> str:
            return _format(shell, item)

    completer = Completer(command, {}, "custinfo", COMPLETE_VAR)
    try:
        args, incomplete = _words(shell)
        items = completer.get_completions(args, incomplete)
    except Exception:
        return 0
    if items:
        print("\n".join(_format(shell, item) for item in items))
    return 0
