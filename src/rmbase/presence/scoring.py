"""Scoring documents with one causal LM (the score of ``rmbase presence score``; see :mod:`rmbase.presence.score`):
the model's fingerprint, loading it, encoding with exactly one BOS, and the batched log-likelihoods on the
ground-floor forward pass (:mod:`rmbase.forward`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.presence.config import PresenceConfig
from rmbase.presence.corpus import Doc
from rmbase.presence.shards import SHARD_COLUMNS

SKIP_REASONS = ("unparsable", "invalid_utf8", "missing_text", "not_text", "empty", "missing_category",
                "bad_category", "too_short", "bad_bos")


def model_fingerprint(cfg: PresenceConfig) -> dict[str, Any]:
    """The model's identity: a local folder's config and weight files (name, size, sha256 of the first and last
    4 MiB: cheap for large checkpoints), or the Hub id and revision."""
    path = Path(cfg.model).expanduser()
    record: dict[str, Any] = {"source": cfg.model, "revision": cfg.revision, "gguf_file": cfg.gguf_file}
    if path.is_dir():
        files = []
        for f in sorted(path.iterdir()):
            if f.is_file() and (f.suffix in (".safetensors", ".gguf", ".json") or f.name == "tokenizer.model"):
                files.append({"name": f.name, "bytes": f.stat().st_size, "sha256_ends": _quick_hash(f)})
        record["files"] = files
    return record


def _quick_hash(path: Path, block: int = 4 << 20) -> str:
    import hashlib

    h = hashlib.sha256()
    size = path.stat().st_size
    with open(path, "rb") as f:
        h.update(f.read(block))
        if size > 2 * block:
            f.seek(size - block)
        h.update(f.read(block))
    return h.hexdigest()


def load_model(cfg: PresenceConfig) -> tuple[Any, Any]:
    from rmbase import hf_models as H
    from rmbase import hf_text as T

    if cfg.threads is not None:
        import torch

        torch.set_num_threads(cfg.threads)
    tok = T.load_lm_tokenizer(cfg.model, revision=cfg.revision, trust_remote_code=cfg.trust_remote_code,
                              gguf_file=cfg.gguf_file)
    model = H.load_causal_lm(cfg.model, dtype=cfg.dtype, device=cfg.device, revision=cfg.revision,
                             trust_remote_code=cfg.trust_remote_code, gguf_file=cfg.gguf_file)
    return model, tok


def _encode(tokenizer: Any, texts: list[str], max_tokens: int) -> tuple[list[list[int] | None], list[bool]]:
    """Ids with one BOS cut to ``max_tokens`` (right truncation); None for a text the BOS rule rejects."""
    from rmbase.hf_text import encode_texts_flagged

    try:
        ids, flags = encode_texts_flagged(tokenizer, texts, max_length=max_tokens, truncation="right")
        return list(ids), flags
    except InputError:  # a text that starts with two BOS tokens: find it, keep the others
        out: list[list[int] | None] = []
        cut: list[bool] = []
        for text in texts:
            try:
                one, flag = encode_texts_flagged(tokenizer, [text], max_length=max_tokens, truncation="right")
                out.append(one[0])
                cut.append(flag[0])
            except InputError:
                out.append(None)
                cut.append(False)
        return out, cut


def score_docs(model: Any, tokenizer: Any, docs: list[Doc], *, max_tokens: int, batch_tokens: int | None = None,
               max_batch_size: int | None = None) -> pd.DataFrame:
    """One shard's table (:data:`SHARD_COLUMNS`): every record of ``docs``, scored or skipped with its reason.
    ``batch_tokens`` None: :func:`rmbase.presence.config.default_batch_tokens` of the model's device."""
    from rmbase.forward import forward_batches, model_device, pad_id_for, token_logprobs
    from rmbase.hf_text import tokenizer_adds_bos

    n = len(docs)
    status = [d.problem or "ok" for d in docs]
    doc_tokens = np.full(n, -1, dtype=np.int64)
    n_pred = np.zeros(n, dtype=np.int64)
    truncated = np.zeros(n, dtype=bool)
    score = np.full(n, np.nan)
    todo = [i for i in range(n) if docs[i].problem is None]
    ids, cut = _encode(tokenizer, [docs[i].text for i in todo], max_tokens) if todo else ([], [])
    bos = 1 if tokenizer_adds_bos(tokenizer) else 0
    run: list[int] = []
    seqs: list[list[int]] = []
    for i, seq, flag in zip(todo, ids, cut, strict=True):
        if seq is None:
            status[i] = "bad_bos"
            continue
        own = len(seq) - bos
        doc_tokens[i], truncated[i] = own, flag
        if own < 2:
            status[i] = "too_short"
            continue
        run.append(i)
        seqs.append(seq)
    if seqs:
        from rmbase.presence.config import default_batch_tokens

        device = model_device(model)
        lps = forward_batches(seqs, token_logprobs(model), pad_id=pad_id_for(model, tokenizer), device=device,
                              batch_tokens=batch_tokens or default_batch_tokens(device.type),
                              max_batch_size=max_batch_size, distributed=False)  # parallel = shards (Ray)
        for i, lp in zip(run, lps, strict=True):
            n_pred[i] = len(lp)
            score[i] = float(np.mean(lp))
    return pd.DataFrame({"row": [d.row for d in docs], "category": [d.category for d in docs], "status": status,
                         "doc_tokens": doc_tokens, "n_pred": n_pred, "truncated": truncated, "score": score},
                        columns=list(SHARD_COLUMNS))
