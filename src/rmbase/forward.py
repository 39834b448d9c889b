"""The one forward-pass machinery of rmbase: every room that runs a model over token sequences uses it (reward
scoring, presence log-likelihoods, probes, and the validation of a model while it trains).

* **Batches**: sequences sorted by length, longest first (ties in input order, so batching is deterministic), cut
  either at a fixed number of sequences (:func:`length_sorted_batches`) or at a token budget
  (:func:`token_budget_batches`: a batch holds at most ``batch_tokens`` *padded* tokens, i.e. rows x longest row;
  a sequence longer than the budget gets a batch of its own). Sorting keeps padding small.
* **Padding**: right padding with an attention mask (:func:`pad_right`); the last real token of row ``r`` is at
  ``mask[r].sum() - 1`` (:func:`last_token_index`). Right padding never changes the real tokens' positions, and a
  causal model never lets a real token see the padding after it, so results do not depend on the batch.
* **Running**: :func:`forward_batches` calls a per-batch function ``fn(input_ids, attention_mask)`` (torch tensors
  on the model's device, under ``torch.inference_mode``) that returns one result per row (a 1-d array of B
  numbers, or a list of B per-sequence arrays) and puts them back in input order. With several processes
  (``accelerate launch``) batches are dealt round-robin to processes and gathered.
* **Per-batch functions** shipped here: :func:`token_logprobs` (log p(t_i | t_<i) of every real token after the
  first, exactly the positions a causal LM predicts) and :func:`head_logits` (a classifier's logits, one row of
  ``num_labels`` per sequence); :func:`model_logits` runs the latter over sequences without gradients, the
  model put back in its previous mode (training validation).

torch is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rmbase.errors import InputError

BatchFn = Callable[[Any, Any], Any]


def _length_order(lengths: Sequence[int]) -> list[int]:
    return sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of ``batch_size`` in order of decreasing length (stable for equal lengths)."""
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}")
    order = _length_order(lengths)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def token_budget_batches(lengths: Sequence[int], batch_tokens: int, *,
                         max_batch_size: int | None = None) -> list[list[int]]:
    """Indices grouped longest first so that a batch holds at most ``batch_tokens`` padded tokens
    (rows x the batch's first, longest, length) and at most ``max_batch_size`` rows; a sequence longer than the
    budget is a batch of its own. Deterministic: equal lengths keep input order."""
    if batch_tokens < 1:
        raise InputError(f"batch tokens must be at least 1, got {batch_tokens}")
    if max_batch_size is not None and max_batch_size < 1:
        raise InputError(f"max batch size must be at least 1, got {max_batch_size}")
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in _length_order(lengths):
        if current and ((len(current) + 1) * width > batch_tokens
                        or (max_batch_size is not None and len(current) >= max_batch_size)):
            batches.append(current)
            current = []
        if not current:
            width = max(int(lengths[i]), 1)
        current.append(i)
    if current:
        batches.append(current)
    return batches


def pad_right(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays, right-padded to the longest sequence (``torch.from_numpy`` makes
    them tensors without a copy)."""
    width = max(len(s) for s in seqs)
    ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for row, s in enumerate(seqs):
        ids[row, :len(s)] = s
        mask[row, :len(s)] = 1
    return ids, mask


def pad_id_for(model: Any, tokenizer: Any) -> int:
    """A pad id inside the model's embedding matrix (the tokenizer's pad, else EOS, else 0). Padded positions are
    masked and lie after every real token, so their id never reaches a result; the tokenizer's ``<|pad|>`` may be a
    row an untouched base does not have."""
    rows = model.get_input_embeddings().weight.shape[0]
    for cand in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if cand is not None and 0 <= int(cand) < rows:
            return int(cand)
    return 0


def last_token_index(mask: Any) -> Any:
    """Index of each row's last real token in a right-padded attention mask (numpy array or torch tensor)."""
    return mask.sum(-1) - 1


