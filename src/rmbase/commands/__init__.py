"""CLI command modules, one per room. Each exposes ``register(app)``; keep module-level imports light."""

from __future__ import annotations

import importlib

import typer

# order = order in `rmbase --help`
COMMAND_MODULES = ("study", "report", "benchmarks", "train", "evaluate", "sweep", "probe", "selection", "presence")


def register_all(app: typer.Typer) -> None:
    from rmbase.commands.readable_help import readable_help

    readable_help()
    for name in COMMAND_MODULES:
        importlib.import_module(f"rmbase.commands.{name}").register(app)
