"""The options of ``rmbase study`` (a typed config, in a module that imports only pydantic and constants, so that
``rmbase study --help`` builds its options without the analyses' imports)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from rmbase.benchmarks.leaderboard import SIX
from rmbase.config import Config
from rmbase.config_types import Seed
from rmbase.datasets.targets import TARGETS
from rmbase.training.recipes import known_recipe


class StudyConfig(Config):
    dataset: str | None = Field("paper-2505.10775", description=(
        "Bundled dataset (ignored when --models/--results/--benchmarks are given)."))
    models: Path | None = Field(None, description="Models table (CSV or Parquet).")
    results: list[Path] | None = Field(None, description=(
        "RM results: a results table (wide, or the long table of `rmbase sweep collect`), a sweep store, or "
        "`rmbase evaluate` output folders. Bases the bundled tables know need no --models/--benchmarks."))
    benchmarks: Path | None = Field(None, description="Benchmark table, long or wide (CSV or Parquet).")
    post_training: Path | None = Field(None, description="Post-training stages table.")
    recipe: Annotated[str, AfterValidator(known_recipe)] = Field("regression", description=(
        "regression | bradley_terry (or a registered recipe)."))
    target: Literal[TARGETS] = Field("score", description="The RM figure studied (the score or a section): "
                                         + " | ".join(TARGETS) + ".")
    defaults: dict[str, str] = Field(default_factory=dict, description=(
        "Size-group default, GROUP=MODEL, e.g. '<3B=gemma-2-2b-it'."))
    combination_features: list[str] = Field(default_factory=lambda: list(SIX), description=(
        "Benchmarks combined to predict the RM figure."))
    drop_missing: bool = Field(False, description="Leave out (and list) models that lack a feature.")
    n_bootstrap: int = Field(2000, ge=2000, description="Bootstrap resamples.")
    seed: Seed = Field(0, description="Seed of the bootstrap and of the CV folds.")
    n_jobs: int | None = Field(2, description="Processes for the nested cross-validation (-1: every core).")
    out_of_fold: bool = Field(True, description=(
        "Judge the combination out of fold too (nested leave-one-out; the slow part)."))
    selection: bool = Field(True, description=(
        "Compare the predictors out of fold (study.json 'selection') and validate them externally."))
    full_selection: bool = Field(False, description=(
        "Also run the study's ElasticNet for both recipes and leave-one-family-out in the selection table (slow)."))
    presence: list[Path] = Field(default_factory=list, description=(
        "Presence folders (rmbase presence score): report MAE with and without their features."))
    presence_share_family: bool = Field(False, description=(
        "Let unscored bases reuse the largest family member's presence scores (same pre-training tokens)."))
    probes: list[Path] = Field(default_factory=list, description=(
        "`rmbase probe` output folders (or a folder of them): probe features joined by model id and correlated "
        "with the RM target (study.json 'probes')."))

    @field_validator("defaults")
    @classmethod
    def _known_groups(cls, value: dict[str, str]) -> dict[str, str]:
        from rmbase.analysis.gains import GROUP_LABELS

        unknown = [g for g in value if g not in GROUP_LABELS]
        if unknown:
            raise ValueError(f"unknown size group(s) {', '.join(map(repr, unknown))} (groups: "
                             f"{', '.join(GROUP_LABELS)})")
        return value

    @field_validator("n_jobs")
    @classmethod
    def _jobs(cls, value: int | None) -> int | None:
        if value is not None and value < 1 and value != -1:
            raise ValueError(f"n_jobs must be at least 1 (or -1 for every core), got {value}")
        return value

    @field_validator("results", mode="before")
    @classmethod
    def _listed(cls, v):
        return [v] if isinstance(v, (str, Path)) else v

    @model_validator(mode="after")
    def _one_source(self):
        if self.results:
            self.dataset = None
        elif self.models is not None or self.benchmarks is not None:
            raise ValueError("--models and --benchmarks describe the bases of --results: give --results too")
        elif self.dataset is None:
            raise ValueError("give --dataset or --results (with --models/--benchmarks where the bundled tables do "
                             "not know the bases)")
        return self
