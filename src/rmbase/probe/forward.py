"""The forward passes of the probes, on rmbase's one forward-pass machinery (:mod:`rmbase.forward`:
length-sorted right-padded batches, the last real token from the attention mask, per-batch functions).

One pass per prompt+response text gives both the final-layer hidden state at the last real token (frozen BT probe)
and, for a causal LM, the log-probability of every response token (likelihood probe). The judge probe reads only
the next-token log-probabilities of the answer letters at the last real token of each judge question.

A base is a *causal LM* when its config names a ``*ForCausalLM`` / ``*LMHeadModel`` architecture (loaded with
``AutoModelForCausalLM``), else an *encoder* (``AutoModel``: hidden states only). Weights from safetensors;
``trust_remote_code`` only on request. torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

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

    from rmbase.hf_models import (
        check_model_source,
        default_device,
        hub_options,
        read_model_config,
        refuse_head_checkpoint,
        resolve_dtype,
        weights_error,
    )

    where = check_model_source(name_or_path)
    device = device or default_device()
    common = hub_options(revision=revision, trust_remote_code=trust_remote_code)
    config = read_model_config(where, common)
    refuse_head_checkpoint(config, where)
    kind = model_kind(config)
    auto = transformers.AutoModelForCausalLM if kind == CAUSAL_LM else transformers.AutoModel
    try:
        model = auto.from_pretrained(where, dtype=resolve_dtype(dtype, device), use_safetensors=True, **common)
    except (OSError, ValueError) as exc:
        raise weights_error(exc, where, "cannot load the model") from exc
    model.to(device)
    model.eval()
    return model, kind


def _hidden_and_logprobs(model: Any, ids: Any, mask: Any, *, head_chunk: int = 1024) -> tuple[Any, list[Any]]:
    """Final-layer hidden states (B x T x d) and, per row, log p(t_i | t_<i) for i = 1 .. L-1 of its L real tokens.

    With a plain head (:func:`rmbase.forward.direct_head`) the decoder runs once and the head only on the
    real predicting positions, in chunks; otherwise the whole model runs with ``output_hidden_states``."""
    import torch

    from rmbase.forward import direct_head

    valid = mask[:, 1:].bool()
    targets = ids[:, 1:][valid]
    parts = direct_head(model)
    if parts is not None:
        decoder, head = parts
        hidden = decoder(input_ids=ids, attention_mask=mask).last_hidden_state
        flat = hidden[:, :-1][valid]
        chunks = [torch.log_softmax(head(flat[s:s + head_chunk]).float(), dim=-1)
                  .gather(-1, targets[s:s + head_chunk, None])[:, 0] for s in range(0, flat.shape[0], head_chunk)]
        lp = torch.cat(chunks) if chunks else flat.new_zeros(0, dtype=torch.float32)
    else:
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, return_dict=True)
        hidden = out.hidden_states[-1]
        lp = torch.log_softmax(out.logits[:, :-1][valid].float(), dim=-1).gather(-1, targets[:, None])[:, 0]
    counts = valid.sum(1).tolist()
    flat_lp = lp.double().cpu().numpy()
    return hidden, list(np.split(flat_lp, np.cumsum(counts)[:-1])) if counts else []


def feature_pass(model: Any, kind: str, seqs: Sequence[Sequence[int]], starts: Sequence[int], *,
                 batch_size: int, pad_id: int, on_batch: Any = None) -> dict[str, np.ndarray]:
    """``hidden`` (n, d) float32: final-layer state at the last real token; for a causal LM also ``lp_sum`` and
    ``lp_n``: summed log-probability and count of the tokens from ``starts[i]`` on (the response). Runs on the
    shared machinery of :mod:`rmbase.forward` (length-sorted right-padded batches, last real token)."""
    import torch

    from rmbase.forward import forward_batches, last_token_index, model_device

    causal = kind == CAUSAL_LM

    def fn(ids, mask):
        last = last_token_index(mask)
        rows = torch.arange(ids.shape[0], device=ids.device)
        if causal:
            hidden, lps = _hidden_and_logprobs(model, ids, mask)
        else:
            hidden, lps = model(input_ids=ids, attention_mask=mask, return_dict=True).last_hidden_state, None
        h = hidden[rows, last].float().cpu().numpy()
        return [(h[r], None if lps is None else lps[r]) for r in range(ids.shape[0])]

    res = forward_batches(seqs, fn, pad_id=pad_id, device=model_device(model), batch_size=batch_size,
                          distributed=False, on_batch=on_batch)
    lp_sum, lp_n = np.full(len(seqs), np.nan), np.zeros(len(seqs), dtype=np.int64)
    for i, (_, lp) in enumerate(res):
        s = int(starts[i])
        if lp is not None and 1 <= s < len(seqs[i]):  # lp[t - 1] = log p(token t)
            lp_sum[i], lp_n[i] = float(lp[s - 1:].sum()), len(seqs[i]) - s
    hidden = np.stack([r[0] for r in res]).astype(np.float32) if res else np.zeros((0, 0), np.float32)
    return {"hidden": hidden, "lp_sum": lp_sum, "lp_n": lp_n}


def answer_pass(model: Any, seqs: Sequence[Sequence[int]], answer_ids: tuple[int, int], *, batch_size: int,
                pad_id: int, on_batch: Any = None) -> np.ndarray:
    """(n, 2) next-token log-probabilities of the two answer tokens after the last real token of each text (the
    head runs on the last real positions only when the model has a plain head)."""
    import torch

    from rmbase.forward import direct_head, forward_batches, last_token_index, model_device

    a, b = answer_ids
    parts = direct_head(model)

    def fn(ids, mask):
        last = last_token_index(mask)
        rows = torch.arange(ids.shape[0], device=ids.device)
        if parts is not None:
            decoder, head = parts
            logits = head(decoder(input_ids=ids, attention_mask=mask).last_hidden_state[rows, last])
        else:
            logits = model(input_ids=ids, attention_mask=mask, return_dict=True).logits[rows, last]
        logp = torch.log_softmax(logits.float(), dim=-1)
        return list(logp[:, [a, b]].cpu().numpy().astype(np.float64))

    res = forward_batches(seqs, fn, pad_id=pad_id, device=model_device(model), batch_size=batch_size,
                          distributed=False, on_batch=on_batch)
    return np.stack(res) if res else np.zeros((0, 2))
