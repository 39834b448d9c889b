"""`rmbase report DIR`: rebuild report.html and figures/ from DIR/study.json without recomputing anything."""

from __future__ import annotations

from pathlib import Path

import typer

from rmbase.commands.config_options import ConfigOptions
from rmbase.commands.options import ConfigFile

REPORT_OPTIONS = ConfigOptions("rmbase.report.config:ReportConfig", arguments=("folder",), metavars={"folder": "DIR"})


def report(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Rebuild DIR/report.html and DIR/figures/ (PNG 200 dpi + SVG) from DIR/study.json alone."""
    from rmbase.report import rebuild_report

    folder = Path(REPORT_OPTIONS.resolve(ctx, config).folder)
    path = rebuild_report(folder)
    typer.echo(f"wrote {path} and {folder / 'figures'}")


def register(app: typer.Typer) -> None:
    app.command("report", cls=REPORT_OPTIONS.command())(report)
