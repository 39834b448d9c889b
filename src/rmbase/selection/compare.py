"""Every predictor side by side, judged only out of fold (nested leave-one-out and leave-one-family-out).

The rows are what ``study.json`` stores under ``selection``. Nothing here looks at a held-out model while fitting:
each method's own choices (features, regularisation, calibration) happen inside ``fit`` and are redone in every
outer fold by :func:`rmbase.validation.out_of_fold_predictions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from rmbase.datasets import BENCHMARK_FEATURES
from rmbase.datasets import recipes as known_recipes
from rmbase.errors import InputError
from rmbase.selection import predictors as P
from rmbase.selection.family import FamilyEffect
from rmbase.validation import judge, out_of_fold_predictions

ROW_KEYS = ("method", "validation", "recipe", "spearman", "mae", "coverage_mean_5_10", "regret_at_1", "regret_at_3")


@dataclass(frozen=True)
class Method:
    name: str
    make: Callable[[], object]
    features: tuple[str, ...]
    description: str
    uncertainty: bool = False


def _study_elasticnet():
    from rmbase.study_elasticnet import StudyElasticNet

    return StudyElasticNet()


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("oll_average", lambda: P.SingleFeature("oll_average"), ("oll_average",),
           "plain Open LLM Leaderboard v2 average (ranking needs no fit; scores by an in-fold least-squares line)"),
    Method("study_elasticnet", _study_elasticnet, BENCHMARK_FEATURES,
           "the study's protocol: six benchmarks, standardise, polynomial degree 1-3, ElasticNet, 10-fold CV grid"),
    Method("rank_average", P.RankAverage, P.DEFAULT_FEATURES,
           "mean in-fold percentile of the 3 features with the highest in-fold Spearman"),
    Method("sparse_ridge", P.SparseRidge, P.DEFAULT_FEATURES,
           "ridge on <= 3 features (log params) chosen by forward selection under inner 5-fold CV"),
    Method("bayesian_linear", P.BayesianLinear, P.DEFAULT_FEATURES,
           "Bayesian ridge on the forward-selected features (predictive std)", uncertainty=True),
    Method("gaussian_process", P.GaussianProcess, P.DEFAULT_FEATURES,
           "GP (linear + RBF + noise) on the forward-selected features (predictive std)", uncertainty=True),
    Method("pairwise_ranker", P.PairwiseRanker, P.DEFAULT_FEATURES,
           "logistic regression on pairwise feature differences (linear learning-to-rank), all 8 features"),
    Method("family_effect", lambda: FamilyEffect(P.BayesianLinear()), (*P.DEFAULT_FEATURES, "family"),
           "bayesian_linear plus a shrunken per-family offset (random intercept, variances by maximum likelihood "
           "on inner-CV residuals); an unseen family gets offset 0", uncertainty=True),
)}
# The GP is left out of the default table for speed (~0.8 s per fit, 114 fits): its fitted kernel collapses to the
# linear part on these data (RBF amplitude ~0.03 vs 0.47), and out of fold it matched bayesian_linear's ranking
# metrics (see docs/selection.md). Ask for it with ``methods=(..., "gaussian_process")``.
DEFAULT_METHODS = tuple(m for m in METHODS if m != "gaussian_process")
# Without the study's ElasticNet (about 83% of the default table's CPU time): for callers that already have its
# out-of-fold figures (e.g. study.json's ``combination``) or need a fast table.
FAST_METHODS = tuple(m for m in DEFAULT_METHODS if m != "study_elasticnet")
SLOW_METHODS = ("study_elasticnet", "gaussian_process")


def make_estimator(method: str):
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", expected=f"one of {', '.join(METHODS)}")
    return METHODS[method].make()


def _groups(data, index) -> np.ndarray | None:
    models = data.models.set_index("model")
    if "family" not in models or models["family"].reindex(index).isna().any():
        return None
    g = models["family"].reindex(index).astype(str).to_numpy()
    return g if len(set(g)) >= 3 else None


def method_design(data, m: Method, recipe: str, target: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """``data.design(recipe, target, drop_missing=True)`` restricted to the columns ``m`` reads: the numeric
    features, and ``family`` (a string; None where the models table has none) for methods that use it.
    Returns (X, y, dropped models)."""
    X, y, dropped = data.design(recipe, target, drop_missing=True)
    numeric = [f for f in m.features if f != "family"]
    X = X[numeric].copy()
    if "family" in m.features:
        models = data.models.set_index("model")
        fam = models["family"].reindex(X.index) if "family" in models else pd.Series(None, index=X.index)
        X["family"] = fam.astype(object).where(fam.notna(), None).to_numpy()
    return X, y, dropped


def oof_predictions(data, method: str, *, recipe: str, target: str = "score", scheme: str = "loo",
                    n_jobs: int | None = None) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Out-of-fold predictions of one method, the aligned target, and the values its ranking is judged on (the
    predictions themselves, or for ``oll_average`` the feature, whose order needs no fit)."""
    make_estimator(method)
    m = METHODS[method]
    X, y, _ = method_design(data, m, recipe, target)
    groups = _groups(data, X.index) if scheme == "lofo" else None
    if scheme == "lofo" and groups is None:
        raise InputError("leave-one-family-out needs a 'family' for every model (at least 3 families)")
    if method == "oll_average":
        # the ranking of a single feature needs no fit: judge the feature itself, MAE from the in-fold line
        line = out_of_fold_predictions(m.make(), X, y, scheme=scheme, groups=groups, n_jobs=None)
        return line, y, X[m.features[0]].to_numpy(dtype=float)
    # worker processes only pay off for the slow fits (about 1 s); the others take tens of milliseconds
    jobs = n_jobs if method in SLOW_METHODS else None
    pred = out_of_fold_predictions(m.make(), X, y, scheme=scheme, groups=groups, n_jobs=jobs)
    return pred, y, pred


