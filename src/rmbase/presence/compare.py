"""`rmbase presence compare`: Jensen-Shannon distances between models' document-score distributions.

**Binning.** For each scope (each category, and ``all`` documents) the scores of every model in the comparison are
pooled; the bins are ``bins`` equal-width intervals from the pooled minimum to the pooled maximum (the last bin
closed), the same bins for every model. Each model's histogram over those bins is its distribution; the distance
of two models is ``scipy.spatial.distance.jensenshannon(p, q, base=2)``: 0 for equal histograms, 1 for disjoint
ones. A scope where a model has no document gives no distance (None) for its pairs.

**Sharing rule** (the study's, applied with ``share_family``): a model without scores of its own may reuse the
distribution of the largest scored member of its family (by ``params_b``) that saw the same number of pre-training
tokens (``pretrain_tokens_t``). Shared rows are flagged with the model they come from. Family, size and tokens
come from a models table (the Model-table contract) when given, else from what ``presence score`` recorded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rmbase.errors import InputError

ALL = "all"


@dataclass
class Scored:
    """One model's document scores (``scores``: category, score) and what the sharing rule needs."""

    model: str
    scores: pd.DataFrame
    family: str | None = None
    params_b: float | None = None
    pretrain_tokens_t: float | None = None
    shared_from: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def load_scored(folders: Sequence[str | os.PathLike]) -> list[Scored]:
    from rmbase.presence.summary import corpus_identity, read_scores, read_summary

    out: list[Scored] = []
    seen: dict[str, str] = {}
    first: tuple[str, dict] | None = None
    for folder in folders:
        summary = read_summary(folder)
        identity = corpus_identity(folder, summary)
        if identity is not None and first is None:
            first = (str(folder), identity)
        elif identity is not None and identity != first[1]:
            diff = sorted(k for k in set(identity) | set(first[1]) if identity.get(k) != first[1].get(k))
            raise InputError(f"scored on other documents than {first[0]} (they differ in: {', '.join(diff)}); "
                             "distances between different corpora are not comparable", path=str(folder),
                             expected="presence runs over the same corpus with the same options")
        model = str(summary["model"])
        if model in seen:
            raise InputError(f"model {model!r} appears twice (also in {seen[model]})", path=str(folder),
                             expected="one presence folder per model")
        seen[model] = str(folder)
        out.append(Scored(model, read_scores(folder), summary.get("family"), summary.get("params_b"),
                          summary.get("pretrain_tokens_t"), summary=summary))
    return out


def apply_models_table(scored: list[Scored], models: pd.DataFrame | None) -> list[Scored]:
    """Fill family / params_b / pretrain_tokens_t from a models table (columns model, family, params_b,
    pretrain_tokens_t; ``hf_id`` too when present), matching ids in any spelling."""
    if models is None:
        return scored
    from rmbase.model_ids import ModelIdIndex

    records: dict[str, dict] = {}
    for rec in models.to_dict("records"):
        for col in ("hf_id", "model"):
            if isinstance(rec.get(col), str):
                records.setdefault(rec[col], rec)
    index = ModelIdIndex(records)
    for s in scored:
        hit = index.resolve(s.model)
        rec = None if hit is None else records[hit]
        if rec is not None:
            s.family = rec.get("family", s.family)
            s.params_b = _num(rec.get("params_b"), s.params_b)
            s.pretrain_tokens_t = _num(rec.get("pretrain_tokens_t"), s.pretrain_tokens_t)
    return scored


def _num(value: Any, default: float | None) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(v) else v


def share_sources(scored: list[Scored], models: pd.DataFrame | None) -> dict[str, str]:
    """unscored model -> the scored model whose distribution it reuses (the sharing rule, module docstring)."""
    if models is None:
        return {}
    from rmbase.model_ids import ModelIdIndex

    have = ModelIdIndex(s.model for s in scored)
    out: dict[str, str] = {}
    for rec in models.to_dict("records"):
        name = str(rec["model"])
        family, tokens = rec.get("family"), _num(rec.get("pretrain_tokens_t"), None)
        if name in have or not isinstance(family, str) or tokens is None:
            continue
        donors = [s for s in scored if s.family == family and s.pretrain_tokens_t is not None
                  and math.isclose(s.pretrain_tokens_t, tokens, rel_tol=1e-9)]
        if donors:
            out[name] = max(donors, key=lambda s: (s.params_b or 0.0, s.model)).model
    return out


def with_shared(scored: list[Scored], models: pd.DataFrame | None) -> list[Scored]:
    """``scored`` plus a flagged row for every model the sharing rule fills in."""
    by_name = {s.model: s for s in scored}
    extra = []
    for name, source in share_sources(scored, models).items():
        donor = by_name[source]
        rec = models[models.model.astype(str) == name].iloc[0]
        extra.append(Scored(name, donor.scores, rec.get("family"), _num(rec.get("params_b"), None),
                            _num(rec.get("pretrain_tokens_t"), None), shared_from=source))
    return scored + extra


