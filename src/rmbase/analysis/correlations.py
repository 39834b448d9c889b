"""Feature-target correlations with p-values, a vectorised bootstrap CI of Spearman, and Benjamini-Hochberg
q-values over the whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from rmbase.metrics import critical_pearson_r, pearson_of_ranks, rankdata_rows, spearman_rows

N_BOOTSTRAP = 2000


def bootstrap_spearman_ci(x, y, *, n_boot: int = N_BOOTSTRAP, seed: int = 0, level: float = 0.95,
                          rng_indices: np.ndarray | None = None) -> tuple[float, float]:
    """Percentile bootstrap CI of Spearman's rho: all resamples ranked and correlated at once (no Python loop).

    Resamples where either side is constant (undefined rho) are left out of the percentiles."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    idx = rng_indices if rng_indices is not None else np.random.default_rng(seed).integers(0, len(x), (n_boot, len(x)))
    return _percentile_ci(spearman_rows(x[idx], y[idx]), level)


def _percentile_ci(rho: np.ndarray, level: float) -> tuple[float, float]:
    rho = rho[np.isfinite(rho)]
    alpha = (1 - level) / 2
    return float(np.quantile(rho, alpha)), float(np.quantile(rho, 1 - alpha))


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH step-up q-values (monotone, capped at 1); NaN p-values stay NaN and do not count in m."""
    p = np.asarray(p_values, float)
    q = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


def correlation_table(X: pd.DataFrame, targets: pd.DataFrame, *, n_boot: int = N_BOOTSTRAP, seed: int = 0
                      ) -> tuple[list[dict], float]:
    """Rows {feature, target, n, pearson, pearson_p, spearman, spearman_p, kendall, kendall_p, ci_low, ci_high,
    q_value} for every (feature, target) pair, and the critical |r| for p < 0.05 at this n.

    q-values: Benjamini-Hochberg over all Spearman p-values of the table (the study's headline statistic)."""
    n = len(X)
    # the same resample indices for every pair, so CIs are comparable across features and targets
    idx = np.random.default_rng(seed).integers(0, n, (n_boot, n))
    rows = []
    # every column's resampled ranks once (what bootstrap_spearman_ci computes per pair)
    ranks = {("x", c): rankdata_rows(X[c].to_numpy(float)[idx]) for c in X.columns}
    ranks.update({("y", t): rankdata_rows(targets[t].to_numpy(float)[idx]) for t in targets.columns})
    for target in targets.columns:
        y = targets[target].to_numpy(float)
        for feature in X.columns:
            x = X[feature].to_numpy(float)
            pr, sr, kr = stats.pearsonr(x, y), stats.spearmanr(x, y), stats.kendalltau(x, y)
            lo, hi = _percentile_ci(pearson_of_ranks(ranks["x", feature], ranks["y", target]), 0.95)
            rows.append({"feature": feature, "target": target, "n": n,
                         "pearson": float(pr.statistic), "pearson_p": float(pr.pvalue),
                         "spearman": float(sr.statistic), "spearman_p": float(sr.pvalue),
                         "kendall": float(kr.statistic), "kendall_p": float(kr.pvalue),
                         "ci_low": lo, "ci_high": hi})
    q = benjamini_hochberg([r["spearman_p"] for r in rows])
    for r, qv in zip(rows, q, strict=True):
        r["q_value"] = float(qv)
    return rows, critical_pearson_r(n)
