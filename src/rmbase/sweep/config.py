"""The typed sweep config (YAML in and out) and its cells: base x recipe x learning rate x seed.

A sweep config names the bases (Hugging Face ids, local folders, or the rows of a model table), the recipes, a
learning-rate grid per recipe, seeds, the training and validation data per recipe, the eval sets, the resources of a
cell, the retry limit and the scheduler. :func:`expand_cells` turns it into :class:`Cell` objects; every cell is one
Ray Tune trial (see :mod:`rmbase.sweep.engine`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rmbase.config import Config
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
    params_b: float | None = None      # overrides the checkpoint's parameter count in cost estimates and the study
    revision: str | None = None
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


class EvalSetSpec(_Part):
    benchmark: str = "rewardbench"
    data: str | None = None            # local file in the benchmark's columns; None: the Hub dataset
    limit: int | None = Field(None, ge=1)
    allow_partial: bool = True         # sections from the subsets present (e.g. only Chat Hard's llmbar subsets)
    batch_size: int = Field(16, ge=1)
    max_length: int | None = Field(None, ge=1)   # None: the cell's training max_length


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
    reduction_factor: float = Field(2.0, gt=1)


class CostSpec(_Part):
    tflops_per_gpu: float = Field(100.0, gt=0)       # effective training throughput of one GPU (TFLOP/s)
    train_tokens: dict[str, float] = Field(default_factory=dict)   # recipe -> tokens per epoch (when not countable)
    val_tokens: dict[str, float] = Field(default_factory=dict)
    train_rows: dict[str, int] = Field(default_factory=dict)       # recipe -> rows per epoch (for the step count)


class SweepConfig(Config):
    """Everything that decides what ``rmbase sweep run`` trains and evaluates."""

    name: str = "sweep"
    bases: list[BaseSpec | str] = Field(default_factory=list)
    models: str | None = None                # a model table (model[, hf_id][, path][, params_b]): each row a base
    recipes: list[str] = Field(default_factory=lambda: ["bradley_terry"])
    learning_rates: dict[str, list[float]] | list[float] = Field(default_factory=lambda: [2e-6])
    seeds: list[int] = Field(default_factory=lambda: [42])
    data: dict[str, DataSpec] = Field(default_factory=dict)        # recipe -> train/val
    training: dict[str, Any] = Field(default_factory=dict)         # TrainConfig options shared by every cell
    eval_sets: dict[str, EvalSetSpec] = Field(default_factory=dict)
    resources: Resources = Field(default_factory=Resources)
    retries: int = Field(1, ge=0)            # a failing cell is tried 1 + retries times in all
    max_concurrent: int | None = Field(None, ge=1)
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    cost: CostSpec = Field(default_factory=CostSpec)

    def base_specs(self) -> list[BaseSpec]:
        return [b if isinstance(b, BaseSpec) else _spec_from_string(b) for b in self.bases]

    def grid(self, recipe: str) -> list[float]:
        if isinstance(self.learning_rates, dict):
            return list(self.learning_rates.get(recipe, []))
        return list(self.learning_rates)


def _spec_from_string(text: str) -> BaseSpec:
    from pathlib import Path

    looks_local = Path(text).expanduser().exists() or text.startswith(("/", ".", "~"))
    return BaseSpec(path=text) if looks_local else BaseSpec(id=text)


@dataclass(frozen=True)
class Cell:
    """One trial: a base, a recipe, a learning rate and a seed, with its full training and evaluation options."""

    id: str
    base: str            # the base's name in results
    source: str          # where its weights load from
    recipe: str
    learning_rate: float
    seed: int
    train: dict[str, Any]          # TrainConfig options except ``out``
    evals: dict[str, dict[str, Any]]
    cpus: float
    gpus: float

    @property
    def fingerprint(self) -> str:
        key = {"train": self.train, "evals": self.evals}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "base": self.base, "source": self.source, "recipe": self.recipe,
                "learning_rate": self.learning_rate, "seed": self.seed, "train": self.train, "evals": self.evals,
                "cpus": self.cpus, "gpus": self.gpus, "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cell:
        return cls(**{k: d[k] for k in ("id", "base", "source", "recipe", "learning_rate", "seed", "train", "evals",
                                         "cpus", "gpus")})


def cell_id(base: str, recipe: str, lr: float, seed: int) -> str:
    from rmbase.model_ids import sanitise_model_id

    return f"{sanitise_model_id(base)}__{recipe}__lr{lr:.4g}__s{seed}"


def expand_cells(config: SweepConfig, bases: list[BaseSpec] | None = None) -> list[Cell]:
    """Every cell of the config, in order (base, recipe, learning rate, seed). Duplicates are an InputError."""
    bases = config.base_specs() if bases is None else bases
    cells: list[Cell] = []
    seen: dict[str, str] = {}
    device = "cuda" if config.resources.gpus > 0 else "cpu"
    threads = max(1, int(config.resources.cpus))
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
                             "learning_rates": [lr], "seed": seed, "device": device, "threads": threads}
                    for key in ("chat_template", "revision"):
                        if getattr(base, key) is not None:
                            train[key] = getattr(base, key)
                    if base.trust_remote_code:
                        train["trust_remote_code"] = True
                    evals = {}
                    for name, spec in config.eval_sets.items():
                        evals[name] = {**spec.to_dict(),
                                       "max_length": spec.max_length or int(config.training.get("max_length", 2048))}
                    cells.append(Cell(id=cid, base=base.display_name, source=base.source, recipe=recipe,
                                      learning_rate=float(lr), seed=int(seed), train=train, evals=evals,
                                      cpus=config.resources.cpus, gpus=config.resources.gpus))
    return cells
