"""`rmbase report DIR`: rebuild report.html and figures/ from DIR/study.json without recomputing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rmbase.commands.options import config_file, resolve_config

ReportConfigFile = config_file("rmbase.report.config:ReportConfig")


def report(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", show_default=False, help="A folder written by `rmbase study --out` (holds study.json).")],
    config: ReportConfigFile = None,
) -> None:
    """Rebuild DIR/report.html and DIR/figures/ (PNG 200 dpi + SVG) from DIR/study.json alone."""
    from rmbase.report import rebuild_report
    from rmbase.report.config import ReportConfig

    cfg = resolve_config(ctx, ReportConfig, config, {"folder": folder})
    path = rebuild_report(Path(cfg.folder))
    typer.echo(f"wrote {path} and {Path(cfg.folder) / 'figures'}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
