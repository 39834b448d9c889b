"""Where the shards of a presence run are scored: in this process (:func:`run_local`), or as Ray tasks that load the
model once per worker (:func:`run_ray`; the driver writes the shards, so workers need no shared filesystem)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from rmbase.presence import scoring, shards
from rmbase.presence.config import PresenceConfig
from rmbase.presence.corpus import Doc


def run_local(cfg: PresenceConfig, pending, out: Path, say, loaded: tuple[Any, Any] | None = None) -> int:
    model, tok = loaded or (None, None)
    done = 0
    for k, docs in pending:
        if model is None:
            model, tok = scoring.load_model(cfg)
        shards.write_shard(shards.shard_path(out, k), scoring.score_docs(model, tok, docs, max_tokens=cfg.max_tokens,
                                                   batch_tokens=cfg.batch_tokens,
                                                   max_batch_size=cfg.max_batch_size))
        done += 1
        say(f"shard {k} done ({len(docs)} records)")
    return done


_WORKER_MODELS: dict[str, tuple[Any, Any]] = {}


def _score_shard_task(cfg_dict: dict, docs: list[Doc]) -> pd.DataFrame:
    """A Ray task: the model is loaded once per worker process and kept for the next shards."""
    cfg = PresenceConfig(**cfg_dict)
    key = json.dumps(scoring.model_fingerprint(cfg), sort_keys=True) + str(cfg.dtype) + str(cfg.device)
    if key not in _WORKER_MODELS:
        _WORKER_MODELS.clear()
        _WORKER_MODELS[key] = scoring.load_model(cfg)
    model, tok = _WORKER_MODELS[key]
    return scoring.score_docs(model, tok, docs, max_tokens=cfg.max_tokens, batch_tokens=cfg.batch_tokens,
                      max_batch_size=cfg.max_batch_size)


def run_ray(cfg: PresenceConfig, pending, out: Path, say) -> int:
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
            shards.write_shard(shards.shard_path(out, k), ray.get(ref))
            done += 1
            say(f"shard {k} done (Ray)")

    for k, docs in pending:
        in_flight[task.remote(cfg_dict, docs)] = k
        while len(in_flight) >= 2 * slots:
            collect(True)
    while in_flight:
        collect(True)
    return done
