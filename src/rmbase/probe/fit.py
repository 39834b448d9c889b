"""The probes' statistics, from cached per-sequence arrays (no model needed): pure functions, seeded.

* :func:`frozen_bt` — a Bradley-Terry linear head on frozen features, ``P(chosen > rejected) = sigma(w . (h_c - h_r))``:
  scikit-learn's ``LogisticRegressionCV`` without intercept on standardised differences, each pair entered twice,
  ``(d, 1)`` and ``(-d, 0)`` (the antisymmetric augmentation: the fitted head cannot prefer a position), the L2
  strength ``C`` chosen by inner cross-validation on the outer training fold, k-fold outer cross-validation over
  pairs (both copies of a pair always in the same fold). It reports the out-of-fold pairwise accuracy with a
  percentile bootstrap CI, and the same procedure with each pair's labels flipped at random (a control that must
  sit at chance: with d features and a few hundred pairs a linear head could otherwise look better than it is).
* :func:`likelihood` — chosen wins when its mean log-probability per response token is higher.
* :func:`judge` — chosen wins when the probability the base gives it as the better answer, averaged over the two
  orders (A/B and B/A), is above one half.
A tie counts as half a correct pair everywhere.
"""

from __future__ import annotations

import warnings

import numpy as np


def correct(margin: np.ndarray, atol: float = 0.0) -> np.ndarray:
    """1 where the margin favours chosen, 0 where it favours rejected, 0.5 on a tie (``|margin| <= atol``)."""
    m = np.asarray(margin, dtype=float)
    return np.where(m > atol, 1.0, np.where(m < -atol, 0.0, 0.5))


def bootstrap_ci(values: np.ndarray, *, n_boot: int, seed: int, level: float = 0.95) -> list[float] | None:
    """Percentile bootstrap CI of the mean of ``values`` (resampling pairs); None when ``n_boot`` is 0."""
    v = np.asarray(values, dtype=float)
    if n_boot <= 0 or len(v) == 0:
        return None
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
    lo, hi = np.percentile(means, [50 * (1 - level), 50 * (1 + level)])
    return [float(lo), float(hi)]