def process_info() -> tuple[int, int]:
    """(rank, world size) when launched with several processes by accelerate, else (0, 1)."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    from accelerate import PartialState

    state = PartialState()
    return state.process_index, state.num_processes


def model_device(model: Any) -> Any:
    return next(model.parameters()).device


def forward_batches(seqs: Sequence[Sequence[int]], fn: BatchFn, *, pad_id: int, device: Any = None,
                    batch_size: int | None = None, batch_tokens: int | None = None,
                    max_batch_size: int | None = None, distributed: bool = True,
                    on_batch: Callable[[int, int], None] | None = None) -> list[Any]:
    """Run ``fn(input_ids, attention_mask)`` over length-sorted batches of ``seqs``; one result per sequence, in
    input order. Give ``batch_size`` (rows per batch) or ``batch_tokens`` (padded tokens per batch, optionally
    capped at ``max_batch_size`` rows). ``fn`` returns B results for a batch of B rows. ``on_batch(done, total)``
    reports progress; with ``distributed`` and several accelerate processes, each process runs every
    world-th batch and the results are gathered."""
    import torch

    if (batch_size is None) == (batch_tokens is None):
        raise InputError("give exactly one of batch size and batch tokens")
    out: list[Any] = [None] * len(seqs)
    if not seqs:
        return out
    lengths = [len(s) for s in seqs]
    if min(lengths) < 1:
        raise InputError("an empty token sequence cannot be run through a model")
    batches = (length_sorted_batches(lengths, batch_size) if batch_size is not None
               else token_budget_batches(lengths, batch_tokens, max_batch_size=max_batch_size))
    rank, world = process_info() if distributed else (0, 1)
    mine = batches[rank::world]
    results: list[tuple[list[int], list[Any]]] = []
    with torch.inference_mode():
        for done, batch in enumerate(mine, start=1):
            ids, mask = pad_right([seqs[i] for i in batch], pad_id)
            ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
            if device is not None:
                ids_t, mask_t = ids_t.to(device), mask_t.to(device)
            values = fn(ids_t, mask_t)
            if len(values) != len(batch):
                raise RuntimeError(f"the batch function returned {len(values)} results for {len(batch)} rows")
            results.append((batch, list(values)))
            if on_batch is not None:
                on_batch(done, len(mine))
    if world > 1:
        from accelerate.utils import gather_object

        results = gather_object(results)
    for batch, values in results:
        for i, v in zip(batch, values, strict=True):
            out[i] = v
    return out


# ----------------------------------------------------------------------------------------------- per-batch functions

_HEAD_TRANSFORMS = ("final_logit_softcapping", "logit_scale", "logits_scaling", "output_multiplier_scale")


def direct_head(model: Any) -> tuple[Any, Any] | None:
    """(decoder, lm_head) when the model's logits are exactly ``lm_head(decoder(...).last_hidden_state)`` (Llama,
    Qwen, Mistral, Phi-3, SmolLM, ...), so the head can run on the real positions only, in chunks; None for
    models that transform their logits after the head (soft-capping, logit scales), which run the whole model."""
    cfg = getattr(model, "config", None)
    if any(getattr(cfg, name, None) not in (None, 1, 1.0) for name in _HEAD_TRANSFORMS):
        return None
    get_decoder = getattr(model, "get_decoder", None)
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if get_decoder is None or head is None:
        return None
    try:
        decoder = get_decoder()
    except (AttributeError, NotImplementedError):
        return None
    return (decoder, head) if decoder is not None and decoder is not model else None


def _target_logprobs(logits: Any, targets: Any) -> Any:
    """log-softmax of ``logits`` (positions x vocab) read at ``targets``, in float32."""
    logits = logits.float()
    return logits.gather(-1, targets[:, None])[:, 0] - logits.logsumexp(dim=-1)


def token_logprobs(model: Any, *, head_chunk: int = 1024, direct: bool | None = None) -> BatchFn:
    """A per-batch function for :func:`forward_batches`: for each row, the float64 array of log p(t_i | t_<i) for
    i = 1 .. L-1 over the row's L real tokens (the first token, BOS when the tokenizer uses one, is context only:
    nothing predicts it). Computed in float32 from the model's logits (log-softmax over the full vocabulary).

    With a plain head (:func:`direct_head`) the decoder runs on the batch and the head only on the real predicting
    positions, ``head_chunk`` positions at a time (padding never reaches the head, and no B x T x vocab tensor is
    made); ``direct=False`` forces the whole-model path (the reference the direct path is tested against)."""
    parts = direct_head(model) if direct in (None, True) else None
    if direct and parts is None:
        raise ValueError("this model transforms its logits after the head; use direct=False")

    def fn(ids: Any, mask: Any) -> list[np.ndarray]:
        import torch

        valid = mask[:, 1:].bool()
        targets = ids[:, 1:][valid]
        if parts is not None:
            decoder, head = parts
            hidden = decoder(input_ids=ids, attention_mask=mask).last_hidden_state[:, :-1][valid]
            lp = torch.cat([_target_logprobs(head(hidden[s:s + head_chunk]), targets[s:s + head_chunk])
                            for s in range(0, hidden.shape[0], head_chunk)]) if hidden.shape[0] else \
                hidden.new_zeros(0, dtype=torch.float32)
        else:
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1][valid]
            lp = _target_logprobs(logits, targets)
        counts = valid.sum(1).tolist()
        flat = lp.double().cpu().numpy()
        return list(np.split(flat, np.cumsum(counts)[:-1])) if counts else []

    return fn


def head_logits(model: Any) -> BatchFn:
    """A per-batch function for :func:`forward_batches`: the model's logits in float64, one row of ``num_labels``
    numbers per sequence (a sequence classifier pools the last real token itself)."""

    def fn(ids: Any, mask: Any) -> np.ndarray:
        return model(input_ids=ids, attention_mask=mask).logits.double().cpu().numpy()

    return fn


def model_logits(model: Any, seqs: Sequence[Sequence[int]], pad_id: int, *, batch_size: int = 16) -> np.ndarray:
    """A classifier's logits for every sequence (rows in input order, ``num_labels`` columns), without gradients,
    in this process only; the model is put back in its previous (training or eval) mode."""
    was_training = model.training
    model.eval()
    try:
        rows = forward_batches(seqs, head_logits(model), pad_id=pad_id, device=model_device(model),
                               batch_size=batch_size, distributed=False)
    finally:
        model.train(was_training)
    return np.asarray(rows, dtype=np.float64).reshape(len(seqs), model.config.num_labels)
