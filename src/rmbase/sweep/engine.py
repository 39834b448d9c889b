"""``run_sweep``: the cells of a validated sweep as Ray Tune trials (a function trainable per cell).

Each run of the same command on the same store is a new Tune experiment (``DIR/tune/run-NNN``) over the cells that
are not finished; the store, not Tune's experiment state, is the ledger of what is done:

* a cell with a verified ``result.json`` (or ``stopped.json``: the scheduler stopped it) is never run again;
* a cell that was running when the driver died restarts from its last checkpoint (the training room resumes from
  ``model.work/``; a finished training or eval set is not redone);
* a cell that raised is recorded with its traceback and retried, by Tune's ``FailureConfig(max_failures)`` within a
  run and by the next run, until it has failed ``1 + retries`` times; the other cells go on;
* a cell whose result file does not verify (checksum) is run again from scratch.

Tune's own ``Tuner.restore`` is not used: it cannot rerun a trial it considers finished (a corrupted result), take
new cells of a grown config, or count failures across runs; the per-cell checkpoints give the restart from the last
checkpoint that restore would give.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.io import write_checked
from rmbase.sweep.checks import Checked, check_cluster_resources
from rmbase.sweep.store import Store


@dataclass
class RunSummary:
    store: Path
    cells: int
    ran: list[str] = field(default_factory=list)
    skipped: int = 0
    done: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    saved_hours: float = 0.0
    seconds: float = 0.0
    experiment: str | None = None


def prepare_store(checked: Checked, store_dir: str | Path) -> Store:
    store = Store(store_dir)
    store.check_output()
    store.initialise(checked.config.to_yaml(), [c.as_dict() for c in checked.cells])
    return store


def _trainable(store_root: str, retries: int, recipes: dict[str, Any] | None = None):
    """The function Ray Tune runs per cell; ``recipes``: the user's registered recipes, registered again in the
    worker (a recipe registered by a user works in a sweep as in ``rmbase train``)."""
    def cell_trainable(config: dict[str, Any]) -> None:
        from ray import tune

        from rmbase.sweep.cell import run_cell
        from rmbase.sweep.store import Store
        from rmbase.training.recipes import register

        for recipe in (recipes or {}).values():
            register(recipe, replace=True)

        cell = config["cell"]
        if len(Store(store_root).errors(cell)) > retries:  # failed 1 + retries times already: give up
            tune.report({"step": 0, "val_accuracy": float("nan"), "done": False, "exhausted": True})
            return
        run_cell(store_root, cell, report=lambda metrics: tune.report(metrics))

    return cell_trainable


def run_sweep(checked: Checked, store_dir: str | Path, *, address: str | None = None,
              max_concurrent: int | None = None, scheduler: str | None = None, display: Any = None,
              only: list[str] | None = None) -> RunSummary:
    """Run every unfinished cell (or those of ``only``) of ``checked`` into the store; returns what happened."""
    t0 = time.perf_counter()
    cfg = checked.config
    store = prepare_store(checked, store_dir)
    wanted = set(only) if only is not None else None
    states = {s.id: s for s in store.states(cfg.retries)}
    pending = []
    for cell in checked.cells:
        st = states[cell.id]
        if wanted is not None and cell.id not in wanted:
            continue
        if st.finished:
            continue
        if st.state == "corrupt":
            store.reset_cell(cell.id)
        pending.append(cell)
    summary = RunSummary(store=store.root, cells=len(checked.cells), skipped=len(checked.cells) - len(pending))
    entry: dict[str, Any] = {"time": time.time(), "pending": [c.id for c in pending]}
    if not pending:
        summary.seconds = time.perf_counter() - t0
        store.log_run({**entry, "ran": 0})
        return summary

    store.mark_driver()
    try:
        grid, name, asha = fit_cells(checked, store, pending, address=address, max_concurrent=max_concurrent,
                                     scheduler=scheduler, display=display)
    finally:
        store.unmark_driver()
    summary.experiment = name
    summary.ran = [c.id for c in pending]
    by_id = {c.id: c for c in pending}
    for result in grid:
        cid = (result.config or {}).get("cell")
        if cid is None:
            continue
        st = store.state(cid, cfg.retries)
        if st.state == "done":
            summary.done.append(cid)
        elif st.state in ("failed", "retry"):
            summary.failed.append(cid)
        elif result.error is None and asha is not None:
            record = _stopped_record(store, by_id[cid], result.metrics or {})
            summary.stopped.append(cid)
            summary.saved_hours += record.get("saved_hours") or 0.0
        else:  # the run was interrupted (Ctrl-C, a lost node): the next run resumes it
            summary.interrupted.append(cid)
    summary.seconds = time.perf_counter() - t0
    store.log_run({**entry, "experiment": name, "done": summary.done, "stopped": summary.stopped,
                   "failed": summary.failed, "interrupted": summary.interrupted, "saved_hours": summary.saved_hours,
                   "seconds": summary.seconds})
    return summary


def fit_cells(checked: Checked, store: Store, cells: list, *, address: str | None = None,
              max_concurrent: int | None = None, scheduler: str | None = None, display: Any = None):
    """One Tune experiment over ``cells`` (a trial each); returns (ResultGrid, experiment name, ASHA or None)."""
    from rmbase.ray_engine import connect

    cfg = checked.config
    ray = connect(address)
    check_cluster_resources(cfg, ray.cluster_resources())
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    from ray import tune

    kind = scheduler or cfg.scheduler.kind
    asha = _asha(checked, cells) if kind == "asha" else None
    name = _next_experiment(store)
    pending = cells
    trainable = tune.with_resources(_trainable(str(store.root.resolve()), cfg.retries, _shipped_recipes()),
                                    {"cpu": cfg.resources.cpus, "gpu": cfg.resources.gpus})
    callbacks = [display] if display is not None else []
    tuner = tune.Tuner(
        trainable,
        param_space={"cell": tune.grid_search([c.id for c in pending])},
        tune_config=tune.TuneConfig(
            max_concurrent_trials=max_concurrent or cfg.max_concurrent, scheduler=asha,
            trial_dirname_creator=lambda trial: trial.trial_id, reuse_actors=True,
            **({"metric": "val_accuracy", "mode": "max"} if asha is not None else {})),
        run_config=tune.RunConfig(
            name=name, storage_path=str(store.tune_dir.resolve()), verbose=0, callbacks=callbacks,
            failure_config=tune.FailureConfig(max_failures=cfg.retries),
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1)),
    )
    import logging

    # the cells keep their own records; Tune's per-trial result loggers are off, and so is its note about them
    logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
    from rmbase.sweep.tune_errors import tune_failures_to

    # a failed cell's traceback stays in the store (cells/<cell>/errors/, tune/errors.log), not on the terminal
    with tune_failures_to(store.tune_dir / "errors.log"):
        return tuner.fit(), name, asha


def _shipped_recipes() -> dict[str, Any]:
    """The user's recipes, pickled by value (their module need not be importable on the workers)."""
    import sys

    from ray import cloudpickle

    from rmbase.training.recipes import user_recipes

    recipes = user_recipes()
    for recipe in recipes.values():
        module = type(recipe).__module__
        if not module.startswith("rmbase.") and module in sys.modules and module != "__main__":
            cloudpickle.register_pickle_by_value(sys.modules[module])
    return recipes


