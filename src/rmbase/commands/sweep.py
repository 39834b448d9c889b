"""`rmbase sweep run | status | collect`: many bases trained and evaluated as one resumable Ray Tune experiment."""

from __future__ import annotations

from pathlib import Path

import typer

from rmbase.commands.config_options import ADVANCED, INPUTS, ConfigOptions
from rmbase.commands.options import ConfigFile

_CONFIGS = "rmbase.sweep.command_configs:"
RUN_OPTIONS = ConfigOptions(_CONFIGS + "SweepRunConfig", arguments=("config",),
                            metavars={"config": "SWEEP_CONFIG", "store": "DIR"},
                            panels={INPUTS: ("store",),
                                    "Run": ("dry_run", "verbose", "live", "scheduler", "max_concurrent", "throughput"),
                                    "Planner": ("plan", "plan_batch"), ADVANCED: ("address",)})
STATUS_OPTIONS = ConfigOptions(_CONFIGS + "SweepStatusConfig", arguments=("store",), metavars={"store": "STORE"})
COLLECT_OPTIONS = ConfigOptions(_CONFIGS + "SweepCollectConfig", arguments=("store",), names={"keep_all": "--all"},
                                metavars={"store": "STORE", "out": "PATH"},
                                panels={INPUTS: ("out",), "Selection": ("keep_all", "allow_incomplete")})

sweep_app = typer.Typer(
    name="sweep",
    help="Train and evaluate many bases x recipes x learning rates x seeds as one resumable Ray Tune run, then "
    "collect the results for `rmbase study --results STORE`.",
    no_args_is_help=True,
)


@sweep_app.command("run", cls=RUN_OPTIONS.command())
def run(ctx: typer.Context, options_file: ConfigFile = None) -> None:
    """Run every unfinished cell of SWEEP_CONFIG into --store (or, with --dry-run, check and price it)."""
    from rmbase.sweep.checks import load_sweep_config, validate

    opts = RUN_OPTIONS.resolve(ctx, options_file)  # options_file: the argument SWEEP_CONFIG is the field `config`
    store = Path(opts.store)
    cfg = load_sweep_config(opts.config)
    checked = validate(cfg, source=opts.config, address=opts.address, check_devices=not opts.dry_run)
    console = _console()
    if opts.dry_run:
        from rmbase.sweep.store import Store

        Store(store).check_output()
        _print_dry_run(console, checked, opts.throughput, opts.verbose)
        return
    from rmbase.config import write_resolved
    from rmbase.sweep.command_configs import RUN_CONFIG_NAME

    try:
        _run_cells(console, opts, checked, store)
    except typer.Exit:  # cells failed: the same file reruns them
        write_resolved(opts, store / RUN_CONFIG_NAME)
        raise
    write_resolved(opts, store / RUN_CONFIG_NAME)


def _run_cells(console, opts, checked, store: Path) -> None:  # noqa: ANN001 - rich console, lazily imported types
    cfg = checked.config
    if opts.plan is not None:
        from rmbase.escaping import terminal
        from rmbase.sweep.planned import run_planned

        outcome = run_planned(checked, store, k=opts.plan, batch=opts.plan_batch, address=opts.address,
                              max_concurrent=opts.max_concurrent, scheduler=opts.scheduler,
                              progress=lambda msg: console.print(msg, markup=False))
        console.print(f"planned sweep: trained {terminal(', '.join(outcome['order']))}; record in "
                      f"{terminal(str(store / 'plan.json'))}")
        return
    from rmbase.sweep.engine import run_sweep

    address, max_concurrent, scheduler = opts.address, opts.max_concurrent, opts.scheduler
    display = None
    if opts.live:
        from rmbase.sweep.display import live_callback
        from rmbase.sweep.store import Store

        already = sum(1 for s in Store(store).states(cfg.retries) if s.finished) if (store / "cells.json").is_file() else 0
        display = live_callback(len(checked.cells), already, max_concurrent or cfg.max_concurrent or 1)
    summary = run_sweep(checked, store, address=address, max_concurrent=max_concurrent, scheduler=scheduler,
                        display=display)
    console.print(f"{summary.cells} cells: {summary.skipped} already finished, {len(summary.done)} done now, "
                  f"{len(summary.stopped)} stopped early, {len(summary.failed)} failed, "
                  f"{len(summary.interrupted)} interrupted ({summary.seconds:.1f} s)")
    if summary.interrupted:
        console.print("interrupted cells resume from their last checkpoint when the same command runs again")
    if summary.stopped:
        console.print(f"early stopping saved about {summary.saved_hours:.3f} device-hours")
    if summary.failed:
        import sys

        from rmbase.sweep.store import Store

        states = {s.id: s for s in Store(store).states(cfg.retries)}
        for cell_id in summary.failed:
            errors = states[cell_id].errors if cell_id in states else []
            last = (errors[-1].get("error") or "") if errors else ""
            first_line = last.strip().splitlines()[-1] if last.strip() else "see its errors/"
            print(f"failed: {cell_id}: {first_line[:200]}", file=sys.stderr)
        print(f"{len(summary.failed)} cell(s) failed; tracebacks in {store}/cells/<cell>/errors/ (and Ray Tune's "
              f"reports in {store}/tune/errors.log); see `rmbase sweep status {store}`", file=sys.stderr)
        raise typer.Exit(1)


