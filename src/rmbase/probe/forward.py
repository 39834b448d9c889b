"""The forward passes of the probes, on the shared batching of :mod:`rmbase.rm_eval.scorer` (length-sorted batches,
right padding, the last real token found from the attention mask).

One pass per prompt+response text gives both the final-layer hidden state at the last real token (frozen BT probe)
and, for a causal LM, the log-probability of every response token (likelihood probe). The judge probe reads only
the next-token log-probabilities of the answer letters at the last real token of each judge question.

A base is a *causal LM* when its config names a ``*ForCausalLM`` / ``*LMHeadModel`` architecture (loaded with
``AutoModelForCausalLM``), else an *encoder* (``AutoModel``: hidden states only). Weights from safetensors;
``trust_remote_code`` only on request. torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rmbase.errors import InputError

CAUSAL_LM, ENCODER = "causal_lm", "encoder"


def model_kind(config: Any) -> str:
    archs = [str(a) for a in (getattr(config, "architectures", None) or [])]
    if getattr(config, "is_encoder_decoder", False):
        return ENCODER
    return CAUSAL_LM if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) else ENCODER


def load_base(name_or_path: str | os.PathLike, *, dtype: Any = None, device: str | None = None,
              revision: str | None = None, trust_remote_code: bool = False) -> tuple[Any, str]:
    """(model in eval mode, kind) of a base checkpoint, with no head added."""
    import transformers
    from transformers import AutoConfig

    from rmbase.hf_models import check_model_source, default_device, resolve_dtype

    where = check_model_source(name_or_path)
    device = device or default_device()
    common = {"revision": revision, "trust_remote_code": trust_remote_code}
    try:
        config = AutoConfig.from_pretrained(where, **common)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the model config: {exc}", path=where) from exc
    kind = model_kind(config)
    auto = transformers.AutoModelForCausalLM if kind == CAUSAL_LM else transformers.AutoModel
    try:
        model = auto.from_pretrained(where, dtype=resolve_dtype(dtype, device), use_safetensors=True, **common)
    except (OSError, ValueError) as exc:
        msg = str(exc)
        if "safetensors" in msg.lower():
            raise InputError("no safetensors weights found (rmbase does not load pickled .bin weights)",
                             path=where, expected="model.safetensors") from exc
        raise InputError(f"cannot load the model: {msg}", path=where) from exc
    model.to(device)
    model.eval()
    return model, kind


def pad_id_for(model: Any, tokenizer: Any) -> int:
    """A pad id inside the model's embedding matrix. Padded positions are masked and lie after every real token,
    so their id never reaches a result; the tokenizer's ``<|pad|>`` may be a row the base does not have."""
    rows = model.get_input_embeddings().weight.shape[0]
    for cand in (tokenizer.pad_token_id, tokenizer.eos_token_id, 0):
        if cand is not None and 0 <= int(cand) < rows:
            return int(cand)
    return 0


def batched(seqs: Sequence[Sequence[int]], batch_size: int, pad_id: int,
            fn: Callable[[Any, Any, list[int]], list[Any]]) -> list[Any]:
    """Run ``fn(input_ids, attention_mask, batch_indices)`` over length-sorted right-padded batches; returns its
    per-sequence outputs in input order. ``fn`` gets torch tensors on the model's device."""
    import torch

    from rmbase.rm_eval.scorer import length_sorted_batches, pad_right

    out: list[Any] = [None] * len(seqs)
    for batch in length_sorted_batches([len(s) for s in seqs], batch_size):
        ids, mask = pad_right([seqs[i] for i in batch], pad_id)
        with torch.inference_mode():
            results = fn(torch.from_numpy(ids), torch.from_numpy(mask), batch)
        for i, r in zip(batch, results, strict=True):
            out[i] = r
    return out


def feature_pass(model: Any, kind: str, seqs: Sequence[Sequence[int]], starts: Sequence[int], *,
                 batch_size: int, pad_id: int) -> dict[str, np.ndarray]:
    """``hidden`` (n, d) float32: final-layer state at the last real token; for a causal LM also ``lp_sum`` and
    ``lp_n``: summed log-probability and count of the tokens from ``starts[i]`` on (the response)."""
    import torch

    device = next(model.parameters()).device
    causal = kind == CAUSAL_LM

    def fn(ids, mask, batch):
        ids, mask = ids.to(device), mask.to(device)
        last = mask.sum(dim=1) - 1
        lo = max(min(int(starts[i]) for i in batch) - 1, 0) if causal else 0
        out, lo = _forward(model, ids, mask, lo, ids.shape[1] - 1, hidden=True) if causal else \
            (model(input_ids=ids, attention_mask=mask, return_dict=True), 0)
        hidden = out.hidden_states[-1] if causal else out.last_hidden_state
        h = hidden[torch.arange(len(batch), device=device), last].float().cpu().numpy()
        rows = []
        for r, i in enumerate(batch):
            n = int(last[r]) + 1
            lp_sum, lp_n = np.nan, 0
            s = int(starts[i])
            if causal and s < n:
                logp = torch.log_softmax(out.logits[r, s - 1 - lo:n - 1 - lo].float(), dim=-1)
                lp_sum, lp_n = float(logp.gather(1, ids[r, s:n][:, None]).sum()), n - s
            rows.append((h[r], lp_sum, lp_n))
        return rows

    res = batched(seqs, batch_size, pad_id, fn)
    hidden = np.stack([r[0] for r in res]).astype(np.float32) if res else np.zeros((0, 0), np.float32)
    return {"hidden": hidden, "lp_sum": np.array([r[1] for r in res], dtype=np.float64),
            "lp_n": np.array([r[2] for r in res], dtype=np.int64)}


def answer_pass(model: Any, seqs: Sequence[Sequence[int]], answer_ids: tuple[int, int], *, batch_size: int,
                pad_id: int) -> np.ndarray:
    """(n, 2) next-token log-probabilities of the two answer tokens after the last real token of each text."""
    import torch

    device = next(model.parameters()).device
    a, b = answer_ids

    def fn(ids, mask, batch):
        ids, mask = ids.to(device), mask.to(device)
        last = mask.sum(dim=1) - 1
        out, lo = _forward(model, ids, mask, int(last.min()), int(last.max()) + 1, hidden=False)
        logits = out.logits[torch.arange(len(batch), device=device), last - lo]
        logp = torch.log_softmax(logits.float(), dim=-1)
        return list(logp[:, [a, b]].cpu().numpy().astype(np.float64))

    res = batched(seqs, batch_size, pad_id, fn)
    return np.stack(res) if res else np.zeros((0, 2))


def _forward(model: Any, ids: Any, mask: Any, lo: int, hi: int, *, hidden: bool) -> tuple[Any, int]:
    """A causal LM's forward pass with logits only at positions ``lo..hi-1`` (``logits_to_keep``: the vocabulary
    projection dominates the cost of small bases); returns (output, offset of logits position 0). Models without
    ``logits_to_keep`` compute every position (offset 0)."""
    import torch

    keep = torch.arange(lo, max(hi, lo + 1), device=ids.device)
    try:
        return model(input_ids=ids, attention_mask=mask, output_hidden_states=hidden, return_dict=True,
                     logits_to_keep=keep), lo
    except TypeError:
        return model(input_ids=ids, attention_mask=mask, output_hidden_states=hidden, return_dict=True), 0
