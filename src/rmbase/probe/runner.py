"""``rmbase probe``: run the probes of one base on preference pairs and write ``results.json`` (one record per
probe: accuracy, CI, n, wall time, tokens), ``pairs.jsonl`` (per-pair results), ``config.yaml`` (the resolved config).

Work is cached per chunk of pairs under ``<out>/cache/`` (see :mod:`rmbase.probe.cache`), so an interrupted run
resumes, and a later run with other probes or CV options reuses the forward passes; a run that changes what the
forward passes depend on is refused unless ``restart``. The result
files appear together at the end (staged write).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rmbase.errors import InputError
from rmbase.forward import pad_id_for
from rmbase.io import atomic_write_json, atomic_write_text, staged_output_dir
from rmbase.probe import data as D
from rmbase.probe import fit as F
from rmbase.probe.cache import ChunkCache, rows_key
from rmbase.probe.config import ProbeConfig

PACKAGES = ("rmbase", "numpy", "scipy", "scikit-learn", "torch", "transformers", "tokenizers", "safetensors")


def check_output(out: Path) -> None:
    """An output folder that can be written (checked before any work; see :func:`rmbase.io.check_output_path`)."""
    from rmbase.io import check_output_path

    check_output_path(out, kind="dir", option="--out")


def _tokenizer(cfg: ProbeConfig) -> tuple[Any, bool]:
    """(tokenizer, whether the base has a chat template of its own)."""
    from rmbase.hf_text import load_tokenizer

    kw = {"revision": cfg.revision, "trust_remote_code": cfg.trust_remote_code}
    try:
        tok, own = load_tokenizer(cfg.model, **kw), True
    except InputError as exc:
        if cfg.chat_template is None or "no chat template" not in str(exc):
            raise
        own = False
    if cfg.chat_template is not None:
        tok = load_tokenizer(cfg.model, chat_template=cfg.chat_template, **kw)
    return tok, own


class _Ticker:
    """Signs of life inside a pass: a line through ``say`` at most every ``every`` seconds (``done/total``
    sequences, with the time left at the pace so far), so that a pass of one chunk is not minutes of silence."""

    def __init__(self, say: Callable[[str], None], what: str, total: int, every: float = 5.0):
        self.say, self.what, self.total, self.every = say, what, total, every
        self.done, self.t0, self.last = 0, time.monotonic(), time.monotonic()

    def batches(self, n_seqs: int) -> Callable[[int, int], None]:
        """An ``on_batch(done, total)`` for a pass over ``n_seqs`` sequences (batches counted by forward_batches)."""
        base = self.done

        def tick(done: int, total: int) -> None:
            self.done = base + n_seqs * done // max(total, 1)
            now = time.monotonic()
            if now - self.last >= self.every:
                left = (self.total - self.done) * (now - self.t0) / max(self.done, 1)
                self.say(f"{self.what}: {self.done}/{self.total} sequences ({now - self.t0:.0f} s, about "
                         f"{left:.0f} s left)")
                self.last = now

        return tick


def _chunks(n: int, size: int) -> list[range]:
    return [range(s, min(s + size, n)) for s in range(0, n, size)]


def run_probes(cfg: ProbeConfig, *, progress: Callable[[str], None] | None = None,
               restart: bool = False) -> dict[str, Any]:
    """Run the configured probes; returns the dict written to ``<out>/results.json``. A cache of a run with other
    forward-pass options is refused unless ``restart`` (which discards it)."""
    from rmbase.hf_text import template_sha256
    from rmbase.probe import forward as W
    from rmbase.provenance import provenance

    say = progress or (lambda _m: None)
    t_start = time.perf_counter()
    out = Path(cfg.out)
    check_output(out)
    from rmbase.hf_models import check_device

    check_device(cfg.device)  # before the pairs are read or a model loaded
    pairs = D.load_probe_pairs(cfg.pairs, n_pairs=cfg.n_pairs, seed=cfg.seed, min_pairs=cfg.min_pairs())
    say(f"{len(pairs)} pairs from {pairs.source} (read {pairs.report['rows_read']}, dropped "
        f"{pairs.report['dropped'] or 'none'})")
    if cfg.threads is not None:
        import torch

        torch.set_num_threads(cfg.threads)
    tok, own_template = _tokenizer(cfg)
    model, kind = W.load_base(cfg.model, dtype=cfg.dtype, device=cfg.device, revision=cfg.revision,
                              trust_remote_code=cfg.trust_remote_code)
    dtype = str(next(model.parameters()).dtype).replace("torch.", "")
    max_pos = getattr(model.config, "max_position_embeddings", None)
    if cfg.max_length is None:  # resolved here, and written so into config.yaml
        cfg = cfg.model_copy(update={"max_length": min(2048, max_pos) if isinstance(max_pos, int) else 2048})
    if isinstance(max_pos, int) and cfg.max_length > max_pos:
        raise InputError(f"--max-length {cfg.max_length} is more than the {max_pos} positions the model has",
                         path=cfg.model, expected=f"--max-length at most {max_pos}")
    judge_length = min(2 * cfg.max_length, max_pos) if isinstance(max_pos, int) else 2 * cfg.max_length
    pad = pad_id_for(model, tok)
    answers = D.answer_token_ids(tok)
    not_applicable: dict[str, str] = {}
    if kind != W.CAUSAL_LM:
        not_applicable["likelihood"] = not_applicable["judge"] = f"the base is an {kind}, not a causal LM"
    elif not own_template:
        not_applicable["judge"] = "the base has no chat template of its own (it was not tuned to follow a chat)"
    elif answers is None:
        not_applicable["judge"] = "the answer letters A and B are not single distinct tokens of this tokenizer"
    wanted = [p for p in cfg.probes if p not in not_applicable]
    n = len(pairs)
    key = {"model": cfg.model, "revision": cfg.revision, "data": pairs.sha256, "rows": rows_key(pairs.rows),
           "template": template_sha256(tok), "dtype": dtype, "max_length": cfg.max_length,
           "truncation": cfg.truncation, "kind": kind}
    cache = ChunkCache(out / "cache", key, restart=restart)
    counts: dict[str, Any] = {"texts_truncated": 0, "judge_texts_truncated": 0}
    feats: dict[str, np.ndarray] = {}
    forward = {"seconds": 0.0, "tokens": 0, "resumed_chunks": 0, "chunks": 0}
    if {"frozen_bt", "likelihood"} & set(wanted):
        prompts2 = [p for p in pairs.prompts for _ in (0, 1)]
        responses2 = [r for c, j in zip(pairs.chosen, pairs.rejected, strict=True) for r in (c, j)]
        ids, starts, flags = D.encode_with_response_start(tok, prompts2, responses2, max_length=cfg.max_length,
                                                          truncation=cfg.truncation)
        counts["texts_truncated"] = int(sum(flags))
        counts["pairs_with_a_truncated_text"] = int(np.sum(np.array(flags).reshape(n, 2).any(axis=1)))
        parts = []
        ticker = _Ticker(say, "forward pass", 2 * n)
        for c, rng in enumerate(_chunks(n, cfg.chunk_pairs)):
            seq_idx = [2 * i + s for i in rng for s in (0, 1)]
            rk = rows_key([pairs.rows[i] for i in rng])
            got = cache.load("features", c, rk)
            if got is None:
                t0 = time.perf_counter()
                got = W.feature_pass(model, kind, [ids[i] for i in seq_idx], [starts[i] for i in seq_idx],
                                     batch_size=cfg.batch_size, pad_id=pad, on_batch=ticker.batches(len(seq_idx)))
                got["seconds"] = np.array(time.perf_counter() - t0)
                got["tokens"] = np.array(sum(len(ids[i]) for i in seq_idx))
                cache.save("features", c, rk, got)
                say(f"forward pass: chunk {c + 1}/{len(_chunks(n, cfg.chunk_pairs))} "
                    f"({float(got['seconds']):.1f} s)")
            else:
                forward["resumed_chunks"] += 1
            forward["seconds"] += float(got["seconds"])
            forward["tokens"] += int(got["tokens"])
            forward["chunks"] += 1
            parts.append(got)
        feats = {k: np.concatenate([p[k] for p in parts]) for k in ("hidden", "lp_sum", "lp_n")}
    judge_logp, judge_fwd = None, {"seconds": 0.0, "tokens": 0, "resumed_chunks": 0, "chunks": 0}
    if "judge" in wanted:
        judge_logp = _judge_pass(cfg, tok, model, pairs, answers, pad, cache, counts, judge_fwd, say,
                                 judge_length)
    results = _results(cfg, pairs, feats, judge_logp, forward, judge_fwd, not_applicable, counts)
    per_pair = _per_pair(pairs, results.pop("_per_pair"))
    record = {"model": cfg.model, "model_id": cfg.model_id, "kind": kind, "dtype": dtype,
              "chat_template": cfg.chat_template or "tokenizer", "own_chat_template": own_template,
              "template_sha256": template_sha256(tok), "answer_token_ids": answers,
              "data": {**pairs.report, **counts}, "probes": results,
              "cache": {"fingerprint": cache.fingerprint, "features": forward, "judge": judge_fwd},
              "total_seconds": time.perf_counter() - t_start,
              "provenance": provenance(config=cfg.to_dict(), data={pairs.source: pairs.sha256},
                                       seeds={"seed": cfg.seed}, packages=PACKAGES)}
    with staged_output_dir(out) as stage:
        atomic_write_text(stage / "pairs.jsonl", "".join(json.dumps(r) + "\n" for r in per_pair))
        atomic_write_text(stage / "config.yaml", cfg.to_yaml())
        atomic_write_json(stage / "results.json", record)
    return record


def _judge_pass(cfg, tok, model, pairs, answers, pad, cache, counts, stats, say, max_length) -> np.ndarray:
    from rmbase.hf_text import encode_texts_flagged
    from rmbase.probe import forward as W

    n = len(pairs)
    first = D.judge_texts(tok, pairs.prompts, pairs.chosen, pairs.rejected)    # chosen shown as A
    second = D.judge_texts(tok, pairs.prompts, pairs.rejected, pairs.chosen)   # chosen shown as B
    texts = [t for pair in zip(first, second, strict=True) for t in pair]
    ids, flags = encode_texts_flagged(tok, texts, max_length=max_length,
                                      truncation="error" if cfg.truncation == "error" else "left")
    counts["judge_texts_truncated"] = int(sum(flags))
    parts = []
    chunks = _chunks(n, cfg.chunk_pairs)
    ticker = _Ticker(say, "judge pass", 2 * n)
    for c, rng in enumerate(chunks):
        seq_idx = [2 * i + s for i in rng for s in (0, 1)]
        rk = rows_key([pairs.rows[i] for i in rng]) + f"-judge{D.JUDGE_VERSION}-{answers[0]}-{answers[1]}-{max_length}"
        got = cache.load("judge", c, rk)
        if got is None:
            t0 = time.perf_counter()
            got = {"logp": W.answer_pass(model, [ids[i] for i in seq_idx], answers, batch_size=cfg.batch_size,
                                         pad_id=pad, on_batch=ticker.batches(len(seq_idx)))}
            got["seconds"] = np.array(time.perf_counter() - t0)
            got["tokens"] = np.array(sum(len(ids[i]) for i in seq_idx))
            cache.save("judge", c, rk, got)
            say(f"judge pass: chunk {c + 1}/{len(chunks)} ({float(got['seconds']):.1f} s)")
        else:
            stats["resumed_chunks"] += 1
        stats["seconds"] += float(got["seconds"])
        stats["tokens"] += int(got["tokens"])
        stats["chunks"] += 1
        parts.append(got["logp"])
    return np.concatenate(parts)


def _results(cfg, pairs, feats, judge_logp, forward, judge_fwd, not_applicable, counts) -> dict[str, Any]:
    res: dict[str, Any] = {}
    per_pair: dict[str, np.ndarray] = {}
    n = len(pairs)
    for name in cfg.probes:
        if name in not_applicable:
            res[name] = {"applicable": False, "reason": not_applicable[name], "accuracy": None, "n": 0}
            continue
        t0 = time.perf_counter()
        if name == "frozen_bt":
            h = feats["hidden"].reshape(n, 2, -1)
            r = F.frozen_bt(h[:, 0], h[:, 1], folds=cfg.folds, inner_folds=cfg.inner_folds, n_cs=cfg.n_cs,
                            n_boot=cfg.bootstrap, seed=cfg.seed)
            per_pair["frozen_bt_margin"] = r.pop("margins")
            shared = forward
        elif name == "likelihood":
            s, k = feats["lp_sum"].reshape(n, 2), feats["lp_n"].reshape(n, 2)
            r = F.likelihood(s[:, 0], k[:, 0], s[:, 1], k[:, 1], n_boot=cfg.bootstrap, seed=cfg.seed)
            per_pair["likelihood_chosen"], per_pair["likelihood_rejected"] = r.pop("mean_chosen"), r.pop("mean_rejected")
            shared = forward
        else:
            lp = judge_logp.reshape(n, 2, 2)
            r = F.judge(lp[:, 0], lp[:, 1], n_boot=cfg.bootstrap, seed=cfg.seed)
            per_pair["judge_p_chosen"] = r.pop("p_chosen")
            shared = judge_fwd
        fit_s = time.perf_counter() - t0
        res[name] = {"applicable": True, **r, "forward_seconds": shared["seconds"], "fit_seconds": fit_s,
                     "wall_seconds": shared["seconds"] + fit_s, "tokens": shared["tokens"],
                     "forward_shared_with": [p for p in ("frozen_bt", "likelihood")
                                             if p != name and p in cfg.probes and p not in not_applicable]
                     if name != "judge" else []}
    res["_per_pair"] = per_pair
    return res


def _per_pair(pairs: D.ProbePairs, arrays: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    def num(v: Any) -> float | None:
        v = float(v)
        return None if not np.isfinite(v) else v

    return [{"row": row, **{k: num(a[i]) for k, a in arrays.items()}} for i, row in enumerate(pairs.rows)]
