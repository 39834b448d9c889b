"""The options of one evaluation run (``rmbase evaluate``): a typed config, in a module that imports only pydantic
and the benchmark registry, so that ``rmbase evaluate --help`` builds its options without the scorer's imports."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from rmbase.config import Config
from rmbase.config_types import FiniteFloat, NonEmptyText, PositiveInt, Seed
from rmbase.errors import InputError
from rmbase.rm_eval.data import benchmark_info


class EvaluateConfig(Config):
    """Everything that defines one evaluation run (recorded in the results' provenance)."""

    model: NonEmptyText = Field(description="Reward model: local folder or Hugging Face id.")
    out: str = Field(description="Output folder for results.json and scores.jsonl.")
    benchmark: str = Field("rewardbench", description=(
        "rewardbench (v1, split 'filtered') | rewardbench2 (split 'test')."))
    data: str | None = Field(None, description=(
        "Local JSON/JSONL/Parquet with the benchmark's columns (default: the Hub dataset)."))
    data_revision: NonEmptyText | None = Field(None, description="Revision of the Hub dataset.")
    revision: NonEmptyText | None = Field(None, description="Model revision (Hub).")
    chat_template: str | None = Field(None, description=(
        "Named template (chatml, llama3, zephyr), a .jinja path or a template string; default: the tokenizer's."))
    batch_size: PositiveInt = Field(16, description="Sequences per forward pass (scores do not depend on it).")
    max_length: PositiveInt = Field(2048, description="Max tokens per sequence; longer ones are truncated and counted.")
    truncation: str = Field("left", description="left (cut the prompt side) | right | error.")
    dtype: str | None = Field(None, description=(
        "float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on GPU)."))
    device: str | None = Field(None, description="cpu | cuda | cuda:N (default: cuda when available).")
    trust_remote_code: bool = Field(False, description="Allow the checkpoint's own Python code.")
    allow_new_head: bool = Field(False, description=(
        "Accept a checkpoint without a trained score head (a fresh head seeded by --head-seed; for tests and "
        "benchmarks)."))
    head_seed: Seed = Field(0, description="Seed of a freshly initialised head.")
    merge_weights: list[FiniteFloat] | None = Field(None, description=(
        "Merge vector of a multi-attribute model (default: merge_weights.json in the model folder)."))
    allow_partial: bool = Field(False, description=(
        "Score sections with missing subsets from the subsets present (marked partial)."))
    rewardbench_format: bool = Field(False, description=(
        "rmbase | rewardbench (also write reward-bench's result layout under OUT/rewardbench/)."))
    chunk_size: PositiveInt = Field(512, description="Examples per saved chunk (an interrupted run resumes by chunk).")
    limit: PositiveInt | None = Field(None, description="Score only the first N examples (a quick check).")
    threads: PositiveInt | None = Field(None, description=(
        "CPU threads for torch (default: torch's; 1 is often fastest on a busy machine)."))
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("benchmark")
    @classmethod
    def _known_benchmark(cls, v: str) -> str:
        try:
            benchmark_info(v)
        except InputError as exc:  # a ValueError of the field, so that the error names it
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _known_choices(self) -> EvaluateConfig:
        from rmbase.hf_models import check_device
        from rmbase.hf_text import TRUNCATION_POLICIES

        if self.truncation not in TRUNCATION_POLICIES:
            raise InputError(f"unknown truncation {self.truncation!r}", expected=" | ".join(TRUNCATION_POLICIES))
        self.device = check_device(self.device)
        return self
