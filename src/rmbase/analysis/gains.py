"""Gains over the default choice (the study's Figure 1 / Section 3): within each size group, how much better the
best base is than the group's default (the Llama-3.x model of the group)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.datasets import STUDY_DEFAULT_BASES
from rmbase.errors import InputError

# (label, lower bound inclusive, upper bound exclusive) in billions of parameters
SIZE_GROUPS = (("<3B", 0.0, 3.0), ("3-6B", 3.0, 6.0), (">=6B", 6.0, np.inf))


GROUP_LABELS = tuple(label for label, _, _ in SIZE_GROUPS)


def parse_size_default(item: str) -> tuple[str, str]:
    """``GROUP=MODEL`` (``--default '>=6B=gemma-2-9b-it'``): the group is one of :data:`GROUP_LABELS`, matched as a
    prefix (a label may itself hold '='), the model is the rest."""
    text = item.strip()
    for label in sorted(GROUP_LABELS, key=len, reverse=True):
        if text.startswith(label + "="):
            model = text[len(label) + 1:].strip()
            if model:
                return label, model
    raise InputError(f"--default {item!r}", expected=f"GROUP=MODEL with GROUP one of {', '.join(GROUP_LABELS)}")


def check_defaults(defaults: dict[str, str]) -> None:
    """Every key a size group: an unknown group (``<9B``) is an error, never an override that is silently unused."""
    unknown = [g for g in defaults if g not in GROUP_LABELS]
    if unknown:
        raise InputError(f"unknown size group(s) {', '.join(map(repr, unknown))} in the default models",
                         expected=f"groups {', '.join(GROUP_LABELS)}")


def size_group(params_b: float) -> str:
    for label, lo, hi in SIZE_GROUPS:
        if lo <= params_b < hi:
            return label
    raise ValueError(f"params_b must be >= 0, got {params_b}")


def gains_over_default(scores: pd.Series, params_b: pd.Series, defaults: dict[str, str] | None = None
                       ) -> tuple[list[dict], list[dict]]:
    """Per group: default and best model, both scores, gain in points and percent; and each model's gain over its
    group's default. ``scores`` and ``params_b`` are indexed by model. A group without its default is skipped in the
    group rows (and its models get no per-model gain); a default that is not in the data is an error."""
    defaults = dict(STUDY_DEFAULT_BASES if defaults is None else defaults)
    check_defaults(defaults)
    frame = pd.DataFrame({"score": scores, "params_b": params_b.reindex(scores.index)})
    frame["group"] = frame.params_b.map(size_group)
    rows, per_model = [], []
    for label, _, _ in SIZE_GROUPS:
        members = frame[frame.group == label]
        if members.empty:
            continue
        default = defaults.get(label)
        if default is None:
            continue
        if default not in frame.index:
            raise InputError(f"default model {default!r} of size group {label} has no result",
                             expected=f"one of {', '.join(members.index[:8])}")
        if frame.loc[default, "group"] != label:
            raise InputError(f"default model {default!r} ({frame.loc[default, 'params_b']}B) is not in size group {label}")
        d_score = float(frame.loc[default, "score"])
        best = members.score.idxmax()  # first maximum in input order
        b_score = float(members.loc[best, "score"])
        rows.append({"group": label, "n_models": int(len(members)), "default_model": default, "best_model": best,
                     "default_score": d_score, "best_score": b_score, "gain_points": round(b_score - d_score, 6),
                     "gain_percent": round(100 * (b_score - d_score) / d_score, 6)})
        for model, s in members.score.items():
            per_model.append({"model": model, "group": label, "default_model": default, "score": float(s),
                              "gain_points": round(float(s) - d_score, 6),
                              "gain_percent": round(100 * (float(s) - d_score) / d_score, 6)})
    return rows, per_model
