"""The uncertainty of mapped features carried into a study-only predictor's predictions.

The harmonised feature table gives every mapped cell an sd (measured by hiding observed cells). A point predictor
(``oll_average``, the study's ElasticNet, ``sparse_ridge``, ...) is then evaluated on feature draws
x + sd * N(0, 1) (benchmark scores kept in 0-100): the spread of its predictions is the part of the uncertainty the
mapping adds. ``recommend`` widens a mapped base's interval by it (half-width sqrt(q^2 + (z sd_f)^2), q the
conformal half-width) and adds the draws to its P(best) draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_FEATURE_DRAWS = 500


def feature_sd(models, features) -> pd.DataFrame:
    """The feature table's sd of each (model, feature) (0 where observed or unknown), for the numeric features."""
    from rmbase.selection.base_features import feature_table

    ft = feature_table()
    cols = [f for f in features if f != "family"]
    sd = ft.sd.reindex(index=list(models), columns=cols) if ft.sd is not None else None
    if sd is None:
        return pd.DataFrame(0.0, index=list(models), columns=cols)
    return sd.astype(float).fillna(0.0).clip(lower=0.0)


def propagate(estimator, X: pd.DataFrame, sd: pd.DataFrame, *, n: int = N_FEATURE_DRAWS,
              seed: int = 0) -> np.ndarray:
    """(n, len(X)) predictions of ``estimator`` on feature draws around ``X`` (numeric columns with an sd; the
    others as given). Benchmark features stay within 0-100; ``params_b`` stays positive."""
    rng = np.random.default_rng(seed)
    m = len(X)
    cols = [c for c in sd.columns if c in X.columns and (sd[c] > 0).any()]
    big = pd.concat([X] * n, ignore_index=True)
    for c in cols:
        noise = rng.standard_normal((n, m)) * sd[c].to_numpy(dtype=float)[None, :]
        vals = (np.tile(X[c].to_numpy(dtype=float), n) + noise.ravel())
        big[c] = np.clip(vals, 1e-3, None) if c == "params_b" else np.clip(vals, 0.0, 100.0)
    return np.asarray(estimator.predict(big), dtype=float).reshape(n, m)