def family_and_linear_oof(data, *, recipe: str, target: str = "score", scheme: str = "loo"
                          ) -> tuple[tuple[np.ndarray, pd.Series, np.ndarray], tuple[np.ndarray, pd.Series, np.ndarray]]:
    """:func:`oof_predictions` of ``family_effect`` and of ``bayesian_linear`` from the same outer fits: the family
    model's ``estimator_`` is ``bayesian_linear`` fitted on the same rows of the same design (its own feature
    columns, the same target), so its predictions are ``bayesian_linear``'s, and the table fits it once."""
    X, y, _ = method_design(data, METHODS["family_effect"], recipe, target)
    groups = _groups(data, X.index) if scheme == "lofo" else None
    if scheme == "lofo" and groups is None:
        raise InputError("leave-one-family-out needs a 'family' for every model (at least 3 families)")
    from sklearn.base import clone

    from rmbase.validation import outer_folds

    family, linear = np.empty(len(y)), np.empty(len(y))
    model = METHODS["family_effect"].make()
    for train, test in outer_folds(X, y, scheme=scheme, groups=groups):
        fitted = clone(model).fit(X.iloc[train], y.iloc[train])
        family[test] = fitted.predict(X.iloc[test])
        linear[test] = fitted.estimator_.predict(X.iloc[test])
    return (family, y, family), (linear, y, linear)


def selection_table(data, *, recipes: Iterable[str] | None = None, target: str = "score",
                    n_jobs: int | None = None, methods: Iterable[str] = DEFAULT_METHODS,
                    schemes: Iterable[str] = ("loo", "lofo"), predictions: dict | None = None) -> list[dict]:
    """Rows ``{method, validation, recipe, spearman, mae, coverage_mean_5_10, regret_at_1, regret_at_3}``, one per
    method x validation scheme x recipe, all out of fold. ``lofo`` rows need a family per model; they are left out
    when the models table has none (as for user tables without ``family``). A ``predictions`` dict receives, per
    ``(method, validation, recipe)``, the ranking values and the target (two aligned Series)."""
    return start_selection_table(data, recipes=recipes, target=target, n_jobs=n_jobs, methods=methods,
                                 schemes=schemes)(predictions)


def start_selection_table(data, *, recipes: Iterable[str] | None = None, target: str = "score",
                          n_jobs: int | None = None, methods: Iterable[str] = DEFAULT_METHODS,
                          schemes: Iterable[str] = ("loo", "lofo"), executor: Executor | None = None
                          ) -> Callable[[dict | None], list[dict]]:
    """:func:`selection_table` in two steps: each (recipe, scheme, method)'s out-of-fold predictions go to
    ``executor`` now (one task each, so that workers share them out), or run when the returned function is called
    without one; the returned function (given the optional ``predictions`` dict) builds the rows in order."""
    methods = list(methods)
    for m in methods:
        make_estimator(m)
    available = set(data.results.recipe.unique())
    known = known_recipes()  # the live registry: a user's recipe too
    jobs: list[tuple[str, str, str, Callable[[], tuple]]] = []
    for recipe in known if recipes is None else recipes:
        if recipe not in known:
            raise InputError(f"unknown recipe {recipe!r}", expected=f"one of {', '.join(known)}")
        if recipe not in available:
            continue
        X, _, _ = data.design(recipe, target, drop_missing=True)
        for scheme in schemes:
            if scheme == "lofo" and _groups(data, X.index) is None:
                continue
            shared = None  # family_effect's fits give bayesian_linear's predictions too: one task for both
            if {"family_effect", "bayesian_linear"} <= set(methods):
                kw = {"recipe": recipe, "target": target, "scheme": scheme}
                shared = (executor.submit(family_and_linear_oof, data, **kw).result if executor is not None
                          else functools.cache(partial(family_and_linear_oof, data, **kw)))
            for method in methods:
                kw = {"recipe": recipe, "target": target, "scheme": scheme, "n_jobs": n_jobs}
                if shared is not None and method in ("family_effect", "bayesian_linear"):
                    get = partial(_pick, shared, 0 if method == "family_effect" else 1)
                else:
                    get = (executor.submit(oof_predictions, data, method, **kw).result if executor is not None
                           else partial(oof_predictions, data, method, **kw))
                jobs.append((method, scheme, recipe, get))

    def rows_of(predictions: dict | None = None) -> list[dict]:
        rows: list[dict] = []
        for method, scheme, recipe, get in jobs:
            pred, y, ranking = get()
            rep = judge(ranking, y)
            rep["mae"] = float(np.mean(np.abs(np.asarray(pred) - y.to_numpy())))
            if predictions is not None:
                predictions[(method, scheme, recipe)] = (pd.Series(np.asarray(ranking, dtype=float),
                                                                   index=y.index), y)
            rows.append({"method": method, "validation": scheme, "recipe": recipe,
                         **{k: float(rep[k]) for k in ROW_KEYS[3:]}})
        return rows

    return rows_of


