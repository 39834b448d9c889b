"""The typed sweep config (YAML in and out) and its cells: base x recipe x learning rate x seed.

A sweep config names the bases (Hugging Face ids, local folders, or the rows of a model table), the recipes, a
learning-rate grid per recipe, seeds, the training and validation data per recipe, the eval sets, the resources of a
cell, the retry limit and the scheduler. :func:`expand_cells` turns it into :class:`Cell` objects, each a typed
:class:`~rmbase.training.config.TrainConfig` and its :class:`~rmbase.rm_eval.runner.EvaluateConfig` per eval set,
validated when the config loads; every cell is one Ray Tune trial (see :mod:`rmbase.sweep.engine`).

The sweep sets some options of every cell itself: the base, recipe, data, learning rate and seed of the training
(from ``bases``, ``recipes``, ``data``, ``learning_rates``, ``seeds``), the model and output folder of every
evaluation, and the device and threads of both (from ``resources``, when the cell runs). A config that sets one of
them under ``training`` or ``eval_sets`` is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rmbase.config import Config
from rmbase.config_types import NonEmptyText, PositiveFloat, PositiveInt, Seed
from rmbase.errors import InputError


class _Part(BaseModel):
    """A section of the sweep config: validated as part of :class:`SweepConfig`, so that an error names its full
    key (``resources.cpus``)."""

    model_config = ConfigDict(extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class BaseSpec(_Part):
    """One base: ``id`` (Hub id) and/or ``path`` (local folder; wins for loading), ``name`` (how results name it;
    default the id, else the folder name), and what the bundled tables may not know."""

    name: str | None = None
    id: str | None = None
    path: str | None = None
    chat_template: str | None = None   # for bases whose tokenizer has none (encoders, random models)
    params_b: PositiveFloat | None = None      # overrides the checkpoint's parameter count in cost estimates and the study
    revision: NonEmptyText | None = None
    trust_remote_code: bool = False

    @model_validator(mode="after")
    def _some_source(self) -> BaseSpec:
        if not self.id and not self.path:
            raise ValueError("a base needs an id (Hugging Face) or a path (local folder)")
        return self

    @property
    def source(self) -> str:
        return self.path or self.id or ""

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.id:
            return self.id
        from pathlib import Path

        return Path(self.path or "").expanduser().resolve().name


class DataSpec(_Part):
    train: str
    val: str


# set by the sweep for every cell: refused under ``training`` / ``eval_sets``
SWEEP_SET_TRAINING = ("base", "recipe", "train", "val", "out", "learning_rates", "seed", "device", "threads")
SWEEP_SET_EVAL = ("model", "out", "device", "threads")
# the sweep's rules for an eval set: partial sets are scored (e.g. only Chat Hard's llmbar subsets), and the
# maximum length follows the cell's training unless the eval set gives its own
EVAL_SET_DEFAULTS = {"allow_partial": True}
CELL = "(cell)"  # the placeholder of what a cell fills in when it runs (its output folders, its model)


def typed(cls: Any, values: dict[str, Any], key: str) -> Any:
    """``cls`` (a :class:`~rmbase.config.Config`) from ``values``; a bad value is one :class:`InputError` naming
    its full key in the sweep config (``eval_sets.rb.benchmark``)."""
    try:
        return cls(**values)
    except InputError as exc:  # "field: message" (rmbase.config.config_error), or a message of the whole config
        field, sep, rest = str(exc).partition(": ")
        if sep and field.replace("_", "a").replace(".", "a").isalnum():  # a key (batch_size, attribute_range.0)
            raise InputError(rest, column=f"{key}.{field}") from None
        raise InputError(str(exc), column=key) from None


def eval_config(name: str, options: dict[str, Any], *, max_length: int) -> Any:
    """The :class:`~rmbase.rm_eval.runner.EvaluateConfig` of eval set ``name`` (model and output: placeholders)."""
    from rmbase.rm_eval.runner import EvaluateConfig

    values = {**EVAL_SET_DEFAULTS, "max_length": max_length, **options, "model": CELL, "out": CELL}
    return typed(EvaluateConfig, values, f"eval_sets.{name}")


class Resources(_Part):
    cpus: float = 1.0
    gpus: float = 0.0

    @field_validator("cpus")
    @classmethod
    def _cpus(cls, v: float) -> float:
        if not (v > 0) or not math.isfinite(v):
            raise ValueError("cpus must be a positive number")
        return v

    @field_validator("gpus")
    @classmethod
    def _gpus(cls, v: float) -> float:
        if not (v >= 0) or not math.isfinite(v):
            raise ValueError("gpus must be 0 or more")
        if v > 1 and v != int(v):
            raise ValueError("gpus above 1 must be a whole number (Ray shares a GPU only in fractions below 1)")
        return v


class SchedulerSpec(_Part):
    kind: Literal["fifo", "asha"] = "fifo"
    grace_period: int | None = Field(None, ge=1)     # steps before ASHA may stop a cell; None: 2 x eval_steps
    reduction_factor: float = Field(2.0, gt=1, allow_inf_nan=False)


class CostSpec(_Part):
    tflops_per_gpu: PositiveFloat = 100.0            # effective training throughput of one GPU (TFLOP/s)
    train_tokens: dict[str, PositiveFloat] = Field(default_factory=dict)   # recipe -> tokens per epoch (when not countable)
    val_tokens: dict[str, PositiveFloat] = Field(default_factory=dict)
    train_rows: dict[str, PositiveInt] = Field(default_factory=dict)       # recipe -> rows per epoch (for the step count)


class SweepConfig(Config):
    """Everything that decides what ``rmbase sweep run`` trains and evaluates."""

    name: str = "sweep"
    bases: list[BaseSpec | str] = Field(default_factory=list)
    models: str | None = None                # a model table (model[, hf_id][, path][, params_b]): each row a base
    recipes: list[str] = Field(default_factory=lambda: ["bradley_terry"])
    learning_rates: dict[str, list[float]] | list[float] = Field(default_factory=lambda: [2e-6])
    seeds: list[Seed] = Field(default_factory=lambda: [42])
    data: dict[str, DataSpec] = Field(default_factory=dict)        # recipe -> train/val
    training: dict[str, Any] = Field(default_factory=dict)         # TrainConfig options shared by every cell
    eval_sets: dict[str, dict[str, Any]] = Field(default_factory=dict)  # name -> EvaluateConfig options
    resources: Resources = Field(default_factory=Resources)
    retries: int = Field(1, ge=0)            # a failing cell is tried 1 + retries times in all
    max_concurrent: int | None = Field(None, ge=1)
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    cost: CostSpec = Field(default_factory=CostSpec)

    @field_validator("learning_rates")
    @classmethod
    def _learning_rates_in_range(cls, value: dict[str, list[float]] | list[float]) -> Any:
        from rmbase.ranges import LEARNING_RATE, describe

        for lr in [x for v in value.values() for x in v] if isinstance(value, dict) else value:
            if not LEARNING_RATE.contains(lr):
                raise ValueError(f"learning rate {describe(lr)} is out of range ({LEARNING_RATE.expected()})")
        return value

    @field_validator("training")
    @classmethod
    def _training_not_sweep_set(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _not_sweep_set(value, SWEEP_SET_TRAINING, "training", "bases, recipes, data, learning_rates, seeds; "
                              "device and threads follow resources")

    @field_validator("eval_sets")
    @classmethod
    def _eval_sets_typed(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, options in value.items():
            if not isinstance(options, dict):
                raise InputError("an eval set is a mapping of evaluate options", column=f"eval_sets.{name}",
                                 expected="{benchmark: rewardbench, data: FILE, ...}")
            _not_sweep_set(options, SWEEP_SET_EVAL, f"eval_sets.{name}", "the cell's model and folders; device "
                           "and threads follow resources")
            eval_config(name, options, max_length=2048)
        return value

    def base_specs(self) -> list[BaseSpec]:
        return [b if isinstance(b, BaseSpec) else _spec_from_string(b) for b in self.bases]

    def grid(self, recipe: str) -> list[float]:
        if isinstance(self.learning_rates, dict):
            return list(self.learning_rates.get(recipe, []))
        return list(self.learning_rates)


def _not_sweep_set(options: dict[str, Any], reserved: tuple[str, ...], key: str, how: str) -> dict[str, Any]:
    taken = [k for k in options if k in reserved]
    if taken:
        raise InputError(f"{taken[0]!r} is set by the sweep itself ({how})", column=f"{key}.{taken[0]}")
    return options


def _spec_from_string(text: str) -> BaseSpec:
    from pathlib import Path

    looks_local = Path(text).expanduser().exists() or text.startswith(("/", ".", "~"))
    return BaseSpec(path=text) if looks_local else BaseSpec(id=text)


@dataclass(frozen=True)
class Cell:
    """One trial: a base, a recipe, a learning rate and a seed, with its typed training config and one evaluate
    config per eval set (``out``, ``model``, ``device`` and ``threads`` are filled in when the cell runs)."""

    id: str
    base: str            # the base's name in results
    source: str          # where its weights load from
    recipe: str
    learning_rate: float
    seed: int
    train: Any           # a TrainConfig
    evals: dict[str, Any]    # eval set name -> EvaluateConfig
    cpus: float
    gpus: float

    def options(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """(training options, evaluate options per eval set) as plain data, without what the cell fills in."""
        train = self.train.model_dump(mode="json", exclude={"out", "device", "threads"})
        evals = {name: cfg.model_dump(mode="json", exclude={"model", "out", "device", "threads"})
                 for name, cfg in self.evals.items()}
        return train, evals

    @property
    def fingerprint(self) -> str:
        train, evals = self.options()
        key = {"train": train, "evals": evals}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def device(self) -> str:
        return "cuda" if self.gpus > 0 else "cpu"

    @property
    def threads(self) -> int:
        return max(1, int(self.cpus))

    def as_dict(self) -> dict[str, Any]:
        train, evals = self.options()
        return {"id": self.id, "base": self.base, "source": self.source, "recipe": self.recipe,
                "learning_rate": self.learning_rate, "seed": self.seed, "train": train, "evals": evals,
                "cpus": self.cpus, "gpus": self.gpus, "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cell:
        from rmbase.rm_eval.runner import EvaluateConfig
        from rmbase.training.config import TrainConfig

        train = typed(TrainConfig, {**d["train"], "out": CELL}, "training")
        evals = {name: typed(EvaluateConfig, {**opts, "model": CELL, "out": CELL}, f"eval_sets.{name}")
                 for name, opts in d["evals"].items()}
        return cls(train=train, evals=evals, **{k: d[k] for k in ("id", "base", "source", "recipe",
                                                                   "learning_rate", "seed", "cpus", "gpus")})


def cell_id(base: str, recipe: str, lr: float, seed: int) -> str:
    from rmbase.model_ids import sanitise_model_id

    return f"{sanitise_model_id(base)}__{recipe}__lr{lr:.4g}__s{seed}"


def expand_cells(config: SweepConfig, bases: list[BaseSpec] | None = None) -> list[Cell]:
    """Every cell of the config, in order (base, recipe, learning rate, seed). Duplicates are an InputError."""
    bases = config.base_specs() if bases is None else bases
    from rmbase.training.config import TrainConfig

    cells: list[Cell] = []
    seen: dict[str, str] = {}
    evals = {name: eval_config(name, options, max_length=int(config.training.get("max_length", 2048)))
             for name, options in config.eval_sets.items()}
    for bi, base in enumerate(bases):
        for recipe in config.recipes:
            data = config.data.get(recipe)
            for li, lr in enumerate(config.grid(recipe)):
                for seed in config.seeds:
                    cid = cell_id(base.display_name, recipe, lr, seed)
                    where = f"bases[{bi}] x learning_rates.{recipe}[{li}] x seed {seed}"
                    if cid in seen:
                        raise InputError(f"duplicate cell {cid} ({where} repeats {seen[cid]})", column="bases")
                    seen[cid] = where
                    train = {**config.training, "base": base.source, "recipe": recipe,
                             "train": data.train if data else "", "val": data.val if data else "",
                             "learning_rates": [lr], "seed": seed, "out": CELL}
                    for key in ("chat_template", "revision"):
                        if getattr(base, key) is not None:
                            train[key] = getattr(base, key)
                    if base.trust_remote_code:
                        train["trust_remote_code"] = True
                    cells.append(Cell(id=cid, base=base.display_name, source=base.source, recipe=recipe,
                                      learning_rate=float(lr), seed=int(seed), train=typed(TrainConfig, train,
                                                                                           "training"),
                                      evals=evals, cpus=config.resources.cpus, gpus=config.resources.gpus))
    return cells
