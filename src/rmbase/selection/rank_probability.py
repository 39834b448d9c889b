"""How likely each candidate is to be the best, or among the top k, from draws of the predictive distribution.

A predictor that can be sampled (``PooledFit.sample``, or :func:`residual_draws` for a point predictor with
out-of-fold residuals) gives a matrix of draws ``(n_samples, n_candidates)``: one joint draw of every candidate's RM
score per row. P(best) of a candidate is the share of rows in which it is the highest; P(top-k) the share of rows in
which it is among the k highest. Ties within a row share the credit equally (two candidates with the same value in
every draw get 0.5 each), so P(best) sums to 1 over the candidates and P(top-k) sums to k.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from rmbase.errors import InputError


def _check(draws) -> np.ndarray:
    d = np.asarray(draws, dtype=float)
    if d.ndim != 2 or d.shape[0] < 1 or d.shape[1] < 1:
        raise InputError(f"draws must be a (n_samples, n_candidates) matrix, got shape {d.shape}")
    if not np.isfinite(d).all():
        raise InputError("draws must be finite (a NaN or infinite draw has no rank)")
    return d


def top_k_probability(draws, k: int) -> np.ndarray:
    """P(the candidate is among the k highest), per column of ``draws``; ties at the k-th place share the
    remaining places equally. ``k`` >= the number of candidates gives 1 for every one."""
    d = _check(draws)
    n, m = d.shape
    if k < 1:
        raise InputError(f"k must be at least 1, got {k}")
    if k >= m:
        return np.ones(m)
    # per row: the k-th highest value; strictly above it is in, equal to it shares the places left
    kth = -np.partition(-d, k - 1, axis=1)[:, k - 1:k]
    above = d > kth
    equal = d == kth
    left = k - above.sum(axis=1, keepdims=True)
    credit = above + equal * (left / equal.sum(axis=1, keepdims=True))
    return credit.mean(axis=0)


def best_probability(draws) -> np.ndarray:
    """P(the candidate is the highest), per column of ``draws`` (:func:`top_k_probability` with k = 1)."""
    return top_k_probability(draws, 1)


def rank_probabilities(draws, names: Sequence[str] | None = None, ks: Iterable[int] = (3,)) -> pd.DataFrame:
    """One row per candidate: ``p_best`` and ``p_top_<k>`` for each k in ``ks``, and ``expected_rank`` (mean rank
    over the draws, 1 = best, ties averaged). Index: ``names`` (default 0..m-1)."""
    d = _check(draws)
    m = d.shape[1]
    if names is not None and len(names) != m:
        raise InputError(f"{len(names)} names for {m} candidates")
    out = {"p_best": best_probability(d)}
    for k in ks:
        out[f"p_top_{k}"] = top_k_probability(d, int(k))
    from scipy.stats import rankdata

    out["expected_rank"] = rankdata(-d, axis=1, method="average").mean(axis=0)
    return pd.DataFrame(out, index=pd.Index(list(names) if names is not None else range(m), name="model"))


def residual_draws(predicted, residual_pools: Sequence[np.ndarray], n: int, seed: int = 0) -> np.ndarray:
    """Draws for point predictions whose errors are known only through out-of-fold residuals: candidate j's draw is
    ``predicted[j]`` plus a residual resampled from ``residual_pools[j]`` (the residuals of the fit that predicted
    it), independently per candidate. An empty pool (a measured value, or a known score) draws the value itself.

    Independence is an approximation: errors of one fit are correlated across candidates, so differences between
    candidates are drawn somewhat wider than they are, and P(best) is spread more evenly than a joint sampler
    (``PooledFit.sample``) would spread it."""
    pred = np.asarray(predicted, dtype=float)
    if len(residual_pools) != len(pred):
        raise InputError(f"{len(residual_pools)} residual pools for {len(pred)} candidates")
    if n < 1:
        raise InputError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    out = np.repeat(pred[None, :], n, axis=0)
    for j, pool in enumerate(residual_pools):
        pool = np.asarray(pool, dtype=float)
        if pool.size:
            out[:, j] += rng.choice(pool, size=n, replace=True)
    return out
