"""``rmbase sweep``: train and evaluate many bases as one resumable Ray Tune experiment.

A cell (one Tune trial) is one base x recipe x learning rate x seed: the training room trains it and reports the
validation accuracy of every checkpoint, the rm_eval room scores its best checkpoint on the eval sets, and the
store (:mod:`.store`) keeps every cell's checksummed result. Modules: :mod:`.config` (SweepConfig, cells),
:mod:`.checks` (validation before anything starts), :mod:`.cost` (GPU-hour estimate), :mod:`.cell` (what a trial
does), :mod:`.engine` (Ray Tune), :mod:`.collect` (status and the long result table), :mod:`.display`,
:mod:`.planned` (``--plan K``). Ray is imported only by :mod:`.engine` and :mod:`.display`, when they run.
"""

from __future__ import annotations

__all__ = ["SweepConfig", "load_sweep_config", "validate", "run_sweep", "collect", "status_rows"]


def __getattr__(name: str):
    if name == "SweepConfig":
        from rmbase.sweep.config import SweepConfig

        return SweepConfig
    if name in ("load_sweep_config", "validate"):
        from rmbase.sweep import checks

        return getattr(checks, name)
    if name == "run_sweep":
        from rmbase.sweep.engine import run_sweep

        return run_sweep
    if name in ("collect", "status_rows"):
        from rmbase.sweep import collect

        return getattr(collect, name)
    raise AttributeError(name)
