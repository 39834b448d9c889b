"""Predictors of a base's reward-model score from its public features, as scikit-learn estimators.

All of them take a DataFrame whose columns include the features they use (names of
:data:`rmbase.datasets.schema.FEATURES`) and predict the target in its own units. Sizes (``params_b``,
``pretrain_tokens_t``) enter as natural logarithms. Everything learned from the targets — feature choice, the
regularisation strength, the calibration of ranks to scores — is learned inside ``fit``, so that the whole choice is
redone within every outer cross-validation fold (see :mod:`rmbase.validation`).

- :class:`SingleFeature` — rank by one feature (e.g. the leaderboard average), scores by a least-squares line.
- :class:`RankAverage` — mean percentile of chosen benchmarks (chosen in ``fit`` by in-fold Spearman).
- :class:`SparseRidge` — ridge regression on a few features picked by forward selection with inner K-fold CV.
- :class:`BayesianLinear` — Bayesian ridge on the forward-selected features, with a predictive standard deviation.
- :class:`GaussianProcess` — GP (linear + RBF + noise kernel) on the forward-selected features, with a std.
- :class:`PairwiseRanker` — logistic regression on pairwise feature differences (RankNet-style linear ranker).

The family model (:class:`~rmbase.selection.family.FamilyEffect`) lives in :mod:`rmbase.selection.family`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import BayesianRidge, LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted, validate_data

from rmbase.selection.feature_frame import (  # noqa: F401 - DEFAULT_FEATURES, LOG_FEATURES, as_frame: public here
    DEFAULT_FEATURES,
    LOG_FEATURES,
    _check_width,
    _feature_columns,
    _logged,
    as_frame,
)

RIDGE_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)


class _Standard:
    """Column means and standard deviations of a fitting set (constant columns get sd 1)."""

    def __init__(self, F: pd.DataFrame | np.ndarray):
        A = np.asarray(F)
        self.mean = A.mean(axis=0)
        sd = A.std(axis=0)
        self.sd = np.where(sd > 0, sd, 1.0)

    def __call__(self, F: pd.DataFrame | np.ndarray) -> np.ndarray:
        return (np.asarray(F) - self.mean) / self.sd


def _monotone_line(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line y ~ a + b s with b >= a tiny positive slope (keeps the ranking of ``s``)."""
    s_c = s - s.mean()
    var = float((s_c**2).sum())
    b = float((s_c * (y - y.mean())).sum() / var) if var > 0 else 0.0
    b = max(b, 1e-6)
    return float(y.mean() - b * s.mean()), b


class _Base(RegressorMixin, BaseEstimator):
    """Shared input handling: the named feature columns (a DataFrame's, by name: other columns may be text; or
    an array of exactly those columns) through :func:`sklearn.utils.validation.validate_data` (float64, dense,
    non-complex, at least 3 rows to fit, ``n_features_in_`` set and checked), then sizes logged and every value
    finite. The columns are picked by name before validation, so the names are the ``features`` parameter and
    ``feature_names_in_`` is not set (it would make every array input warn)."""

    def _features(self, X, y=None, *, reset: bool):
        features = list(self.features)
        named = isinstance(X, pd.DataFrame)
        if named:
            X = _feature_columns(X, features)  # a fresh array: the in-place logarithm below cannot touch the input
        kw = {"dtype": np.float64, "ensure_all_finite": False,  # non-finite values get rmbase's message below
              "copy": not named}
        if reset:
            A, y = validate_data(self, X, y, reset=True, y_numeric=True, ensure_min_samples=3, **kw)
            y = np.asarray(y, dtype=np.float64).ravel()
        else:
            A = validate_data(self, X, reset=False, **kw)
        F = _logged(_check_width(A, features), features)
        return (F, y) if reset else F

    def _check_y(self, X, y) -> tuple[pd.DataFrame, np.ndarray]:
        return self._features(X, y, reset=True)

    def _X(self, X) -> pd.DataFrame:
        return self._features(X, reset=False)