def _pick(get: Callable[[], tuple], i: int):
    return get()[i]


def influential_bases(ranking: pd.Series, y: pd.Series, *, top: int = 3) -> list[dict]:
    """The bases whose out-of-fold misprediction costs the ranking most: for each base, coverage@5..10 and
    regret@3 when that base alone is put where it belongs — as many of the other bases ranked above it as truly
    scored higher — and every other base stays as predicted. Sorted by the coverage gained; bases whose correction
    changes neither coverage nor regret@3 are left out."""
    from rmbase import metrics

    r, t = ranking.to_numpy(dtype=float), y.to_numpy(dtype=float)
    base_cov, base_reg = metrics.coverage_mean(r, t), metrics.regret_at_k(r, t, 3)
    pred_rank = metrics.ranking_order(r).argsort() + 1
    true_rank = metrics.ranking_order(t).argsort() + 1
    out = []
    for i, m in enumerate(y.index):
        others = np.sort(np.delete(r, i))[::-1]          # the other bases' ranking values, highest first
        above = int((np.delete(t, i) > t[i]).sum())      # how many of them truly scored higher
        hi = others[above - 1] if above > 0 else others[0] + 1.0
        lo = others[above] if above < len(others) else others[-1] - 1.0
        fixed = r.copy()
        fixed[i] = (hi + lo) / 2 if hi > lo else hi      # ties: equal values keep input order
        cov, reg = metrics.coverage_mean(fixed, t), metrics.regret_at_k(fixed, t, 3)
        if cov != base_cov or reg != base_reg:
            out.append({"model": str(m), "predicted_rank": int(pred_rank[i]), "true_rank": int(true_rank[i]),
                        "actual": float(t[i]), "coverage_mean_5_10_if_right": float(cov),
                        "coverage_gain": float(cov - base_cov), "regret_at_3_if_right": float(reg)})
    out.sort(key=lambda d: (-d["coverage_gain"], d["regret_at_3_if_right"]))
    return out[:top]


def influence_table(rows: list[dict], predictions: dict) -> list[dict]:
    """For the best leave-one-out method of each recipe (by coverage@5..10): the bases whose misprediction costs
    its ranking most (:func:`rmbase.selection.compare.influential_bases`)."""
    out = []
    for recipe in dict.fromkeys(r["recipe"] for r in rows):
        if not any(r["recipe"] == recipe and r["validation"] == "loo" for r in rows):
            continue
        best = best_method(rows, recipe=recipe, validation="loo")
        key = (best["method"], "loo", recipe)
        if key in predictions:
            out.append({"recipe": recipe, "method": best["method"], "validation": "loo",
                        "coverage_mean_5_10": best["coverage_mean_5_10"], "regret_at_3": best["regret_at_3"],
                        "bases": influential_bases(*predictions[key])})
    return out


def best_method(rows: list[dict], *, recipe: str = "regression", validation: str = "loo",
                key: str = "coverage_mean_5_10") -> dict:
    """The row with the highest ``key`` (lowest for regret/MAE) among ``recipe`` x ``validation`` rows."""
    cand = [r for r in rows if r["recipe"] == recipe and r["validation"] == validation]
    if not cand:
        raise ValueError(f"no rows for {recipe}/{validation}")
    lower = key in ("mae", "regret_at_1", "regret_at_3")
    return (min if lower else max)(cand, key=lambda r: r[key])


def selection_frequency(data, method: str = "sparse_ridge", *, recipe: str = "regression", target: str = "score",
                        scheme: str = "loo") -> dict[str, float]:
    """Share of outer folds in which each feature was chosen by the method's inner selection (methods with
    ``selected_features_``): how stable the choice is when one base (or family) is held out."""
    from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut

    make_estimator(method)
    m = METHODS[method]
    X, y, _ = method_design(data, m, recipe, target)
    groups = _groups(data, X.index) if scheme == "lofo" else None
    cv = LeaveOneGroupOut() if scheme == "lofo" else LeaveOneOut()
    counts = dict.fromkeys(m.features, 0)
    n = 0
    for train, _ in cv.split(X, y, groups):
        est = m.make().fit(X.iloc[train], y.iloc[train])
        for f in getattr(est, "selected_features_", []):
            counts[f] += 1
        n += 1
    return {f: c / n for f, c in sorted(counts.items(), key=lambda kv: -kv[1])}
