"""A batch-invariant reward scorer for any ``AutoModelForSequenceClassification`` reward model.

How it keeps scores independent of batch size and fast:

* sequences are sorted by token length (longest first) and batched in that order, so a batch holds sequences of
  nearly equal length and almost no compute is spent on padding;
* right padding with an attention mask, a pad token that differs from EOS, and the reward read at the last real
  token of each sequence (transformers' sequence-classification pooling with ``config.pad_token_id`` = our pad);
* fp32 on CPU (bf16 on GPU by default), ``torch.inference_mode``;
* a multi-attribute model (``num_labels > 1``) is merged to one reward with a merge vector ``w``: ``r = logits · w``.

With several processes (``accelerate launch``), batches are dealt round-robin to processes and gathered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pydantic import model_validator

from rmbase.config import Config
from rmbase.errors import InputError


class ScorerConfig(Config):
    batch_size: int = 16
    max_length: int = 2048
    truncation: str = "left"

    @model_validator(mode="after")
    def _sizes(self) -> ScorerConfig:
        if self.batch_size < 1:
            raise InputError(f"batch size must be at least 1, got {self.batch_size}")
        if self.max_length < 2:
            raise InputError(f"max length must be at least 2, got {self.max_length}")
        return self


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of ``batch_size`` in order of decreasing length (stable for equal lengths)."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def pad_right(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) arrays, right-padded to the longest sequence."""
    width = max(len(s) for s in seqs)
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for row, s in enumerate(seqs):
        ids[row, :len(s)] = s
        mask[row, :len(s)] = 1
    return ids, mask


class RewardScorer:
    """Score (prompt, response) pairs with a sequence-classification reward model.

    ``model`` and ``tokenizer`` come from :mod:`rmbase.hf_models` (pad != eos, chat template set).
    ``merge_weights``: required when the model has several labels; ignored (must be None) with one label.
    """

    def __init__(self, model: Any, tokenizer: Any, config: ScorerConfig | None = None, *,
                 merge_weights: Sequence[float] | None = None):
        self.model, self.tokenizer = model, tokenizer
        self.config = config or ScorerConfig()
        if tokenizer.pad_token_id is None or tokenizer.pad_token_id == tokenizer.eos_token_id:
            raise InputError("the tokenizer's pad token must differ from EOS (load it with rmbase.hf_models)")
        if getattr(model.config, "pad_token_id", None) != tokenizer.pad_token_id:
            model.config.pad_token_id = tokenizer.pad_token_id
        n_labels = int(getattr(model.config, "num_labels", 1))
        if n_labels > 1:
            if merge_weights is None:
                raise InputError(f"the model has {n_labels} labels: a merge vector is needed",
                                 expected=f"--merge-weights with {n_labels} numbers")
            if len(merge_weights) != n_labels:
                raise InputError(f"merge vector has {len(merge_weights)} numbers, the model has {n_labels} labels")
        elif merge_weights is not None and len(merge_weights) != 1:
            raise InputError(f"merge vector has {len(merge_weights)} numbers, the model has one label")
        self.merge_weights = None if merge_weights is None else np.asarray(merge_weights, dtype=np.float64)
        self.truncated = 0

    # -- text -> ids ------------------------------------------------------------------------------------
    def render(self, prompts: Sequence[Any], responses: Sequence[str]) -> list[str]:
        from rmbase.hf_models import render_conversation

        return [render_conversation(self.tokenizer, p, r) for p, r in zip(prompts, responses, strict=True)]

    def encode(self, texts: Sequence[str], labels: Sequence[str] | None = None) -> tuple[list[list[int]], list[bool]]:
        """Token ids (one BOS, truncation policy applied) and which texts were truncated; ``labels`` name the texts
        in messages (``--truncation error``)."""
        from rmbase.hf_models import encode_texts_flagged

        cfg = self.config
        ids, flags = encode_texts_flagged(self.tokenizer, texts, max_length=cfg.max_length,
                                          truncation=cfg.truncation, labels=labels)
        self.truncated += sum(flags)
        return ids, flags

    # -- ids -> rewards ---------------------------------------------------------------------------------
    def _forward(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        import torch

        ids, mask = pad_right(seqs, self.tokenizer.pad_token_id)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(ids).to(device),
                             attention_mask=torch.from_numpy(mask).to(device))
        logits = out.logits.float().cpu().numpy().astype(np.float64)
        if self.merge_weights is not None:
            return logits @ self.merge_weights
        return logits[:, 0]

    def score_ids(self, seqs: Sequence[Sequence[int]], *,
                  on_batch: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Rewards of token-id sequences, in input order; ``on_batch(done, total)`` reports progress."""
        out = np.empty(len(seqs), dtype=np.float64)
        if not seqs:
            return out
        batches = length_sorted_batches([len(s) for s in seqs], self.config.batch_size)
        rank, world = _process_info()
        mine = batches[rank::world]
        results: list[tuple[list[int], np.ndarray]] = []
        for done, batch in enumerate(mine, start=1):
            results.append((batch, self._forward([seqs[i] for i in batch])))
            if on_batch is not None:
                on_batch(done, len(mine))
        if world > 1:
            from accelerate.utils import gather_object

            results = gather_object(results)
        for batch, rewards in results:
            out[batch] = rewards
        return out

    def score(self, prompts: Sequence[Any], responses: Sequence[str]) -> np.ndarray:
        ids, _ = self.encode(self.render(prompts, responses))
        return self.score_ids(ids)


def _process_info() -> tuple[int, int]:
    """(rank, world size) when launched with several processes by accelerate, else (0, 1)."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    from accelerate import PartialState

    state = PartialState()
    return state.process_index, state.num_processes
