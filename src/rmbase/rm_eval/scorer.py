"""A batch-invariant reward scorer for any ``AutoModelForSequenceClassification`` reward model.

How it keeps scores independent of batch size and fast:

* sequences are sorted by token length (longest first) and batched in that order, so a batch holds sequences of
  nearly equal length and almost no compute is spent on padding;
* right padding with an attention mask, a pad token that differs from EOS, and the reward read at the last real
  token of each sequence (transformers' sequence-classification pooling with ``config.pad_token_id`` = our pad);
* fp32 on CPU (bf16 on GPU by default), ``torch.inference_mode``;
* a multi-attribute model (``num_labels > 1``) is merged to one reward with a merge vector ``w``: ``r = logits · w``.

With several processes (``accelerate launch``), batches are dealt round-robin to processes and gathered. The
batching, padding and running are :mod:`rmbase.forward`'s (shared with presence and probes); batches hold
``batch_size`` sequences, or with ``batch_tokens`` at most that many padded tokens (and ``batch_size`` rows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from rmbase.config import Config
from rmbase.config_types import PositiveInt
from rmbase.errors import InputError
from rmbase.forward import forward_batches, length_sorted_batches, pad_right, process_info

__all__ = ["RewardScorer", "ScorerConfig", "length_sorted_batches", "pad_right", "process_info"]


class ScorerConfig(Config):
    batch_size: PositiveInt = 16
    max_length: Annotated[int, Field(ge=2)] = 2048  # BOS and at least one token
    truncation: str = "left"
    batch_tokens: PositiveInt | None = None  # set: batches of at most this many padded tokens, batch_size rows at most


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
        from rmbase.hf_text import render_conversation

        return [render_conversation(self.tokenizer, p, r) for p, r in zip(prompts, responses, strict=True)]

    def encode(self, texts: Sequence[str], labels: Sequence[str] | None = None) -> tuple[list[list[int]], list[bool]]:
        """Token ids (one BOS, truncation policy applied) and which texts were truncated; ``labels`` name the texts
        in messages (``--truncation error``)."""
        from rmbase.hf_text import encode_texts_flagged

        cfg = self.config
        ids, flags = encode_texts_flagged(self.tokenizer, texts, max_length=cfg.max_length,
                                          truncation=cfg.truncation, labels=labels)
        self.truncated += sum(flags)
        return ids, flags

    # -- ids -> rewards ---------------------------------------------------------------------------------
    def _forward(self, ids: Any, mask: Any) -> np.ndarray:
        out = self.model(input_ids=ids, attention_mask=mask)
        logits = out.logits.float().cpu().numpy().astype(np.float64)
        if self.merge_weights is not None:
            return logits @ self.merge_weights
        return logits[:, 0]

    def score_ids(self, seqs: Sequence[Sequence[int]], *,
                  on_batch: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Rewards of token-id sequences, in input order; ``on_batch(done, total)`` reports progress."""
        from rmbase.forward import model_device

        cfg = self.config
        batching = ({"batch_size": cfg.batch_size} if cfg.batch_tokens is None
                    else {"batch_tokens": cfg.batch_tokens, "max_batch_size": cfg.batch_size})
        rewards = forward_batches(seqs, self._forward, pad_id=self.tokenizer.pad_token_id,
                                  device=model_device(self.model), on_batch=on_batch, **batching)
        return np.asarray(rewards, dtype=np.float64).reshape(len(seqs))

    def score(self, prompts: Sequence[Any], responses: Sequence[str]) -> np.ndarray:
        ids, _ = self.encode(self.render(prompts, responses))
        return self.score_ids(ids)