class SingleFeature(_Base):
    """Ranks by one feature; predicted score = least-squares line of the target on it (slope kept >= 0)."""

    def __init__(self, feature: str = "oll_average"):
        self.feature = feature

    @property
    def features(self):
        return (self.feature,)

    def fit(self, X, y):
        F, y = self._check_y(X, y)
        self.intercept_, self.slope_ = _monotone_line(F.iloc[:, 0].to_numpy(), y)
        self.selected_features_ = [self.feature]
        return self

    def predict(self, X):
        check_is_fitted(self, "slope_")
        return self.intercept_ + self.slope_ * self._X(X).iloc[:, 0].to_numpy()


class RankAverage(_Base):
    """Mean percentile (within the fitting set) of ``n_select`` features, chosen in ``fit`` as those with the
    highest positive Spearman correlation with the target (or ``chosen`` when given); a least-squares line maps the
    mean percentile to the target's units."""

    def __init__(self, features=DEFAULT_FEATURES, n_select: int = 3, chosen=None):
        self.features = features
        self.n_select = n_select
        self.chosen = chosen

    def fit(self, X, y):
        F, y = self._check_y(X, y)
        if self.chosen is not None:
            chosen = list(self.chosen)
            unknown = [c for c in chosen if c not in F.columns]
            if unknown:
                raise ValueError(f"chosen features {unknown} are not in features")
        else:
            rho = dict(zip(F.columns, _spearman_each(F.to_numpy(), y), strict=True))
            ranked = sorted((c for c in rho if np.isfinite(rho[c]) and rho[c] > 0), key=lambda c: -rho[c])
            chosen = ranked[: self.n_select] or [max(rho, key=lambda c: np.nan_to_num(rho[c], nan=-1))]
        self.selected_features_ = chosen
        self.reference_ = {c: np.sort(F[c].to_numpy()) for c in chosen}
        self.intercept_, self.slope_ = _monotone_line(self._score(F), y)
        return self

    def _score(self, F: pd.DataFrame) -> np.ndarray:
        cols = []
        for c, ref in self.reference_.items():
            v = F[c].to_numpy()
            # mid-rank percentile of v among the fitting values
            lo = np.searchsorted(ref, v, side="left")
            hi = np.searchsorted(ref, v, side="right")
            cols.append((lo + hi) / (2.0 * len(ref)))
        return np.mean(cols, axis=0)

    def predict(self, X):
        check_is_fitted(self, "reference_")
        return self.intercept_ + self.slope_ * self._score(self._X(X))


