"""The family model: a predictor plus a shrunken per-family offset (a one-way random-effects model on its
out-of-fold residuals), and the maximum-likelihood variance components it rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted, validate_data

from rmbase.selection.predictors import BayesianLinear, _SelectedLinear, as_frame


def family_variance_components(residuals, groups) -> tuple[float, float]:
    """Maximum-likelihood (between-family variance t², within-family variance s²) of residuals modelled as
    r = u_family + e, u ~ N(0, t²), e ~ N(0, s²): a one-way random-effects model.

    With lambda = t²/s², each family's covariance is s²(I + lambda 11'), whose log-determinant and quadratic form
    are closed-form; s² is profiled out (s² = Q(lambda)/N), leaving a 1-D search over log lambda."""
    from scipy.optimize import minimize_scalar

    r = np.asarray(residuals, dtype=float)
    g = np.asarray(groups, dtype=object)
    fams = [r[g == f] for f in dict.fromkeys(g)]
    n = np.array([len(x) for x in fams], dtype=float)
    s1 = np.array([x.sum() for x in fams])
    ss = float((r * r).sum())
    N = len(r)
    if N < 2 or ss <= 0:
        return 0.0, max(ss / max(N, 1), 0.0)

    def quad(lam):
        return ss - float((lam * s1 * s1 / (1 + n * lam)).sum())

    def profile_nll(log_lam):
        lam = np.exp(log_lam)
        return 0.5 * (N * np.log(max(quad(lam), 1e-300) / N) + float(np.log1p(n * lam).sum()))

    res = minimize_scalar(profile_nll, bounds=(-12.0, 6.0), method="bounded", options={"xatol": 1e-4})
    lam = float(np.exp(res.x))
    if profile_nll(-12.0) <= res.fun:  # the boundary: no between-family variance
        lam = float(np.exp(-12.0))
    e2 = quad(lam) / N
    return float(lam * e2), float(e2)


class FamilyEffect(RegressorMixin, BaseEstimator):
    """A predictor plus a shrunken per-family offset (a random intercept): bases of one family share more than
    their benchmarks show (tokenizer, pre-training data, post-training recipe).

    ``fit`` fits ``estimator``, takes its inner K-fold out-of-fold residuals (so that the offsets are not learnt
    from residuals the estimator has already fitted), estimates the between- and within-family variances of
    those residuals by maximum likelihood and stores each family's posterior mean offset
    ``sum(r_f) / (n_f + s²/t²)``. A candidate from a family not seen in ``fit`` (or with no family) gets offset 0.
    ``X`` must have a ``group`` column (string); the wrapped estimator reads only its own feature columns.
    """

    def __init__(self, estimator=None, group: str = "family", cv: int = 5, random_state: int = 0):
        self.estimator = estimator
        self.group = group
        self.cv = cv
        self.random_state = random_state

    @property
    def features(self):
        return (*self._inner().features, self.group)

    def _inner(self):
        return self.estimator if self.estimator is not None else BayesianLinear()

    def _groups(self, X) -> np.ndarray:
        if not isinstance(X, pd.DataFrame) or self.group not in X.columns:
            raise ValueError(f"X must be a DataFrame with a {self.group!r} column")
        return X[self.group].astype(object).where(X[self.group].notna(), None).to_numpy()

    def _validate(self, X, y=None, *, reset: bool):
        """The named columns (the inner estimator's features and the group) through ``validate_data``: consistent
        lengths, a numeric finite target, at least 3 rows to fit, ``n_features_in_``/``feature_names_in_``."""
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise ValueError(f"X lacks feature column(s) {missing}")
        kw = {"dtype": None, "ensure_all_finite": False}  # the group column is text; the inner estimator checks
        if not reset:
            return validate_data(self, X[list(self.features)], reset=False, **kw)
        _, y = validate_data(self, X[list(self.features)], y, y_numeric=True, ensure_min_samples=3, **kw)
        return np.asarray(y, dtype=float).ravel()

    def fit(self, X, y):
        from sklearn.base import clone

        g = self._groups(X)
        y = self._validate(X, y, reset=True)
        self.estimator_ = clone(self._inner()).fit(X, y)
        resid = np.empty_like(y)
        folds = list(KFold(n_splits=min(self.cv, len(y)), shuffle=True, random_state=self.random_state).split(y))
        if isinstance(self.estimator_, _SelectedLinear) and min(len(tr) for tr, _ in folds) >= 3:
            # the rows were checked (and sizes logged) once by the fit above: the inner folds fit the arrays
            A = as_frame(X, self.estimator_.features).to_numpy()
            for tr, te in folds:
                resid[te] = y[te] - clone(self._inner())._fit_logged(A[tr], y[tr])._predict_logged(A[te])
        else:
            for tr, te in folds:
                resid[te] = y[te] - clone(self._inner()).fit(X.iloc[tr], y[tr]).predict(X.iloc[te])
        known = np.array([x is not None for x in g])
        self.between_var_, self.within_var_ = family_variance_components(resid[known], g[known])
        ratio = self.within_var_ / max(self.between_var_, 1e-12)
        self.family_offsets_ = {}
        self.family_counts_ = {}
        for f in dict.fromkeys(g[known]):
            r = resid[g == f]
            self.family_offsets_[f] = float(r.sum() / (len(r) + ratio))
            self.family_counts_[f] = len(r)
        self.selected_features_ = [*getattr(self.estimator_, "selected_features_", []), self.group]
        return self

    def offsets(self, X) -> np.ndarray:
        check_is_fitted(self, "family_offsets_")
        return np.array([self.family_offsets_.get(f, 0.0) for f in self._groups(X)])

    def offset_std(self, X) -> np.ndarray:
        """Posterior standard deviation of each candidate's family offset (the prior sd for unseen families)."""
        check_is_fitted(self, "family_offsets_")
        t2, e2 = self.between_var_, self.within_var_
        n = np.array([self.family_counts_.get(f, 0) for f in self._groups(X)], dtype=float)
        den = e2 + n * t2
        return np.sqrt(np.divide(t2 * e2, den, out=np.zeros_like(den), where=den > 0))

    def predict(self, X, return_std: bool = False):
        check_is_fitted(self, "family_offsets_")
        self._groups(X)
        self._validate(X, reset=False)
        if return_std:
            base, std = self.estimator_.predict(X, return_std=True)
            return base + self.offsets(X), np.sqrt(std**2 + self.offset_std(X) ** 2)
        return self.estimator_.predict(X) + self.offsets(X)

    def contributions(self, X) -> pd.DataFrame:
        check_is_fitted(self, "family_offsets_")
        c = self.estimator_.contributions(X).reset_index(drop=True)
        c[self.group] = self.offsets(X)
        return c
