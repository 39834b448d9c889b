"""The CLI's click commands, parsed without running: what a command line sets, before the command body runs."""

from __future__ import annotations

from typing import Any


def click_command(*path: str) -> Any:
    """The click command of ``rmbase PATH...`` (e.g. ``"presence", "score"``)."""
    import typer.main

    from rmbase.cli import app

    command = typer.main.get_command(app)
    for name in path:
        command = command.get_command(None, name)
        assert command is not None, f"no command {' '.join(path)}"
    return command


def parsed(*words: str) -> Any:
    """The context of ``rmbase WORDS...`` after parsing (command names first, then options); not invoked."""
    import typer.main

    from rmbase.cli import app

    command = typer.main.get_command(app)
    path = []
    rest = list(words)
    while rest and hasattr(command, "get_command") and command.get_command(None, rest[0]) is not None:
        command = command.get_command(None, rest[0])
        path.append(rest.pop(0))
    return command.make_context(" ".join(path), rest)
