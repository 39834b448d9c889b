"""`rmbase report DIR`: rebuild report.html and figures/ from DIR/study.json without recomputing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import OptionsFile


def report(
    folder: Annotated[Path, typer.Argument(help="A folder written by `rmbase study --out` (holds study.json).")],
    config: OptionsFile = None,
) -> None:
    """Rebuild DIR/report.html and DIR/figures/ (PNG 200 dpi + SVG) from DIR/study.json alone."""
    from rmbase.report import rebuild_report

    path = rebuild_report(folder)
    typer.echo(f"wrote {path} and {folder / 'figures'}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
