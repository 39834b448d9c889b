"""The ``rmbase`` command: a thin Typer shell over the library.

Every command lives in :mod:`rmbase.commands` (one module per room) and calls one library function. Command
modules import only typer and the standard library at module level, so ``rmbase --help`` answers fast; the
library (pandas, scikit-learn, torch, ...) is imported inside the command bodies.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rmbase.commands import register_all
from rmbase.errors import EXIT_BAD_INPUT, InputError

app = typer.Typer(
    name="rmbase",
    help="Which base LLM should you train your reward model from? Analyses, training, evaluation and selection "
    "of reward-model bases (arXiv 2505.10775 and beyond).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
register_all(app)


def _version_callback(value: bool) -> None:
    if value:
        from rmbase import __version__

        typer.echo(f"rmbase {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """rmbase: evidence-backed choice of reward-model base LLMs."""


def report_input_error(exc: InputError) -> None:
    from rich.console import Console

    from rmbase.escaping import terminal

    # the message may hold user text with square brackets (file names, values): never read it as markup
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {terminal(str(exc))}", markup=True, soft_wrap=True)


# output options whose value Typer would turn from '' into Path('.') (the current folder) before a command sees it
OUTPUT_OPTIONS = ("--out", "--json", "--html")


def empty_output_option(args: list[str]) -> str | None:
    """The first output option given an empty value (``--out ''`` or ``--out=``), if any."""
    for i, a in enumerate(args):
        name, eq, value = a.partition("=")
        if name in OUTPUT_OPTIONS and ((eq and not value.strip()) or
                                       (not eq and i + 1 < len(args) and not args[i + 1].strip())):
            return name
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app; user errors (and OS errors a user can cause: permissions, a file in the way, a
    full disk) end in one clear message and exit code 2."""
    from rmbase.processes import RESUME_NOTE, Interrupted, ctrl_c_as_interrupted

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if (opt := empty_output_option(args)) is not None:
            raise InputError(f"{opt} is empty", expected="a path")
        with ctrl_c_as_interrupted():
            app(args=args, standalone_mode=True)
    except Interrupted:
        print(RESUME_NOTE, file=sys.stderr)
        return 130
    except InputError as exc:
        report_input_error(exc)
        return EXIT_BAD_INPUT
    except OSError as exc:
        from rmbase.io import user_os_error

        err = user_os_error(exc)
        if err is None:
            raise
        report_input_error(err)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # typer/click exit codes (0, 1, 2 for usage errors)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _entry() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
