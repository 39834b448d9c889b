"""Typed configs of ``rmbase sweep run | status | collect`` (``rmbase.config.Config``): how a sweep is run and read,
not what it trains (that is the sweep config, :class:`rmbase.sweep.config.SweepConfig`).

``sweep run`` writes its resolved config into the store (``STORE/run.config.yaml``) and ``sweep collect`` beside its
table (``results.parquet`` -> ``results.config.yaml``), so that ``--config`` of that file reruns them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from rmbase.config import Config

RUN_CONFIG_NAME = "run.config.yaml"


class SweepRunConfig(Config):
    """Options of ``rmbase sweep run``."""

    config: str = Field(description="Sweep config (YAML): bases, recipes, learning rates, seeds, data, eval sets, "
                        "resources.")
    store: str = Field(description="Store folder: cells, checkpoints, results, and this run's resolved config "
                       "(run.config.yaml: --config of it reruns the sweep, resuming it).")
    address: str | None = Field(None, description="Ray cluster to join (default: RAY_ADDRESS, else Ray starts "
                                "embedded here).")
    max_concurrent: int | None = Field(None, ge=1, description="Cells running at once (default: as many as the "
                                       "resources allow).")
    scheduler: Literal["fifo", "asha"] | None = Field(None, description="fifo | asha (stop hopeless cells early; "
                                                      "default: the config's).")
    dry_run: bool = Field(False, description="Validate everything, summarise the cells and the estimated "
                          "device-hours; start nothing.")
    throughput: float | None = Field(None, description="Effective TFLOP/s per GPU for the estimate (default: the "
                                     "config's cost.tflops_per_gpu).")
    plan: int | None = Field(None, ge=1, description="Train only K bases of the pool, chosen in batches by the "
                             "selection room's planner.")
    plan_batch: int = Field(2, ge=1, description="Bases per planner batch (with --plan).")
    live: bool = Field(True, description="Live display of the cells and an ETA.")
    verbose: bool = Field(False, description="With --dry-run: list every cell, not only the summary per base and "
                          "recipe.")

    @field_validator("throughput")
    @classmethod
    def _throughput_in_range(cls, value: float | None) -> float | None:
        if value is not None:
            from rmbase.ranges import THROUGHPUT_TFLOPS, check_value

            check_value(value, THROUGHPUT_TFLOPS, where="--throughput")
        return value


class SweepStatusConfig(Config):
    """Options of ``rmbase sweep status`` (it writes nothing)."""

    store: str = Field(description="The sweep store.")


class SweepCollectConfig(Config):
    """Options of ``rmbase sweep collect``."""

    store: str = Field(description="The sweep store.")
    out: str = Field("results.parquet", description="Long RM result table (.parquet or .csv); curves, cell status "
                     "and the resolved config (OUT.config.yaml) are written beside it.")
    keep_all: bool = Field(False, description="Keep every cell (default: per base and recipe, the learning rate "
                           "with the best validation accuracy).")
    allow_incomplete: bool = Field(False, description="Choose the learning rate of a base x recipe among its "
                                   "finished cells even when others failed or have not run (default: no choice is "
                                   "made for it).")
