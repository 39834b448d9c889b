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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from rmbase.errors import InputError
from rmbase.presence.config import PresenceConfig
from rmbase.presence.corpus import Corpus
from rmbase.presence.executors import run_local, run_ray
from rmbase.presence.scoring import load_model, model_fingerprint, score_docs
from rmbase.presence.shards import read_shards, shard_path, shards_of

__all__ = ["PresenceConfig", "score_corpus", "score_docs", "read_shards"]


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
    if not cfg.ray:  # scored here: the device must exist here (Ray workers check their own)
        from rmbase.hf_models import check_device

        check_device(cfg.device)
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
        done = run_ray(cfg, pending, out, say) if cfg.ray else run_local(cfg, pending, out, say, model)
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