def shared_edges(samples: Sequence[np.ndarray], bins: int) -> np.ndarray | None:
    """``bins`` equal-width bin edges over the pooled range of ``samples`` (None when all are empty)."""
    pooled = np.concatenate([np.asarray(s, dtype=float) for s in samples]) if samples else np.empty(0)
    if not len(pooled):
        return None
    lo, hi = float(pooled.min()), float(pooled.max())
    if hi <= lo:
        hi = lo + 1e-9
    return np.linspace(lo, hi, bins + 1)


def js_distance(a: np.ndarray, b: np.ndarray, edges: np.ndarray) -> float | None:
    """Jensen-Shannon distance (base 2) between the histograms of ``a`` and ``b`` over ``edges``."""
    from scipy.spatial.distance import jensenshannon

    if not len(a) or not len(b):
        return None
    p, _ = np.histogram(a, bins=edges)
    q, _ = np.histogram(b, bins=edges)
    return float(jensenshannon(p.astype(float), q.astype(float), base=2))


def compare(scored: list[Scored], *, bins: int = 40) -> dict[str, Any]:
    """Pairwise distances per category and over all documents: ``{"bins", "categories", "models", "pairs"}``."""
    if bins < 2:
        raise InputError(f"--bins must be at least 2, got {bins}")
    if len(scored) < 2:
        raise InputError(f"a comparison needs at least two models, got {len(scored)}")
    categories = sorted({str(c) for s in scored for c in s.scores.category.dropna().unique()})
    scopes = {c: [s.scores.score[s.scores.category.astype(str) == c].to_numpy(float) for s in scored]
              for c in categories}
    scopes[ALL] = [s.scores.score.to_numpy(float) for s in scored]
    edges = {scope: shared_edges(samples, bins) for scope, samples in scopes.items()}
    pairs = []
    for i in range(len(scored)):
        for j in range(i + 1, len(scored)):
            row: dict[str, Any] = {"model_a": scored[i].model, "model_b": scored[j].model,
                                   "shared_a": scored[i].shared_from, "shared_b": scored[j].shared_from}
            for scope, samples in scopes.items():
                e = edges[scope]
                row[scope] = None if e is None else js_distance(samples[i], samples[j], e)
            pairs.append(row)
    models = [{"model": s.model, "family": s.family, "params_b": s.params_b,
               "pretrain_tokens_t": s.pretrain_tokens_t, "shared_from": s.shared_from,
               "documents": {scope: int(len(samples[k])) for scope, samples in scopes.items()}}
              for k, s in enumerate(scored)]
    return {"bins": bins, "binning": "equal-width over the pooled range of all models, per scope",
            "categories": categories + [ALL],
            "edges": {k: None if v is None else [float(v[0]), float(v[-1])] for k, v in edges.items()},
            "models": models, "pairs": pairs}


def distance_matrix(result: dict[str, Any], scope: str = ALL) -> pd.DataFrame:
    names = [m["model"] for m in result["models"]]
    mat = pd.DataFrame(0.0, index=names, columns=names)
    for p in result["pairs"]:
        v = np.nan if p[scope] is None else p[scope]
        mat.loc[p["model_a"], p["model_b"]] = mat.loc[p["model_b"], p["model_a"]] = v
    return mat


def compare_folders(folders: Sequence[str | os.PathLike], *, bins: int = 40, share_family: bool = False,
                    models_file: str | os.PathLike | None = None) -> dict[str, Any]:
    from rmbase.io import read_table

    models = read_table(models_file) if models_file is not None else None
    if models is not None:
        missing = [c for c in ("model", "family", "params_b", "pretrain_tokens_t") if c not in models.columns]
        if missing:
            raise InputError("missing column(s) in the models table", path=str(models_file),
                             column=", ".join(missing), expected="model, family, params_b, pretrain_tokens_t")
    if share_family and models is None:
        raise InputError("--share-family needs --models FILE (family, params_b and pretrain_tokens_t of every model)")
    scored = apply_models_table(load_scored(folders), models)
    if share_family:
        scored = with_shared(scored, models)
    result = compare(scored, bins=bins)
    result["share_family"] = share_family
    result["folders"] = [str(Path(f)) for f in folders]
    return result


def pairs_frame(result: dict[str, Any]) -> pd.DataFrame:
    """The pairs as a long table: model_a, model_b, category, jsd, shared_a, shared_b."""
    rows = [{"model_a": p["model_a"], "model_b": p["model_b"], "category": c, "jsd": p[c],
             "shared_a": p["shared_a"], "shared_b": p["shared_b"]}
            for p in result["pairs"] for c in result["categories"]]
    return pd.DataFrame(rows, columns=["model_a", "model_b", "category", "jsd", "shared_a", "shared_b"])
