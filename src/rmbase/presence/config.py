"""Typed configs of the presence commands (``rmbase.config.Config``): every run writes its resolved config beside its
output (``DIR/config.yaml`` for score, ``<FILE stem>.config.yaml`` for compare and features)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from rmbase.config import Config
from rmbase.errors import InputError


class PresenceConfig(Config):
    """Options of ``rmbase presence score`` (all of them; written as DIR/config.yaml)."""

    model: str
    corpus: str
    out: str
    name: str | None = Field(None, description="model id recorded in summary.json (default: --model)")
    text_field: str = "text"
    category_field: str = "category"
    split: str = "train"
    subset: str | None = None
    corpus_revision: str | None = None
    limit: int | None = Field(None, ge=1, description="read at most this many corpus records")
    max_tokens: int = Field(2048, ge=2)
    batch_tokens: int | None = Field(None, ge=2, description="padded tokens per forward pass (default: "
                                     "512 on CPU, where larger batches cost more than they gain, 16384 on GPU)")
    max_batch_size: int | None = Field(None, ge=1)
    shard_size: int = Field(1000, ge=1)
    dtype: str | None = None
    device: str | None = None
    revision: str | None = None
    gguf_file: str | None = None
    trust_remote_code: bool = False
    threads: int | None = Field(None, ge=1)
    family: str | None = None
    params_b: float | None = Field(None, gt=0)
    pretrain_tokens_t: float | None = Field(None, gt=0)
    ray: bool = False
    address: str | None = None
    gpus_per_task: float = Field(0.0, ge=0)


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
