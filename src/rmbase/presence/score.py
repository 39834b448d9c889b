"""`rmbase presence score`: the length-normalised log-likelihood of every document of a corpus under one model.

**The score.** A document is tokenized with exactly one BOS (when the tokenizer uses one: see
``rmbase.hf_text.encode_texts_flagged``) and cut to its first ``N = min(max_tokens, length)`` tokens, BOS
included. Its score is ``S(D) = (1 / (N - 1)) * sum_{i=1}^{N-1} log p(t_i | t_<i)``: the mean natural-log
probability of every token after the first. The first token (BOS, or the document's own first token when the
tokenizer adds none) is context only: nothing predicts it, so its "prediction" is never counted. A document with
fewer than two tokens of its own (BOS not counted) is skipped as ``too_short``.

**Shards and resumption.** The corpus is cut, in its own order, into shards of ``shard_size`` records
(``DIR/shards/shard-000000.parquet``, ...). A shard holds every record of its range, scored or skipped with the
reason, and is written atomically (temporary file + rename), so a finished shard is complete and never redone. The
first run writes ``DIR/fingerprint.json`` (model files, corpus files, scoring options); a rerun with a different
fingerprint is an InputError naming the changed keys instead of a silent mix (``restart`` discards the old shards).
The batch size does not enter the fingerprint: scores do not depend on it (up to float rounding, ~1e-6).

**Several GPUs or a cluster.** With ``ray=True`` each unfinished shard is a Ray task (``rmbase.ray_engine.connect``,
the engine of ``rmbase sweep``) that loads the model once per worker and returns its table; the driver writes the
shards, so workers need no shared filesystem.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.presence.config import PresenceConfig
from rmbase.presence.corpus import Corpus, Doc

__all__ = ["PresenceConfig", "score_corpus", "score_docs", "read_shards"]

SHARD_COLUMNS = ("row", "category", "status", "doc_tokens", "n_pred", "truncated", "score")
SKIP_REASONS = ("unparsable", "invalid_utf8", "missing_text", "not_text", "empty", "missing_category",
                "too_short", "bad_bos")


# ----------------------------------------------------------------------------------------------- model

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


def pad_id_for(model: Any, tokenizer: Any) -> int:
    """Any id the embedding has: padding is masked and never read (the tokenizer's pad, else EOS, else 0)."""
    vocab = model.get_input_embeddings().weight.shape[0]
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None and 0 <= int(candidate) < vocab:
            return int(candidate)
    return 0


# ----------------------------------------------------------------------------------------------- scoring

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
    from rmbase.forward import forward_batches, model_device, token_logprobs
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


# ----------------------------------------------------------------------------------------------- shards

def shard_path(out: Path, k: int) -> Path:
    return out / "shards" / f"shard-{k:06d}.parquet"


def write_shard(path: Path, table: pd.DataFrame) -> None:
    """Write a shard atomically: readers (and a resumed run) see a complete shard or none."""
    from rmbase.io import atomic_write_parquet

    atomic_write_parquet(path, table)


def read_shards(out: str | os.PathLike) -> pd.DataFrame:
    files = sorted((Path(out) / "shards").glob("shard-*.parquet"))
    if not files:
        return pd.DataFrame(columns=list(SHARD_COLUMNS))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def shards_of(docs: Iterable[Doc], size: int) -> Iterator[tuple[int, list[Doc]]]:
    batch: list[Doc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield doc.row // size, batch
            batch = []
    if batch:
        yield batch[0].row // size, batch


def fingerprint(cfg: PresenceConfig, corpus: Corpus) -> dict[str, Any]:
    from rmbase.hf_models import default_device, resolve_dtype

    options = {k: getattr(cfg, k) for k in ("max_tokens", "shard_size", "split", "subset")}
    device = cfg.device or default_device()
    options["dtype"] = str(resolve_dtype(cfg.dtype, device)).removeprefix("torch.")
    return {"model": model_fingerprint(cfg), "corpus": corpus.fingerprint(), "options": options}


def prepare_out(cfg: PresenceConfig, fp: dict[str, Any], *, restart: bool = False) -> tuple[Path, bool]:
    """Validate DIR before any work: a new or empty folder, or one this same fingerprint started (resumed); one
    with another fingerprint is refused, naming what changed, unless ``restart`` (:func:`rmbase.io.work_folder`)."""
    from rmbase.io import check_output_path, work_folder

    check_output_path(cfg.out, kind="dir", option="--out")
    return work_folder(cfg.out, fp, restart=restart, what="presence run")


def score_corpus(cfg: PresenceConfig, *, progress: Callable[[str], None] | None = None,
                 restart: bool = False) -> dict[str, Any]:
    """Score the corpus into DIR/shards, resuming finished shards; write and return DIR/summary.json. A DIR of a
    run with other options is refused unless ``restart`` (which discards its shards)."""
    from rmbase.config import write_resolved
    from rmbase.hf_models import check_model_source
    from rmbase.io import atomic_write_json
    from rmbase.presence.summary import summarize

    say = progress or (lambda _m: None)
    check_model_source(cfg.model)
    corpus = Corpus(cfg.corpus, text_field=cfg.text_field, category_field=cfg.category_field, split=cfg.split,
                    subset=cfg.subset, revision=cfg.corpus_revision, limit=cfg.limit)
    corpus.check()
    fp = fingerprint(cfg, corpus)
    created = not Path(cfg.out).exists()
    out, resumed = prepare_out(cfg, fp, restart=restart)
    try:
        model = None if resumed or cfg.ray else load_model(cfg)  # a model that cannot be scored: refused
        write_resolved(cfg, out / "config.yaml")
        pending = ((k, docs) for k, docs in shards_of(corpus, cfg.shard_size) if not shard_path(out, k).is_file())
        done = _run_ray(cfg, pending, out, say) if cfg.ray else _run_local(cfg, pending, out, say, model)
        say(f"{done} shard(s) scored" + (" (resumed: finished shards kept)" if resumed else ""))
        table = read_shards(out)
        if not (table.status == "ok").any():
            raise InputError(f"no document could be scored ({_skip_text(table)})", path=cfg.corpus)
    except InputError:
        if not resumed:  # a refused first run leaves the folder as it found it (a resumed one keeps its state)
            _undo_fresh_run(out, created)
        raise
    summary = summarize(table, cfg, fp)
    atomic_write_json(out / "summary.json", summary)
    return summary


def _skip_text(table: pd.DataFrame) -> str:
    counts = table.status.value_counts()
    return ", ".join(f"{k}: {int(v)}" for k, v in counts.items()) or "the corpus is empty"


def _undo_fresh_run(out: Path, created: bool) -> None:
    """Remove what a refused first run wrote into ``out`` (which was new or empty before it)."""
    import shutil

    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for name in ("fingerprint.json", "config.yaml"):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
    shutil.rmtree(out / "shards", ignore_errors=True)


def _run_local(cfg: PresenceConfig, pending, out: Path, say, loaded: tuple[Any, Any] | None = None) -> int:
    model, tok = loaded or (None, None)
    done = 0
    for k, docs in pending:
        if model is None:
            model, tok = load_model(cfg)
        write_shard(shard_path(out, k), score_docs(model, tok, docs, max_tokens=cfg.max_tokens,
                                                   batch_tokens=cfg.batch_tokens,
                                                   max_batch_size=cfg.max_batch_size))
        done += 1
        say(f"shard {k} done ({len(docs)} records)")
    return done


_WORKER_MODELS: dict[str, tuple[Any, Any]] = {}


def _score_shard_task(cfg_dict: dict, docs: list[Doc]) -> pd.DataFrame:
    """A Ray task: the model is loaded once per worker process and kept for the next shards."""
    cfg = PresenceConfig(**cfg_dict)
    key = json.dumps(model_fingerprint(cfg), sort_keys=True) + str(cfg.dtype) + str(cfg.device)
    if key not in _WORKER_MODELS:
        _WORKER_MODELS.clear()
        _WORKER_MODELS[key] = load_model(cfg)
    model, tok = _WORKER_MODELS[key]
    return score_docs(model, tok, docs, max_tokens=cfg.max_tokens, batch_tokens=cfg.batch_tokens,
                      max_batch_size=cfg.max_batch_size)


def _run_ray(cfg: PresenceConfig, pending, out: Path, say) -> int:
    from rmbase.ray_engine import connect

    ray = connect(cfg.address)
    task = ray.remote(num_cpus=1, num_gpus=cfg.gpus_per_task)(_score_shard_task)
    slots = max(1, int(ray.available_resources().get("GPU" if cfg.gpus_per_task else "CPU", 1)))
    cfg_dict = cfg.to_dict()
    in_flight: dict[Any, int] = {}
    done = 0

    def collect(block: bool) -> None:
        nonlocal done
        ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=None if block else 0)
        for ref in ready:
            k = in_flight.pop(ref)
            write_shard(shard_path(out, k), ray.get(ref))
            done += 1
            say(f"shard {k} done (Ray)")

    for k, docs in pending:
        in_flight[task.remote(cfg_dict, docs)] = k
        while len(in_flight) >= 2 * slots:
            collect(True)
    while in_flight:
        collect(True)
    return done