def _spearman_each(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation of every column of ``A`` with ``y`` (NaN for a constant column), in one pass."""
    R = stats.rankdata(A, axis=0)
    r = stats.rankdata(y)
    Rc, rc = R - R.mean(axis=0), r - r.mean()
    den = np.sqrt((Rc**2).sum(axis=0) * (rc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (Rc * rc[:, None]).sum(axis=0) / np.where(den > 0, den, 1.0), np.nan)


def forward_select(Z: np.ndarray, y: np.ndarray, *, max_features: int, alpha_grid=RIDGE_ALPHAS, cv: int = 5,
                   random_state: int = 0) -> tuple[list[int], float, float]:
    """Greedy forward selection of columns of ``Z`` (standardised) for ridge regression, by inner K-fold MSE.

    Each step adds the column (and ridge alpha) that lowers the CV error most; it stops when nothing lowers it.
    Returns (selected column indices, alpha, CV MSE)."""
    n = len(y)
    splits = list(KFold(n_splits=min(cv, n), shuffle=True, random_state=random_state).split(Z))
    alphas = np.asarray(alpha_grid, dtype=float)
    # per fold, once: training columns centred on the fold's training means, test columns likewise
    folds = []
    for tr, te in splits:
        zm = Z[tr].mean(axis=0)
        folds.append((Z[tr] - zm, Z[te] - zm, y[tr] - y[tr].mean(), y[tr].mean(), y[te]))

    def cv_mse(candidates: list[int]) -> np.ndarray:
        """Inner-CV MSE of ridge on ``selected + [j]`` for every candidate j and every alpha, shape
        (n_candidates, n_alphas): one batched SVD per fold, w(alpha) = V diag(s / (s^2 + alpha)) U^T (y - mu)."""
        cols = np.array([[*selected, j] for j in candidates])                    # (c, k)
        err = np.zeros((len(candidates), len(alphas)))
        for A_tr, A_te, yc, mu, y_te in folds:
            U, sv, Vt = np.linalg.svd(A_tr[:, cols].transpose(1, 0, 2), full_matrices=False)
            uty = np.einsum("cnk,n->ck", U, yc)
            shrink = sv[:, None, :] / (sv[:, None, :] ** 2 + alphas[None, :, None])     # (c, a, k)
            W = np.einsum("cak,ckm->cam", shrink * uty[:, None, :], Vt)              # (c, a, k)
            pred = mu + np.einsum("tck,cak->cat", A_te[:, cols], W)                  # (c, a, n_test)
            err += ((pred - y_te) ** 2).sum(axis=-1)
        return err / n

    selected: list[int] = []
    best = (float(((y - y.mean()) ** 2).mean() * n / max(n - 1, 1)), alpha_grid[len(alpha_grid) // 2])
    while len(selected) < max_features:
        candidates = [j for j in range(Z.shape[1]) if j not in selected]
        if not candidates:
            break
        mse = cv_mse(candidates)
        # the smallest error; ties go to the lowest column index, then the smallest alpha (as min over tuples did)
        trial = [(float(mse[c, a]), j, float(alphas[a])) for c, j in enumerate(candidates)
                 for a in range(len(alphas))]
        m, j, a = min(trial)
        if m >= best[0] - 1e-12:
            break
        selected.append(j)
        best = (m, a)
    return selected, best[1], best[0]


class _Selected(_Base):
    """Shared: standardise the log features, forward-select up to ``max_features`` of them inside ``fit``."""

    def __init__(self, features=DEFAULT_FEATURES, max_features: int = 3, cv: int = 5, random_state: int = 0):
        self.features = features
        self.max_features = max_features
        self.cv = cv
        self.random_state = random_state

    def _select(self, F: pd.DataFrame | np.ndarray, y: np.ndarray) -> np.ndarray:
        self.standard_ = _Standard(F)
        Z = self.standard_(F)
        cols, alpha, mse = forward_select(Z, y, max_features=self.max_features, cv=self.cv,
                                          random_state=self.random_state)
        if not cols:  # nothing beats the mean: keep the single most correlated feature
            cols = [int(np.argmax(np.abs([np.corrcoef(Z[:, j], y)[0, 1] if Z[:, j].std() > 0 else 0
                                          for j in range(Z.shape[1])])))]
        self.selected_idx_ = cols
        self.selected_features_ = [list(self.features)[j] for j in cols]
        self.alpha_, self.inner_cv_mse_ = alpha, mse
        return Z[:, cols]

    def _design(self, X) -> np.ndarray:
        return self.standard_(self._X(X))[:, self.selected_idx_]


class _SelectedLinear(_Selected):
    """Shared: a linear model (``_linear_model()``) on the forward-selected features, with additive drivers."""

    def fit(self, X, y):
        F, y = self._check_y(X, y)
        return self._fit_logged(F.to_numpy(), y)

    def _fit_logged(self, A: np.ndarray, y: np.ndarray):
        """``fit`` on rows already checked and with sizes logged (``as_frame(X, features).to_numpy()``): what the
        family model's inner folds use, on rows of a table it has checked once."""
        Z = self._select(A, y)
        self.model_ = self._linear_model().fit(Z, y)
        return self

    def _predict_logged(self, A: np.ndarray) -> np.ndarray:
        return self.model_.predict(self.standard_(A)[:, self.selected_idx_])

    def predict(self, X):
        check_is_fitted(self, "model_")
        return self.model_.predict(self._design(X))

    def contributions(self, X) -> pd.DataFrame:
        """Per-candidate additive contribution of each selected feature (coef x standardised value); the
        prediction is their sum plus ``intercept_``."""
        check_is_fitted(self, "model_")
        return pd.DataFrame(self._design(X) * self.model_.coef_, columns=self.selected_features_)

    @property
    def intercept_(self) -> float:
        return float(self.model_.intercept_)


class SparseRidge(_SelectedLinear):
    """Ridge on at most ``max_features`` standardised features (sizes logged), chosen with the ridge alpha by
    forward selection under inner K-fold CV inside ``fit``."""

    def _linear_model(self):
        return Ridge(alpha=self.alpha_)


class BayesianLinear(_SelectedLinear):
    """Bayesian ridge regression (evidence-maximised priors) on forward-selected features; ``predict(X,
    return_std=True)`` gives the predictive standard deviation (noise included)."""

    def _linear_model(self):
        return BayesianRidge()

    def predict(self, X, return_std: bool = False):
        check_is_fitted(self, "model_")
        return self.model_.predict(self._design(X), return_std=return_std)


class GaussianProcess(_Selected):
    """Gaussian process on forward-selected standardised features: kernel = c·(linear) + c·RBF + white noise,
    hyperparameters by marginal likelihood, target normalised; ``predict(X, return_std=True)``."""

    def fit(self, X, y):
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, DotProduct, WhiteKernel

        F, y = self._check_y(X, y)
        Z = self._select(F, y)
        kernel = (ConstantKernel(0.5, (1e-3, 1e2)) * DotProduct(1.0, (1e-2, 1e2))
                  + ConstantKernel(0.5, (1e-3, 1e2)) * RBF(2.0, (0.3, 30.0)) + WhiteKernel(0.3, (1e-3, 2.0)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model_ = GaussianProcessRegressor(kernel, normalize_y=True, random_state=self.random_state).fit(Z, y)
        return self

    def predict(self, X, return_std: bool = False):
        check_is_fitted(self, "model_")
        return self.model_.predict(self._design(X), return_std=return_std)


class PairwiseRanker(_Base):
    """Linear ranker learnt from pairs: logistic regression on z(x_i) - z(x_j) labelled by which RM scored higher
    (pairs closer than ``margin`` points are skipped). Scores w·z are mapped to the target's units by a
    least-squares line (slope >= 0)."""

    def __init__(self, features=DEFAULT_FEATURES, C: float = 0.1, margin: float = 1.0):
        self.features = features
        self.C = C
        self.margin = margin

    def fit(self, X, y):
        F, y = self._check_y(X, y)
        self.standard_ = _Standard(F)
        Z = self.standard_(F)
        i, j = np.triu_indices(len(y), k=1)
        keep = np.abs(y[i] - y[j]) > self.margin
        i, j = i[keep], j[keep]
        if len(i) == 0:
            raise ValueError("no pair of targets differs by more than the margin")
        D = np.vstack([Z[i] - Z[j], Z[j] - Z[i]])
        lab = np.concatenate([y[i] > y[j], y[j] > y[i]]).astype(int)
        self.model_ = LogisticRegression(C=self.C, fit_intercept=False, max_iter=1000).fit(D, lab)
        self.coef_ = self.model_.coef_.ravel()
        self.selected_features_ = list(F.columns)
        self.intercept_, self.slope_ = _monotone_line(Z @ self.coef_, y)
        return self

    def predict(self, X):
        check_is_fitted(self, "coef_")
        return self.intercept_ + self.slope_ * (self.standard_(self._X(X)) @ self.coef_)

    def contributions(self, X) -> pd.DataFrame:
        check_is_fitted(self, "coef_")
        return pd.DataFrame(self.slope_ * self.standard_(self._X(X)) * self.coef_,
                            columns=list(self.features))

