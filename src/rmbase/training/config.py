"""The typed, resolved configuration of one ``rmbase train`` run (an :class:`rmbase.config.Config`; written to
``train_config.json`` and, loadable again with ``rmbase train --config``, ``config.yaml`` in the output)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from rmbase.config import Config
from rmbase.training.merge_search import HELPSTEER2_ATTRIBUTES, STUDY_SIGNS
from rmbase.training.recipes import get_recipe, known_recipe


class TrainConfig(Config):
    """Everything that decides what ``rmbase train`` does. Defaults follow the study (arXiv 2505.10775)."""

    base: str = Field(description="Hugging Face id or local folder of the base model")
    recipe: Annotated[str, AfterValidator(known_recipe)] = Field(
        "bradley_terry", description="a registered recipe (rmbase.training.recipes)")
    train: str = Field(description="training data: file or Hub dataset id")
    val: str = Field(description="validation preference pairs (checkpoint, LR and merge-weight selection)")
    out: str
    learning_rates: list[float] = Field(default_factory=lambda: [2e-6])
    epochs: float | None = None          # None -> the recipe's default (1 bradley_terry, 2 regression)
    batch_size: int = 64                 # global batch: per_device_batch_size x gradient accumulation
    per_device_batch_size: int = 8
    max_length: int = 2048
    long_pairs: Literal["drop", "truncate"] = "drop"   # what to do with texts longer than max_length (counted)
    warmup_steps: int = 20
    schedule: Literal["constant", "cosine"] = "constant"   # constant: 20 warm-up steps then a constant LR
    eval_steps: int = 20                 # a checkpoint (and a validation score) every 20 steps
    weight_decay: float = 0.0
    seed: int = 42
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    chat_template: str | None = None     # None -> the tokenizer's own; a shipped name, jinja path or string
    revision: str | None = None
    trust_remote_code: bool = False
    dtype: str | None = None             # None -> float32 on CPU, bfloat16 on GPU
    device: str | None = None
    attributes: list[str] = Field(default_factory=lambda: list(HELPSTEER2_ATTRIBUTES))
    attribute_signs: list[int] = Field(default_factory=lambda: list(STUDY_SIGNS))
    attribute_range: tuple[float, float] | None = (0.0, 4.0)
    merge_steps: int = 20
    use_margin: bool = False             # subtract the pair's margin inside the BT loss (TRL's margin option)
    on_bad_rows: Literal["drop", "error"] = "drop"
    max_steps: int | None = None         # cap on optimiser steps per run (quick checks); None = full epochs
    threads: int | None = None           # torch CPU threads; None = torch's default
    # recompute each layer's activations in the backward pass: the same gradients for about one more forward pass,
    # and activations of one layer instead of all (SmolLM2-135M, 8 pairs x 128 tokens: 2.8 GiB -> 0.15 GiB)
    activation_checkpointing: bool = True
    keep_checkpoints: bool = False       # keep <out>.work/ (checkpoints of every LR) after success

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

    @field_validator("device")
    @classmethod
    def _device(cls, v: str | None) -> str | None:
        from rmbase.hf_models import check_device

        return check_device(v)

    @field_validator("batch_size", "per_device_batch_size", "max_length", "eval_steps")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be at least 1")
        return v

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

