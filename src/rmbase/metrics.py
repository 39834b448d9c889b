"""Ranking metrics shared by analysis and selection.

Conventions (the study's definitions, made exact):
- ``top_k(values, k)``: indices of the k largest values; ties are broken by input order (a stable sort), so the
  result is deterministic. NaN never enters a top-k.
- coverage@k (the study's C(feature, k)) = |top-k by prediction ∩ top-k by target| / k.
- regret@k = best true target − best true target among the k models ranked highest by the prediction,
  in the target's units (percent points for the bundled tables). 0 means the best model was in the top k.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import stats

COVERAGE_MEAN_KS = tuple(range(5, 11))  # the study averages coverage over k = 5..10


def _as_1d(x) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a


def ranking_order(values) -> np.ndarray:
    """Indices from the largest value down; ties keep input order, NaN comes last."""
    v = _as_1d(values)
    return np.argsort(-np.where(np.isnan(v), -np.inf, v), kind="stable")


def top_k(values, k: int) -> np.ndarray:
    v = _as_1d(values)
    if not 1 <= k <= len(v):
        raise ValueError(f"k must be between 1 and {len(v)}, got {k}")
    return ranking_order(v)[:k]


def coverage_at_k(prediction, target, k: int) -> float:
    return coverage_curve(prediction, target, [k])[k]


def coverage_curve(prediction, target, ks: Iterable[int] | None = None) -> dict[int, float]:
    p, t = _as_1d(prediction), _as_1d(target)
    if p.shape != t.shape:
        raise ValueError("prediction and target must have the same length")
    ks = range(1, len(p) + 1) if ks is None else ks
    if any(not 1 <= k <= len(p) for k in ks):
        raise ValueError(f"k must be between 1 and {len(p)}")
    order_p, order_t = ranking_order(p), ranking_order(t)
    out = {}
    for k in ks:
        out[int(k)] = len(set(order_p[:k].tolist()) & set(order_t[:k].tolist())) / k
    return out


def coverage_mean(prediction, target, ks: Iterable[int] = COVERAGE_MEAN_KS) -> float:
    ks = [k for k in ks if k <= len(_as_1d(target))]
    return float(np.mean(list(coverage_curve(prediction, target, ks).values())))


def regret_at_k(prediction, target, k: int) -> float:
    p, t = _as_1d(prediction), _as_1d(target)
    return float(np.nanmax(t) - np.max(t[top_k(p, k)]))


def spearman(prediction, target) -> float:
    return float(stats.spearmanr(_as_1d(prediction), _as_1d(target)).statistic)


def mae(prediction, target) -> float:
    return float(np.mean(np.abs(_as_1d(prediction) - _as_1d(target))))


def ranking_report(prediction, target) -> dict[str, float]:
    """The metric set every predictor is judged on (study.json's M rows)."""
    return {
        "coverage_mean_5_10": coverage_mean(prediction, target),
        "spearman": spearman(prediction, target),
        "mae": mae(prediction, target),
        "regret_at_1": regret_at_k(prediction, target, 1),
        "regret_at_3": regret_at_k(prediction, target, 3),
    }


def critical_pearson_r(n: int, alpha: float = 0.05) -> float:
    """Smallest |r| with a two-sided p < alpha for n pairs (t-test of a Pearson correlation, n - 2 dof)."""
    if n <= 2:
        return float("nan")
    t = stats.t.ppf(1 - alpha / 2, n - 2)
    return float(t / np.sqrt(n - 2 + t * t))


def rankdata_rows(a: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (vectorised over leading axes)."""
    return stats.rankdata(a, axis=-1)


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of x with the matching row of y (shape (..., n)); NaN for constant rows."""
    return pearson_of_ranks(rankdata_rows(x), rankdata_rows(y))


def pearson_of_ranks(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """:func:`spearman_rows` from the rows' ranks (:func:`rankdata_rows`): a table of many pairs ranks each column
    once."""
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    num = (rx * ry).sum(axis=-1)
    den = np.sqrt((rx * rx).sum(axis=-1) * (ry * ry).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
