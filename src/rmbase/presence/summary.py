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
    from rmbase.presence.shards import read_shards

    summary = read_summary(folder)
    table = read_shards(folder)
    expected = (summary.get("documents") or {}).get("records")
    if isinstance(expected, int) and not isinstance(expected, bool):
        rows = set(table.row.astype(int)) if len(table) else set()
        if len(table) != expected or rows != set(range(expected)):
            lost = expected - len(rows & set(range(expected)))
            raise InputError(f"summary.json counts {expected} record(s) but the shards hold {len(table)} "
                             f"({lost} missing: a shard was lost or replaced)", path=str(Path(folder) / "shards"),
                             expected="every shard of the run (rerun `rmbase presence score` with the same options "
                                      "to redo the missing ones)")
    return table[table.status == "ok"][["row", "category", "score", "n_pred"]].reset_index(drop=True)


def corpus_identity(folder: str | os.PathLike, summary: dict[str, Any]) -> dict[str, Any] | None:
    """What makes two runs' documents the same: the corpus files' contents (or the Hub dataset), the fields read,
    the record limit and ``max_tokens``; None when the folder does not record its corpus."""
    from rmbase.io import CORRUPT, FINGERPRINT_NAME, read_checked

    path = Path(folder) / FINGERPRINT_NAME
    if not path.is_file():
        return None
    data = read_checked(path)
    if data is CORRUPT:  # a folder of an rmbase before checksummed fingerprints: plain JSON
        try:
            plain = json.loads(path.read_text(encoding="utf-8"))
            data = plain if isinstance(plain, dict) and "corpus" in plain and "sha256" not in plain else CORRUPT
        except (OSError, ValueError):
            pass
    try:
        if data is CORRUPT:
            raise ValueError("the file does not verify (damaged or edited)")
        corpus = dict(data["corpus"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read the corpus fingerprint: {exc}", path=str(path)) from exc
    if "files" in corpus:  # the contents identify a file, not its name
        corpus["files"] = sorted(str(f.get("sha256")) for f in corpus["files"] if isinstance(f, dict))
    corpus["max_tokens"] = summary.get("max_tokens")
    return corpus
