"""The typed, resolved configuration of one ``rmbase train`` run (an :class:`rmbase.config.Config`; written to
``train_config.json`` and, loadable again with ``rmbase train --config``, ``config.yaml`` in the output)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from rmbase.config import Config
from rmbase.config_types import (
    Dropout,
    FiniteFloat,
    NonEmptyText,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Seed,
)
from rmbase.training.attributes import HELPSTEER2_ATTRIBUTES, STUDY_SIGNS
from rmbase.training.recipes import get_recipe, known_recipe


class TrainConfig(Config):
    """Everything that decides what ``rmbase train`` does. Defaults follow the study (arXiv 2505.10775)."""

    base: NonEmptyText = Field(description="Base model to train from: Hugging Face id or local folder.")
    recipe: Annotated[str, AfterValidator(known_recipe)] = Field(
        "bradley_terry", description="A registered recipe: bradley_terry | regression (rmbase.training.recipes).")
    train: NonEmptyText = Field(description="Training data: JSONL/Parquet/CSV file or Hub dataset id org/name[:split].")
    val: NonEmptyText = Field(description="Validation preference pairs (checkpoint, learning-rate and merge-weight choice).")
    out: str = Field(description="Output folder for the reward model and its records.")
    learning_rates: list[float] = Field(default_factory=lambda: [2e-6], description=(
        "Learning rates; the best by validation accuracy is kept, all are recorded."))
    epochs: PositiveFloat | None = Field(None, description="Epochs (default: the recipe's: 1 bradley_terry, 2 regression).")
    batch_size: PositiveInt = Field(64, description="Global batch: per-device batch x gradient accumulation.")
    per_device_batch_size: PositiveInt = Field(8, description="Micro-batch per step.")
    max_length: PositiveInt = Field(2048, description="Maximum tokens per rendered conversation.")
    # the option is --truncation drop|left; the field keeps its name and values (saved configs, sweep stores)
    long_pairs: Literal["drop", "truncate"] = Field("drop", description=(
        "A conversation longer than the maximum length: dropped, or truncated from the left (keeping BOS and the "
        "response end); counted either way."))
    warmup_steps: NonNegativeInt = Field(20, description="Warm-up steps of the learning-rate schedule.")
    schedule: Literal["constant", "cosine"] = Field("constant", description=(
        "Learning-rate schedule after the warm-up steps."))
    eval_steps: PositiveInt = Field(20, description="A checkpoint and a validation score every N optimiser steps.")
    weight_decay: NonNegativeFloat = Field(0.0, description="AdamW weight decay.")
    seed: Seed = Field(42, description="Seed (set before the score head is created).")
    lora: bool = Field(False, description="Train LoRA adapters + the score head (saved merged).")
    lora_r: PositiveInt = Field(16, description="LoRA rank.")
    lora_alpha: PositiveInt = Field(32, description="LoRA alpha.")
    lora_dropout: Dropout = Field(0.0, description="LoRA dropout.")
    chat_template: str | None = Field(None, description=(
        "Chat template: chatml, llama3, zephyr, a .jinja path or a template string (default: the tokenizer's)."))
    revision: NonEmptyText | None = Field(None, description="Model revision (Hub).")
    trust_remote_code: bool = Field(False, description="Allow the checkpoint's own Python code.")
    dtype: str | None = Field(None, description="float32 | bfloat16 (default: float32 on CPU, bfloat16 on GPU).")
    device: str | None = Field(None, description="cpu | cuda | cuda:N (default: cuda when available).")
    attributes: list[str] = Field(default_factory=lambda: list(HELPSTEER2_ATTRIBUTES), description=(
        "Regression: the attribute columns."))
    attribute_signs: list[int] = Field(default_factory=lambda: list(STUDY_SIGNS), description=(
        "Regression: +1/-1 per attribute for the merge weights."))
    attribute_range: tuple[FiniteFloat, FiniteFloat] | None = Field((0.0, 4.0), description=(
        "Regression: allowed min,max of the attribute values, or none."))
    merge_steps: PositiveInt = Field(20, description="Regression: steps of the merge-weight search.")
    use_margin: bool = Field(False, description="Bradley-Terry: subtract each pair's margin (TRL's margin option).")
    on_bad_rows: Literal["drop", "error"] = Field("drop", description=(
        "Rows with missing or invalid values: drop (and count) or error."))
    max_steps: PositiveInt | None = Field(None, description=(
        "Stop each run after N optimiser steps (quick checks; default: the full epochs)."))
    threads: PositiveInt | None = Field(None, description="CPU threads for torch (default: torch's).")
    # SmolLM2-135M, 8 pairs x 128 tokens: activations 2.8 GiB -> 0.15 GiB with checkpointing
    activation_checkpointing: bool = Field(True, description=(
        "Recompute each layer's activations in the backward pass: the same results, far less memory, about a "
        "quarter more compute."))
    keep_checkpoints: bool = Field(False, description="Keep OUT.work/ (the checkpoints of every LR) after success.")

    @field_validator("learning_rates")
    @classmethod
    def _lrs(cls, v: list[float]) -> list[float]:
        if not v:
            raise ValueError("at least one learning rate")
        from rmbase.ranges import LEARNING_RATE

        bad = [x for x in v if not LEARNING_RATE.contains(x)]
        if bad:
            from rmbase.ranges import describe

            raise ValueError(f"learning rate {describe(bad[0])} is out of range ({LEARNING_RATE.expected()})")
        if len(set(v)) != len(v):
            raise ValueError("learning rates must be distinct")
        return v

    @field_validator("attribute_signs")
    @classmethod
    def _signs(cls, v: list[int]) -> list[int]:
        bad = [x for x in v if x not in (-1, 1)]
        if bad:
            raise ValueError(f"each sign is +1 or -1, got {bad[0]}")
        return v

    @field_validator("attribute_range")
    @classmethod
    def _attribute_range(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"the minimum must be below the maximum, got {v[0]:g},{v[1]:g}")
        return v

    @field_validator("device")
    @classmethod
    def _device(cls, v: str | None) -> str | None:
        from rmbase.hf_models import check_device

        return check_device(v)

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        if self.batch_size % min(self.per_device_batch_size, self.batch_size):
            raise ValueError(f"batch_size {self.batch_size} must be a multiple of per_device_batch_size "
                             f"{self.per_device_batch_size}")
        self.recipe_unit.check_config(self)
        return self

    @property
    def recipe_unit(self):  # noqa: ANN201 - a rmbase.training.recipes.Recipe
        """The :class:`~rmbase.training.recipes.Recipe` named by ``recipe``."""
        return get_recipe(self.recipe)

    @property
    def resolved_epochs(self) -> float:
        if self.epochs is not None:
            return self.epochs
        return float(self.recipe_unit.default_epochs)

    @property
    def micro_batch(self) -> int:
        return min(self.per_device_batch_size, self.batch_size)

    @property
    def grad_accumulation(self) -> int:
        return self.batch_size // self.micro_batch

