"""Presence scores as predictors: per-category means become features ``presence_<category>``, and their value is
judged the way the study judged it, by the error of predicting the RM score with and without them.

:func:`presence_table` builds the features (models x ``presence_<category>``) from presence folders, with the
sharing rule when asked; :func:`join_presence` joins them to any feature matrix (the study's, the selection
room's) by model id in any spelling; :func:`presence_value` reports MAE in sample and out of fold (leave-one-out,
the fit redone in every fold) for the base features alone and with the presence features added.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rmbase.errors import InputError

PREFIX = "presence_"
ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)
MIN_MODELS = 4


def feature_name(category: str) -> str:
    """``presence_<category>``, the category lower-cased with runs of other characters as ``_``."""
    slug = re.sub(r"[^0-9a-z]+", "_", str(category).lower()).strip("_")
    return PREFIX + (slug or "unnamed")


def presence_table(folders: Sequence[str | os.PathLike], *, share_family: bool = False,
                   models: pd.DataFrame | None = None) -> pd.DataFrame:
    """Models x ``presence_<category>`` (mean document score); a ``shared_from`` column names the model whose
    distribution a row reuses (the sharing rule of :mod:`rmbase.presence.compare`), else None."""
    from rmbase.presence.compare import apply_models_table, load_scored, with_shared

    scored = apply_models_table(load_scored(folders), models)
    if share_family:
        if models is None:
            raise InputError("the sharing rule needs a models table (family, params_b, pretrain_tokens_t)")
        scored = with_shared(scored, models)
    rows = {}
    for s in scored:
        means = s.scores.groupby(s.scores.category.astype(str)).score.mean()
        rows[s.model] = {**{feature_name(c): float(v) for c, v in means.items()}, "shared_from": s.shared_from}
    table = pd.DataFrame.from_dict(rows, orient="index")
    cols = sorted(c for c in table.columns if c.startswith(PREFIX))
    table = table[[*cols, "shared_from"]]
    table.index.name = "model"
    return table


def join_presence(X: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``X`` (indexed by model id) joined with the presence features of the models that have them all; returns
    (joined rows, presence feature names). Ids match in any spelling (``rmbase.model_ids``)."""
    from rmbase.model_ids import ModelIdIndex

    feats = [c for c in table.columns if c.startswith(PREFIX)]
    matched, _ = ModelIdIndex(table.index).join(X.index)
    keep = [m for m, src in matched.items() if table.loc[src, feats].notna().all()]
    P = table.loc[[matched[m] for m in keep], feats].astype(float)
    P.index = keep
    return X.loc[keep].join(P), feats


def default_estimator() -> Any:
    """Standardised ridge regression with the strength chosen inside ``fit`` (efficient leave-one-out)."""
    return make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS))


def presence_value(X: pd.DataFrame, y: pd.Series, table: pd.DataFrame, *, base_features: Sequence[str],
                   estimator: Any = None) -> dict[str, Any]:
    """MAE of predicting ``y`` in sample and out of fold (leave-one-out), from ``base_features`` alone, with the
    presence features added, and from the presence features alone, on the models that have presence scores.

    Fewer than :data:`MIN_MODELS` such models: no figures, the reason and the model lists instead."""
    from rmbase.validation import in_sample_predictions, out_of_fold_predictions

    estimator = estimator if estimator is not None else default_estimator()
    base = [f for f in base_features if f in X.columns]
    joined, feats = join_presence(X[base], table)
    y = y.loc[joined.index].astype(float)
    result: dict[str, Any] = {"n_models": int(len(joined)), "models": list(joined.index),
                              "without_presence": sorted(set(X.index) - set(joined.index)),
                              "base_features": base, "presence_features": feats,
                              "shared": {m: table.loc[m, "shared_from"] for m in table.index
                                         if "shared_from" in table and isinstance(table.loc[m, "shared_from"], str)},
                              "validation": "leave-one-out (ridge strength chosen inside every fold)", "rows": []}
    if len(joined) < MIN_MODELS:
        result["note"] = (f"only {len(joined)} model(s) have both presence scores and results; "
                          f"at least {MIN_MODELS} are needed for out-of-fold figures")
        return result
    for label, cols in (("base", base), ("base+presence", base + feats), ("presence", feats)):
        if not cols:
            continue
        Xc = joined[cols]
        ins = in_sample_predictions(estimator, Xc, y)
        oof = out_of_fold_predictions(estimator, Xc, y, scheme="loo")
        result["rows"].append({"features": label, "n_features": len(cols),
                               "mae_in_sample": float(np.mean(np.abs(ins - y.to_numpy()))),
                               "mae_out_of_fold": float(np.mean(np.abs(oof - y.to_numpy())))})
    return result
