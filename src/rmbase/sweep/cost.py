"""The GPU-hour estimate of ``rmbase sweep run --dry-run``: parameters x tokens / throughput.

Per cell: training ``6 N T`` FLOPs (forward and backward over ``T`` training tokens, all epochs, capped by
``max_steps``), plus ``2 N V`` per validation pass over ``V`` validation tokens (one per checkpoint), divided by an
effective throughput per GPU (``cost.tflops_per_gpu`` in the config or ``--throughput``; 100 TFLOP/s is about 35-40%
of an H100's dense bf16 peak). Parameters ``N``: the base's ``params_b`` in the config, else the bundled tables
(the study's models, the leaderboard's), else counted from the checkpoint (:func:`rmbase.hf_models.params_b`).
Tokens: ``cost.train_tokens`` in the config, else the characters of the data's texts / 4 (an approximation, stated
in the output).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.sweep.checks import CHARS_PER_TOKEN, Checked
from rmbase.sweep.config import BaseSpec


@dataclass
class CellCost:
    cell: str
    params_b: float
    params_source: str
    train_tokens: float
    steps: int
    gpu_hours: float


def bundled_params(name: str) -> tuple[float, str] | None:
    """params_b of a base the bundled tables know: (value, table) or None."""
    from rmbase.datasets.rm_results import bundled_model

    found = bundled_model(name)
    return None if found is None else (float(found[0]["params_b"]), f"bundled {found[1]}")


def base_params(base: BaseSpec) -> tuple[float, str]:
    if base.params_b is not None:
        return base.params_b, "config"
    for name in filter(None, (base.id, base.name)):
        found = bundled_params(name)
        if found:
            return found
    if base.path or base.id:
        from rmbase.hf_models import params_b

        counted = params_b(base.source, trust_remote_code=base.trust_remote_code)
        if counted is not None:
            return counted, "checkpoint"
    raise InputError(f"cannot tell the size of base {base.display_name!r} (not in the bundled tables, no "
                     "checkpoint config reachable)", column="bases", expected="params_b: in the base's entry")


def estimate(checked: Checked, *, tflops_per_gpu: float | None = None) -> tuple[list[CellCost], dict[str, Any]]:
    """Per-cell costs and a summary ``{cells, gpu_hours, tflops_per_gpu, tokens_source, ...}``."""
    cfg = checked.config
    from rmbase.ranges import THROUGHPUT_TFLOPS, check_value

    tflops = (cfg.cost.tflops_per_gpu if tflops_per_gpu is None
              else check_value(tflops_per_gpu, THROUGHPUT_TFLOPS, where="--throughput"))
    params = {b.display_name: base_params(b) for b in checked.bases}
    approx: list[str] = []
    out: list[CellCost] = []
    for cell in checked.cells:
        train_tokens, val_tokens, n_rows = _tokens(checked, cell.recipe, approx)
        opts = cell.train
        epochs, steps, fraction = _steps(opts, n_rows)
        n = params[cell.base][0] * 1e9
        checkpoints = max(1, math.ceil(steps / opts.eval_steps)) if steps else 1
        flops = 6 * n * train_tokens * epochs * fraction + 2 * n * val_tokens * (checkpoints + 1)
        hours = flops / (tflops * 1e12) / 3600
        out.append(CellCost(cell=cell.id, params_b=params[cell.base][0], params_source=params[cell.base][1],
                            train_tokens=train_tokens * epochs * fraction, steps=steps, gpu_hours=hours))
    summary = {"cells": len(out), "gpu_hours": sum(c.gpu_hours for c in out), "tflops_per_gpu": tflops,
               "tokens": sorted(set(approx)) or ["from cost.train_tokens"],
               "params_sources": {name: src for name, (_, src) in params.items()}}
    return out, summary


def _steps(opts: Any, n_rows: int) -> tuple[float, int, float]:
    """(epochs, optimiser steps, fraction of the epochs done under max_steps) of a cell's TrainConfig: its epochs,
    else its recipe's default."""
    epochs = opts.resolved_epochs
    steps = math.ceil(n_rows * epochs / opts.batch_size) if n_rows else 0
    fraction = 1.0
    if opts.max_steps and steps:
        fraction = min(1.0, opts.max_steps / steps)
        steps = min(steps, opts.max_steps)
    return epochs, steps, fraction


def planned_steps(checked: Checked, recipe: str, opts: Any) -> int:
    """Optimiser steps a cell of ``recipe`` will take (0 when the data cannot be counted)."""
    rows = checked.data_rows.get(recipe, {}).get("train") or checked.config.cost.train_rows.get(recipe, 0)
    return _steps(opts, rows)[1]


def _tokens(checked: Checked, recipe: str, approx: list[str]) -> tuple[float, float, int]:
    cfg = checked.config
    chars = checked.data_chars.get(recipe, {})
    rows = checked.data_rows.get(recipe, {})
    if recipe in cfg.cost.train_tokens:
        train = float(cfg.cost.train_tokens[recipe])
    elif "train" in chars:
        train = chars["train"] / CHARS_PER_TOKEN
        approx.append(f"{recipe}: training tokens ~ characters / {CHARS_PER_TOKEN:g} of "
                      f"{Path(cfg.data[recipe].train).name}")
    else:
        raise InputError(f"cannot count the training tokens of {recipe} ({cfg.data[recipe].train} is not a local "
                         "file)", column=f"cost.train_tokens.{recipe}", expected="tokens per epoch")
    given = cfg.cost.val_tokens.get(recipe)
    val = float(given) if given is not None else chars.get("val", 0) / CHARS_PER_TOKEN
    n_rows = rows.get("train") or cfg.cost.train_rows.get(recipe) or int(train / 512)  # else ~512 tokens a row
    return train, val, n_rows
