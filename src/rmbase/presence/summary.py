"""DIR/summary.json of a presence run: per-category statistics of the document scores, skips, provenance."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
DEFINITION = ("S(D) = mean of log p(t_i | t_<i) (natural log) over i = 1..N-1 of the document's first "
              "N = min(max_tokens, length) tokens, BOS included when the tokenizer uses one; the first token is "
              "context only (nothing predicts it)")


def stats(scores: np.ndarray, tokens: np.ndarray) -> dict[str, Any]:
    """count, mean, std (ddof 1; 0 for one document), min, quantiles, max, tokens (predicted tokens)."""
    scores = np.asarray(scores, dtype=float)
    if not len(scores):
        return {"count": 0, "mean": None, "std": None, "min": None, "max": None,
                "quantiles": dict.fromkeys(map(str, QUANTILES)), "tokens": 0}
    return {"count": int(len(scores)), "mean": float(scores.mean()),
            "std": float(scores.std(ddof=1)) if len(scores) > 1 else 0.0,
            "min": float(scores.min()), "max": float(scores.max()),
            "quantiles": {str(q): float(v) for q, v in zip(QUANTILES, np.quantile(scores, QUANTILES), strict=True)},
            "tokens": int(np.asarray(tokens).sum())}


def summarize(table: pd.DataFrame, cfg: Any, fp: dict[str, Any]) -> dict[str, Any]:
    from rmbase.provenance import provenance

    ok = table[table.status == "ok"]
    categories = {str(c): {**stats(g.score.to_numpy(), g.n_pred.to_numpy()),
                           "truncated": int(g.truncated.sum())}
                  for c, g in sorted(ok.groupby("category"), key=lambda kv: str(kv[0]))}
    skipped = table[table.status != "ok"]
    per_reason = {str(k): int(v) for k, v in skipped.status.value_counts().sort_index().items()}
    per_category = {str(c): {str(k): int(v) for k, v in g.status.value_counts().sort_index().items()}
                    for c, g in skipped.dropna(subset=["category"]).groupby("category")}
    corpus = fp["corpus"]
    data = ({f["name"]: f["sha256"] for f in corpus["files"]} if "files" in corpus
            else {corpus["hub"]: f"hub revision {corpus.get('revision') or 'default'}"})
    return {
        "model": cfg.name or cfg.model,
        "family": cfg.family,
        "params_b": cfg.params_b,
        "pretrain_tokens_t": cfg.pretrain_tokens_t,
        "definition": DEFINITION,
        "max_tokens": cfg.max_tokens,
        "documents": {"records": int(len(table)), "scored": int(len(ok)), "skipped": int(len(skipped)),
                      "truncated": int(ok.truncated.sum())},
        "categories": categories,
        "all": stats(ok.score.to_numpy(), ok.n_pred.to_numpy()),
        "skipped": per_reason,
        "skipped_by_category": per_category,
        "provenance": provenance(config=cfg.to_dict(), data=data, model=fp["model"], options=fp["options"],
                                 packages=("rmbase", "numpy", "pandas", "torch", "transformers", "pyarrow")),
    }


def read_summary(folder: str | os.PathLike) -> dict[str, Any]:
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise InputError("no summary.json: not a finished presence run", path=str(folder),
                         expected="a folder written by `rmbase presence score`")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc
    if not isinstance(summary, dict) or "categories" not in summary or "model" not in summary:
        raise InputError("not a presence summary", path=str(path), expected="model and categories")
    return summary


def read_scores(folder: str | os.PathLike) -> pd.DataFrame:
    """The scored documents of a finished run (category, score, n_pred)."""
    from rmbase.presence.score import read_shards

    read_summary(folder)
    table = read_shards(folder)
    return table[table.status == "ok"][["row", "category", "score", "n_pred"]].reset_index(drop=True)