def _print_dry_run(console, checked, throughput: float | None, verbose: bool = False) -> None:
    """A summary per base and recipe (cells, size, steps, device-hours), then the total; every cell with
    ``verbose``. The hours are GPU-hours when a cell asks for a GPU, else CPU-hours (one throughput per device)."""
    from rich.table import Table

    from rmbase.escaping import terminal
    from rmbase.sweep.cost import estimate

    costs, summary = estimate(checked, tflops_per_gpu=throughput)
    unit = "GPU" if checked.config.resources.gpus > 0 else "CPU"
    groups: dict[tuple[str, str], list] = {}
    for cell, cost in zip(checked.cells, costs, strict=True):
        groups.setdefault((cell.base, cell.recipe), []).append((cell, cost))
    table = Table(title=f"{len(checked.cells)} cells of {terminal(checked.config.name)}: {len(groups)} base x recipe")
    for col in ("base", "recipe", "cells", "params (B)", "steps / cell", f"{unit}-h"):
        table.add_column(col, justify="left" if col in ("base", "recipe") else "right")
    for (base, recipe), rows in groups.items():
        table.add_row(terminal(base), terminal(recipe), str(len(rows)), f"{rows[0][1].params_b:.3g}",
                      str(max(c.steps for _, c in rows)), f"{sum(c.gpu_hours for _, c in rows):.3g}")
    console.print(table)
    if verbose:
        cells = Table(title="cells")
        for col in ("cell", "base", "recipe", "lr", "seed", "params (B)", "steps", f"{unit}-h"):
            cells.add_column(col, justify="right" if col in ("lr", "seed", "params (B)", "steps", f"{unit}-h")
                             else "left")
        for cell, cost in zip(checked.cells, costs, strict=True):
            cells.add_row(terminal(cell.id), terminal(cell.base), terminal(cell.recipe), f"{cell.learning_rate:g}",
                          str(cell.seed), f"{cost.params_b:.3g}", str(cost.steps), f"{cost.gpu_hours:.3g}")
        console.print(cells)
    else:
        console.print("(--verbose lists every cell)")
    for note in checked.notes:
        console.print(f"note: {terminal(note)}")
    for line in summary["tokens"]:
        console.print(f"tokens: {terminal(line)}")
    console.print(f"estimated cost: {summary['gpu_hours']:.1f} {unit}-hours at {summary['tflops_per_gpu']:g} "
                  f"effective TFLOP/s per {unit} (6 x params x training tokens + validation passes; override with "
                  "--throughput)")
    console.print("dry run: config valid, nothing started")


@sweep_app.command("status", cls=STATUS_OPTIONS.command())
def status(ctx: typer.Context, config: ConfigFile = None) -> None:
    """One table of cells: state, best validation accuracy, eval scores, device-hours, error."""
    from rich.table import Table

    from rmbase.escaping import terminal
    from rmbase.sweep.collect import open_store, status_rows

    store = Path(STATUS_OPTIONS.resolve(ctx, config).store)
    rows = status_rows(open_store(store))
    score_cols = sorted({k for r in rows for k in r if k.startswith("score:")})
    table = Table(title=f"sweep store {terminal(str(store))}: {len(rows)} cells")
    for col in ("cell", "state", "best val acc", "step", *[c.removeprefix("score:") for c in score_cols],
                "GPU-h", "CPU-h", "saved-h", "error"):
        table.add_column(terminal(col))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
        table.add_row(terminal(r["cell"]), r["state"], _pct(r["val_accuracy"]), _num(r["step"]),
                      *[_pct(r.get(c)) for c in score_cols], _hours(r["gpu_hours"]), _hours(r["cpu_hours"]),
                      _hours(r["saved_hours"]), terminal((r["error"] or "")[:60]))
    console = _console()
    console.print(table)
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


def _console():
    """A console for tables: the terminal's width, or wide enough not to wrap cell ids when piped to a file."""
    import sys

    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 240)


def _pct(v) -> str:
    return "—" if v is None or v != v else f"{100 * v:.1f}"


def _num(v) -> str:
    return "—" if v is None else str(v)


def _hours(v) -> str:
    return "—" if v is None else f"{v:.4f}"


@sweep_app.command("collect", cls=COLLECT_OPTIONS.command())
def collect(ctx: typer.Context, config: ConfigFile = None) -> None:
    """Write the long RM result table of the store (the study's choice of learning rate and checkpoint)."""
    from rmbase.config import write_resolved
    from rmbase.escaping import terminal
    from rmbase.io import check_output_path
    from rmbase.sweep.collect import collect as do_collect

    cfg = COLLECT_OPTIONS.resolve(ctx, config)
    resolved = Path(cfg.out).with_suffix(".config.yaml")
    check_output_path(resolved, kind="file", option="--out (its config file)")
    info = do_collect(cfg.store, cfg.out, keep_all=cfg.keep_all, allow_incomplete=cfg.allow_incomplete)
    write_resolved(cfg, resolved)
    console = _console()
    console.print(f"{info['rows']} rows from {info['cells']} cells; wrote "
                  f"{terminal(', '.join([*info['files'], str(resolved)]))}")
    if info["incomplete"]:
        what = ("its learning rate was chosen among the finished cells (--allow-incomplete)" if cfg.allow_incomplete
                else "no learning rate chosen (rows kept with complete=False; --allow-incomplete chooses among the "
                     "finished cells)")
        console.print(f"incomplete: {len(info['incomplete'])} base x recipe with unfinished cells, {what}:")
        for line in info["incomplete"]:
            console.print(f"  {terminal(line)}")
        console.print(f"see `rmbase sweep status {terminal(cfg.store)}`")


def register(app: typer.Typer) -> None:
    app.add_typer(sweep_app)