def _next_experiment(store: Store) -> str:
    existing = sorted(p.name for p in store.tune_dir.glob("run-*")) if store.tune_dir.is_dir() else []
    n = 1 + max((int(x.split("-")[1]) for x in existing if x.split("-")[1].isdigit()), default=0)
    return f"run-{n:03d}"


def _asha(checked: Checked, pending: list) -> Any:
    from ray.tune.schedulers import ASHAScheduler

    from rmbase.sweep.cost import planned_steps

    steps = [planned_steps(checked, c.recipe, c.train) for c in pending]
    max_t = max(steps, default=0)
    if max_t <= 0:
        raise InputError("ASHA needs the number of training steps (local training data, or cost.train_rows)",
                         column="scheduler")
    eval_steps = pending[0].train.eval_steps if pending else 20
    grace = checked.config.scheduler.grace_period or 2 * eval_steps
    # the cells report their last step only with their final (evaluated) result, so max_t = the last step
    return ASHAScheduler(time_attr="step", max_t=max_t, grace_period=min(grace, max_t),
                         reduction_factor=checked.config.scheduler.reduction_factor)


def _stopped_record(store: Store, cell: Any, metrics: dict[str, Any]) -> dict[str, Any]:
    """What the scheduler cut: the cell's last step and best accuracy, and the device-hours its remaining steps
    would have taken (at the pace of its own checkpoints)."""
    points = store.progress(cell.id)
    last = int(points[-1]["step"]) if points else int(metrics.get("step", 0))
    max_steps = int(points[-1].get("max_steps", 0)) if points else 0
    best = max((p["val_accuracy"] for p in points), default=None)
    pace = None
    try:  # from the start of the last attempt (model loading and the step-0 validation included) to its last point
        attempt = json.loads((store.cell_dir(cell.id) / "attempt.json").read_text())
    except (OSError, json.JSONDecodeError):
        attempt = None
    if attempt and points and points[-1]["step"] > attempt["from_step"]:
        pace = (points[-1]["time"] - attempt["time"]) / (points[-1]["step"] - attempt["from_step"])
    elif len(points) >= 2 and points[-1]["step"] > points[0]["step"]:
        pace = (points[-1]["time"] - points[0]["time"]) / (points[-1]["step"] - points[0]["step"])
    units = cell.gpus if cell.gpus > 0 else cell.cpus
    saved = None if pace is None or not max_steps else max(0, max_steps - last) * pace * units / 3600
    record = {"cell": cell.id, "last_step": last, "max_steps": max_steps, "best_val_accuracy": best,
              "seconds_per_step": pace, "saved_hours": saved, "unit": "GPU" if cell.gpus > 0 else "CPU",
              "curve": [{"step": p["step"], "val_accuracy": p["val_accuracy"]} for p in points],
              "time": time.time()}
    write_checked(store.cell_dir(cell.id) / "stopped.json", record)
    return record


def finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