def _augment(D: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([D, -D]), np.concatenate([y, 1 - y])


def _fit_head(D: np.ndarray, y: np.ndarray, *, inner_folds: int, Cs: np.ndarray, seed: int):
    """Standardiser + no-intercept logistic regression on the augmented pairs; inner folds keep a pair's two
    copies together. Returns (pipeline, chosen C)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, t = _augment(D, y)
    groups = np.concatenate([np.arange(len(D)), np.arange(len(D))])
    splits = list(GroupKFold(n_splits=inner_folds, shuffle=True, random_state=seed).split(X, t, groups))
    head = LogisticRegressionCV(Cs=Cs, cv=splits, fit_intercept=False, scoring="neg_log_loss", max_iter=2000,
                                l1_ratios=(0.0,), use_legacy_attributes=False)
    pipe = make_pipeline(StandardScaler(), head)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, t)
    return pipe, float(np.ravel(head.C_)[0])


def _cv_margins(D: np.ndarray, y: np.ndarray, *, folds: int, inner_folds: int, Cs: np.ndarray,
                seed: int) -> tuple[np.ndarray, list[float]]:
    """Out-of-fold margins ``w . d`` (in the orientation of ``y``: positive = the label-1 side wins)."""
    from sklearn.model_selection import KFold

    margins = np.empty(len(D))
    chosen_c = []
    for k, (tr, te) in enumerate(KFold(n_splits=folds, shuffle=True, random_state=seed).split(D)):
        pipe, c = _fit_head(D[tr], y[tr], inner_folds=inner_folds, Cs=Cs, seed=seed + k)
        margins[te] = pipe.decision_function(D[te])
        chosen_c.append(c)
    return margins, chosen_c


def frozen_bt(h_chosen: np.ndarray, h_rejected: np.ndarray, *, folds: int = 5, inner_folds: int = 3,
              n_cs: int = 10, n_boot: int = 1000, seed: int = 0) -> dict:
    """Out-of-fold pairwise accuracy of a Bradley-Terry linear head on frozen features (see the module doc)."""
    D = np.asarray(h_chosen, dtype=np.float64) - np.asarray(h_rejected, dtype=np.float64)
    n = len(D)
    Cs = np.logspace(-4, 2, n_cs)
    ones = np.ones(n)
    margins, chosen_c = _cv_margins(D, ones, folds=folds, inner_folds=inner_folds, Cs=Cs, seed=seed)
    hits = correct(margins)
    # control: the same procedure with each pair's orientation (its label) flipped at random
    sign = np.where(np.random.default_rng([seed, 1]).integers(0, 2, size=n) == 1, 1.0, -1.0)
    ctrl_margins, _ = _cv_margins(D * sign[:, None], ones, folds=folds, inner_folds=inner_folds, Cs=Cs, seed=seed)
    ctrl = correct(ctrl_margins)  # judged against the random labels: chance whatever the features hold
    return {"accuracy": float(hits.mean()), "ci95": bootstrap_ci(hits, n_boot=n_boot, seed=seed), "n": n,
            "folds": folds, "inner_folds": inner_folds, "C_per_fold": chosen_c,
            "control_shuffled_labels_accuracy": float(ctrl.mean()),
            "features": int(D.shape[1]), "margins": margins}


def likelihood(lp_sum_c, lp_n_c, lp_sum_r, lp_n_r, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Accuracy of "the chosen response has the higher mean log-probability per token"; pairs where a response
    has no scored token (cut away by right truncation) are left out and counted."""
    lc, nc = np.asarray(lp_sum_c, float), np.asarray(lp_n_c, float)
    lr, nr = np.asarray(lp_sum_r, float), np.asarray(lp_n_r, float)
    ok = (nc > 0) & (nr > 0)
    mean_c, mean_r = np.full(len(lc), np.nan), np.full(len(lr), np.nan)
    mean_c[ok], mean_r[ok] = lc[ok] / nc[ok], lr[ok] / nr[ok]
    hits = correct(mean_c[ok] - mean_r[ok])
    return {"accuracy": float(hits.mean()) if len(hits) else None,
            "ci95": bootstrap_ci(hits, n_boot=n_boot, seed=seed), "n": int(ok.sum()),
            "no_response_tokens": int((~ok).sum()), "mean_chosen": mean_c, "mean_rejected": mean_r}


def judge(logp_chosen_first: np.ndarray, logp_chosen_second: np.ndarray, *, n_boot: int = 1000,
          seed: int = 0) -> dict:
    """Accuracy of the two-order judge. Inputs: (n, 2) log-probabilities of the answers ``A`` and ``B`` with the
    chosen response shown first (as A) and second (as B)."""
    first, second = np.asarray(logp_chosen_first, float), np.asarray(logp_chosen_second, float)
    p_first = 1.0 / (1.0 + np.exp(-(first[:, 0] - first[:, 1])))    # P(A) when chosen is A
    p_second = 1.0 / (1.0 + np.exp(-(second[:, 1] - second[:, 0])))  # P(B) when chosen is B
    p = 0.5 * (p_first + p_second)
    hits = correct(p - 0.5, atol=1e-9)  # an order-blind base gives exactly 1/2 up to rounding
    p_a = 0.5 * (p_first + (1.0 - p_second))  # how often the base says "A" whatever is shown
    return {"accuracy": float(hits.mean()), "ci95": bootstrap_ci(hits, n_boot=n_boot, seed=seed), "n": len(p),
            "mean_p_answer_a": float(p_a.mean()), "order_agreement": float(np.mean((p_first > 0.5) == (p_second > 0.5))),
            "p_chosen": p}
