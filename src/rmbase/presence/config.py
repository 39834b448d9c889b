"""Typed configs of the presence commands (``rmbase.config.Config``): every run writes its resolved config beside its
output (``DIR/config.yaml`` for score, ``<FILE stem>.config.yaml`` for compare and features)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from rmbase.config import Config
from rmbase.config_types import NonEmptyText, NonNegativeFloat, PositiveFloat
from rmbase.errors import InputError


class PresenceConfig(Config):
    """Options of ``rmbase presence score`` (all of them; written as DIR/config.yaml)."""

    model: NonEmptyText = Field(description="Causal LM: local folder (safetensors or --gguf-file) or Hub id.")
    corpus: NonEmptyText = Field(description="JSONL or Parquet file, a folder of them, or a Hub dataset id (streamed).")
    out: str = Field(description="Output folder: shards/, summary.json, config.yaml.")
    name: NonEmptyText | None = Field(None, description="Model id recorded in summary.json (default: --model).")
    text_field: str = Field("text", description="Field holding the document text.")
    category_field: str = Field("category", description="Field holding the document category.")
    split: NonEmptyText = Field("train", description="Split of a Hub dataset.")
    subset: NonEmptyText | None = Field(None, description="Configuration (subset) of a Hub dataset.")
    corpus_revision: NonEmptyText | None = Field(None, description="Revision of a Hub dataset.")
    limit: int | None = Field(None, ge=1, description="Read at most this many corpus records.")
    max_tokens: int = Field(2048, ge=2, description="Score the first N tokens of each document (BOS included).")
    batch_tokens: int | None = Field(None, ge=2, description=(
        "Padded tokens per forward pass (default: 512 on CPU, where larger batches cost more than they gain, 16384 "
        "on GPU; scores do not depend on it)."))
    max_batch_size: int | None = Field(None, ge=1, description="At most this many documents per forward pass.")
    shard_size: int = Field(1000, ge=1, description="Records per shard (the unit of resumption and of Ray tasks).")
    dtype: str | None = Field(None, description=(
        "float32 | bfloat16 | float16 (default: float32 on CPU, bfloat16 on GPU)."))
    device: str | None = Field(None, description="cpu | cuda | cuda:N (default: cuda when available).")
    revision: NonEmptyText | None = Field(None, description="Model revision (Hub).")
    gguf_file: str | None = Field(None, description="GGUF file inside the model folder.")
    trust_remote_code: bool = Field(False, description="Allow the checkpoint's own Python code.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch.")
    family: str | None = Field(None, description="Model family (for the sharing rule of compare/features).")
    params_b: PositiveFloat | None = Field(None, description="Parameters, billions.")
    pretrain_tokens_t: PositiveFloat | None = Field(None, description="Pre-training tokens, trillions.")
    ray: bool = Field(False, description="Run shards as Ray tasks (several GPUs or a cluster).")
    address: str | None = Field(None, description="Ray cluster address (default: RAY_ADDRESS, else an embedded Ray).")
    gpus_per_task: NonNegativeFloat = Field(0.0, description="GPUs per Ray shard task.")


def default_batch_tokens(device: str) -> int:
    # CPU: at 2048 tokens batching ran at 0.57-0.78x of the one-document loop, at 512 at 1.14x
    # (benchmarks/bench_presence.py, 30 documents, docs/presence.md)
    return 512 if str(device).startswith("cpu") else 16384


class _FileOutput(Config):
    out: str | None = Field(None, description="The output file (required); the resolved config is written beside "
                            "it (FILE-stem.config.yaml).")
    allowed_suffixes: ClassVar[tuple[str, ...]] = (".json", ".csv")

    def check_out(self) -> Path:
        """The output file, validated before any work: a known suffix, not a folder."""
        if self.out is None:
            raise InputError("--out FILE is required", expected=f"a {' or '.join(self.allowed_suffixes)} file")
        from rmbase.io import check_output_path

        # a folder is named as such before its (missing) suffix; nothing is created before the work
        return check_output_path(self.out, kind="file", option="--out", suffixes=self.allowed_suffixes)


class CompareConfig(_FileOutput):
    """Options of ``rmbase presence compare``."""

    folders: list[str] = Field(min_length=2, description="Presence folders (one per model).")
    bins: int = Field(40, ge=2, description="Equal-width bins over the pooled score range of each category.")
    share_family: bool = Field(False, description="Apply the study's sharing rule (needs models).")
    models: str | None = Field(None, description="Models table (model, family, params_b, pretrain_tokens_t).")


class FeaturesConfig(_FileOutput):
    """Options of ``rmbase presence features``."""

    folders: list[str] = Field(min_length=1, description="Presence folders (one per model).")
    share_family: bool = Field(False, description="Fill in unscored models of the models table by the sharing "
                               "rule.")
    models: str | None = Field(None, description="Models table (model, family, params_b, pretrain_tokens_t).")
    allowed_suffixes: ClassVar[tuple[str, ...]] = (".csv", ".parquet")
