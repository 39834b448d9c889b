"""The study's benchmark-combination model as a scikit-learn estimator.

Protocol of arXiv 2505.10775 (Section "combining benchmarks"): polynomial features of degree 1, 2 or 3, ElasticNet with
alpha in {0.1, 0.01, 0.001, 0.0001} and l1_ratio in {0, 0.25, 0.5, 0.75, 1}, hyperparameters chosen by 10-fold
cross-validation, then refit on all models. What the study does not say, and what we chose (recorded in
``protocol_``): inputs are standardised (z-scores on the fitting set) before the polynomial expansion; the CV
criterion is mean squared error; the folds are ``KFold(10, shuffle=True, random_state)``; all three degrees are
compared on the same folds; coordinate descent stops at scikit-learn's default ``max_iter=1000`` (some
degree-3 fits at alpha=1e-4 do not converge within it, as with the defaults the study presumably used). The search
computes, per degree, what :class:`sklearn.linear_model.ElasticNetCV` computes (warm-started regularisation paths,
:func:`cv_mse_paths`), which selects exactly what a full grid search over the same folds would. After the first
degree, the folds of a grid point that can no longer beat the best mean CV MSE so far are skipped (its
``cv_results_`` entry is None): the chosen hyperparameters and their CV MSE are the full search's, at a fraction of
the coordinate-descent work (the degree-3 fits run to ``max_iter``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, enet_path
from sklearn.model_selection import KFold
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

PAPER_DEGREES = (1, 2, 3)
PAPER_ALPHAS = (0.1, 0.01, 0.001, 0.0001)
PAPER_L1_RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)


def cv_mse_paths(P: np.ndarray, y: np.ndarray, splits, l1_ratios, alphas: np.ndarray, *, max_iter: int,
                 tol: float, stop_above: float | None = None, fold_order=None) -> np.ndarray:
    """Test MSE of ElasticNet regularisation paths, shape (n_l1_ratios, n_alphas, n_folds); ``alphas`` descending.

    What :class:`sklearn.linear_model.ElasticNetCV` computes in ``mse_path_`` (centred fold data, a precomputed Gram
    matrix, warm-started coordinate descent along the alphas), calling ``enet_path`` directly: the fold's centring,
    Gram matrix and X'y are computed once for all l1 ratios and the input checks are skipped (they cost about a
    third of the time on these small problems). ``tests/analysis/test_combination.py`` checks it against
    ElasticNetCV and against a full GridSearchCV.

    ``stop_above``: the mean MSE a grid point must beat to be chosen (the best of the degrees searched before). A
    fold's MSE is never negative, so a point whose folds so far already sum to more than ``n_folds * stop_above``
    cannot be chosen: its remaining folds are not fitted and its entries are +inf. Along a path, only the alphas
    up to the last point still in play are fitted; the path is warm-started from the larger alphas, so every point
    that is fitted is computed exactly as in the full path, and the choice is the full search's. ``fold_order``:
    the order the folds are visited in (the hardest first rules points out sooner); the result is indexed by fold
    as in ``splits`` whatever the order."""
    n_folds = len(splits)
    mse = np.full((len(l1_ratios), len(alphas), n_folds), np.inf)
    total = np.zeros((len(l1_ratios), len(alphas)))
    limit = np.inf if stop_above is None else n_folds * stop_above * (1.0 + 1e-9)
    for f in range(n_folds) if fold_order is None else fold_order:
        train, test = splits[f]
        in_play = total <= limit
        if not in_play.any():
            break
        x_mean, y_mean = P[train].mean(axis=0), y[train].mean()
        Xc = np.asfortranarray(P[train] - x_mean)
        yc = y[train] - y_mean
        gram = np.ascontiguousarray(Xc.T @ Xc)
        xy = Xc.T @ yc
        for i, l1 in enumerate(l1_ratios):
            live = np.flatnonzero(in_play[i])
            if not len(live):
                continue
            k = int(live[-1]) + 1  # the path as far as its last alpha still in play
            coefs = np.zeros((P.shape[1], len(alphas)))  # full width: the products below round as in the full path
            coefs[:, :k] = enet_path(Xc, yc, l1_ratio=l1, alphas=alphas[:k], precompute=gram, Xy=xy,
                                     max_iter=max_iter, tol=tol, check_input=False)[1]
            pred = P[test] @ coefs + (y_mean - x_mean @ coefs)
            fold_mse = ((pred - y[test][:, None]) ** 2).mean(axis=0)[:k]
            mse[i, :k, f] = fold_mse
            total[i, :k] += fold_mse
    mse[~np.isfinite(mse).all(axis=-1)] = np.inf  # a point with a fold left out is out of play in every fold
    return mse


class StudyElasticNet(RegressorMixin, BaseEstimator):
    """Standardise -> PolynomialFeatures(degree) -> ElasticNet, hyperparameters by K-fold CV, refit on all rows."""

    def __init__(self, degrees=PAPER_DEGREES, alphas=PAPER_ALPHAS, l1_ratios=PAPER_L1_RATIOS, cv: int = 10,
                 random_state: int = 0, max_iter: int = 1000, tol: float = 1e-4):
        self.degrees = degrees
        self.alphas = alphas
        self.l1_ratios = l1_ratios
        self.cv = cv
        self.random_state = random_state
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y):
        # float64: the Gram matrix handed to enet_path is float64; 2 rows at least: K-fold needs two folds
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        y = np.asarray(y, dtype=np.float64)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        folds = KFold(n_splits=min(self.cv, len(y)), shuffle=True, random_state=self.random_state)
        splits = list(folds.split(Z))
        best = None
        order = None  # after the first degree: the folds where the best model so far errs most come first
        self.cv_results_ = []
        # enet_path's argument checks cost about a tenth of the search on these small problems (all arguments
        # are built here, of the right types)
        with warnings.catch_warnings(), config_context(skip_parameter_validation=True):
            warnings.simplefilter("ignore", ConvergenceWarning)
            for degree in self.degrees:
                poly = PolynomialFeatures(degree=degree, include_bias=False).fit(Z)
                P = poly.transform(Z)
                alphas = np.array(sorted(self.alphas, reverse=True), dtype=float)
                fold_mse = cv_mse_paths(P, y, splits, self.l1_ratios, alphas, max_iter=self.max_iter, tol=self.tol,
                                        stop_above=None if best is None else best[0], fold_order=order)
                mean_mse = fold_mse.mean(axis=-1)
                for i, l1 in enumerate(self.l1_ratios):
                    for j, alpha in enumerate(alphas):
                        self.cv_results_.append({"degree": degree, "alpha": float(alpha), "l1_ratio": float(l1),
                                                 "cv_mse": float(mean_mse[i, j]) if np.isfinite(mean_mse[i, j])
                                                 else None})
                i, j = np.unravel_index(np.argmin(mean_mse), mean_mse.shape)
                score = float(mean_mse[i, j])
                if best is None or score < best[0] - 1e-12:
                    best = (score, degree, float(alphas[j]), float(self.l1_ratios[i]), poly)
                    order = np.argsort(-fold_mse[i, j], kind="stable")
            _, self.degree_, self.alpha_, self.l1_ratio_, self.poly_ = best
            self.enet_ = ElasticNet(alpha=self.alpha_, l1_ratio=self.l1_ratio_, max_iter=self.max_iter,
                                    tol=self.tol).fit(self.poly_.transform(Z), y)
        self.n_iter_ = int(self.enet_.n_iter_)  # coordinate-descent iterations of the refit
        self.best_cv_mse_ = best[0]
        self.protocol_ = {
            "standardise": "z-score of each input on the fitting set, before the polynomial expansion",
            "cv": f"KFold(n_splits={min(self.cv, len(y))}, shuffle=True, random_state={self.random_state})",
            "criterion": "mean squared error averaged over folds; degrees compared on the same folds",
            "refit": "all rows with the chosen (degree, alpha, l1_ratio)",
            "max_iter": self.max_iter,
        }
        return self

    def predict(self, X):
        check_is_fitted(self, "enet_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.enet_.predict(self.poly_.transform(self.scaler_.transform(X)))

    def nonzero_terms(self, feature_names=None) -> list[str]:
        """Polynomial terms with a non-zero coefficient (e.g. ``bbh``, ``ifeval mmlu_pro``)."""
        check_is_fitted(self, "enet_")
        names = self.poly_.get_feature_names_out(feature_names if feature_names is not None
                                                 else getattr(self, "feature_names_in_", None))
        return [str(n) for n, c in zip(names, self.enet_.coef_, strict=True) if abs(c) > 0]

    def nonzero_features(self, feature_names=None) -> list[str]:
        """Input features that appear in at least one non-zero term."""
        names = list(feature_names if feature_names is not None
                     else getattr(self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]))
        used = set()
        for term in self.nonzero_terms(names):
            for factor in term.split(" "):
                used.add(factor.split("^")[0])
        return [n for n in names if n in used]

    def chosen_params(self) -> dict:
        check_is_fitted(self, "enet_")
        return {"degree": int(self.degree_), "alpha": self.alpha_, "l1_ratio": self.l1_ratio_,
                "cv_mse": self.best_cv_mse_, **self.protocol_}
