"""Entry point: the single exit point of every custinfo process."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with a documented code; exceptions never escape as tracebacks."""
    os.umask(0o077)  # every file custinfo creates (db, WAL, exports, backups) is private
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    import typer

    from custinfo.cli import context, errors
    from custinfo.cli._click import click
    from custinfo.cli.app import Escaped, build
    from custinfo.i18n import _, gap

    command = build()
    try:
        try:
            context.load_settings()  # a config file holding a secret stops everything here
            instruction = os.environ.get("_CUSTINFO_COMPLETE")
            if instruction:  # a TAB in the shell: answer and leave, whatever else is set
                from custinfo.cli.complete import respond

                return respond(command, instruction)
            result = command.main(args=argv, prog_name="custinfo", standalone_mode=False)
        except Escaped as wrapped:
            raise wrapped.__cause__ from None  # type: ignore[misc]
    except typer.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `custinfo`: the help, exit 2
            exc.show()
        else:  # one line, like every other error, with a pointer to the help
            ctx = getattr(exc, "ctx", None)
            hint = (
                gap() + _("(see '{command} --help')").format(command=ctx.command_path)
                if ctx is not None
                else ""
            )
            message = errors.usage_message(exc)  # one line, in the user's language
            print(_("custinfo: error: {message}").format(message=message + hint), file=sys.stderr)
        return exc.exit_code
    except typer.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return errors.report(KeyboardInterrupt())
        print(_("custinfo: aborted; nothing changed"), file=sys.stderr)
        return errors.FAILURE
    except BrokenPipeError:
        # The reader went away (e.g. `custinfo find | head`): not an error worth a message.
        _silence_stdout()
        return errors.OK
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            return exc.code if isinstance(exc.code, int) else errors.FAILURE
        return errors.report(exc)
    finally:
        from custinfo.cli import context

        context.close()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return result if isinstance(result, int) else errors.OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the final flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
