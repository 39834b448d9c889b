"""The options of one probe run (``rmbase probe``), as a typed config written beside the output."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from rmbase.config import Config
from rmbase.config_types import NonEmptyText, Seed

PROBES = ("frozen_bt", "likelihood", "judge")
TRUNCATION = ("left", "right", "error")


class ProbeConfig(Config):
    """Everything that defines one probe run; fields that change the numbers enter the cache fingerprint."""

    model: NonEmptyText = Field(description="Base model: local folder or Hugging Face id.")
    pairs: NonEmptyText = Field(description="Preference pairs: JSONL/JSON/Parquet/CSV (prompt, chosen, rejected or HH-RLHF "
                       "dialogues) or a Hub dataset id org/name[:split].")
    out: str = Field(description="Output folder (results.json, pairs.jsonl, config.yaml, a resumable cache).")
    probes: list[str] = Field(default_factory=lambda: list(PROBES), description=(
        "Probes to run: frozen_bt, likelihood, judge."))
    model_id: NonEmptyText | None = Field(None, description="Id recorded for the model in feature tables (default: "
                                          "--model).")
    n_pairs: int = Field(1000, ge=1, description=(
        "Pairs used at most (a seeded random sample when there are more)."))
    max_length: int | None = Field(None, ge=8, description="Max tokens per prompt+response text (judge texts: "
                                   "twice that); default 2048, or the model's positions when it has fewer.")
    truncation: str = Field("left", description="left (cut the prompt side, keep BOS) | right | error.")
    chat_template: str | None = Field(None, description="Named template, .jinja path or template string "
                                      "(default: the tokenizer's).")
    revision: NonEmptyText | None = Field(None, description="Model revision (Hub).")
    trust_remote_code: bool = Field(False, description="Allow the checkpoint's own Python code.")
    dtype: str | None = Field(None, description="float32 | bfloat16 | float16 (default: float32 on CPU, bf16 on GPU).")
    device: str | None = Field(None, description="cpu | cuda | cuda:N (default: cuda when available).")
    batch_size: int = Field(8, ge=1, description="Sequences per forward pass (results do not depend on it).")
    chunk_pairs: int = Field(64, ge=1, description="Pairs per cached chunk (an interrupted run resumes by chunk).")
    folds: int = Field(5, ge=2, description="Outer cross-validation folds of the frozen BT probe.")
    inner_folds: int = Field(3, ge=2, description="Inner folds that choose the L2 strength C.")
    n_cs: int = Field(10, ge=1, description="Candidate values of C (log-spaced 1e-4..1e2).")
    bootstrap: int = Field(1000, ge=0, description="Bootstrap resamples of the accuracy CIs.")
    seed: Seed = Field(0, description="Seed of the pair sample, the folds and the bootstrap.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch.")

    @field_validator("probes")
    @classmethod
    def _known_probes(cls, v: list[str]) -> list[str]:
        unknown = [p for p in v if p not in PROBES]
        if unknown:
            raise ValueError(f"unknown probe(s) {', '.join(unknown)}; expected some of {', '.join(PROBES)}")
        if not v:
            raise ValueError("at least one probe is needed")
        return list(dict.fromkeys(v))

    @field_validator("truncation")
    @classmethod
    def _known_truncation(cls, v: str) -> str:
        if v not in TRUNCATION:
            raise ValueError(f"unknown truncation {v!r}; expected one of {', '.join(TRUNCATION)}")
        return v

    @model_validator(mode="after")
    def _ids(self) -> ProbeConfig:
        if self.model_id is None:
            self.model_id = self.model
        return self

    def min_pairs(self) -> int:
        """Fewest usable pairs the run needs: the frozen BT probe's nested cross-validation needs enough pairs for
        every inner fold of every outer fold; the zero-shot probes need one."""
        return max(20, 2 * self.folds * self.inner_folds) if "frozen_bt" in self.probes else 1
