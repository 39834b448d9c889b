"""Replay of the planner and simple strategies on known results (``rmbase plan --simulate``): scores hidden, one
revealed per training, counting the trainings until a base near the best is trained."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.datasets import STUDY_DEFAULT_BASES
from rmbase.errors import InputError
from rmbase.selection.feature_frame import DEFAULT_FEATURES, as_frame
from rmbase.selection.plan_surrogate import (
    BayesLinearSurrogate,
    PlanConfig,
    family_indicators,
    next_index,
    scale_for,
)


def _order_bo(Z, y, start, config, rng, names, scale, G=None, stop_at=None):
    """The planner's training order from ``start``, one result revealed per training; with ``stop_at`` (a boolean
    per base) it stops at the first base marked there (the count is all the simulation needs)."""
    sur = BayesLinearSurrogate(Z, names, config, scale, G)
    idx, obs = [start], [y[start]]
    remaining = np.array([i for i in range(len(y)) if i != start])
    while len(remaining):
        j, *_ = next_index(sur, idx, obs, remaining, config, rng)
        idx.append(j)
        obs.append(y[j])
        remaining = remaining[remaining != j]
        if stop_at is not None and stop_at[j]:
            break
    return idx


def trainings_to_hit(order: list[int], y: np.ndarray, tol: float) -> int:
    """1-based position of the first base within ``tol`` of the best in a training order."""
    hit = y >= np.max(y) - tol
    for k, i in enumerate(order):
        if hit[i]:
            return k + 1
    return len(order) + 1


def simulate(X: pd.DataFrame, y: pd.Series, *, n_starts: int = 200, tol: float = 1.0, seed: int = 0,
             defaults: list[str] | None = None, features: tuple[str, ...] = DEFAULT_FEATURES,
             stop_early: bool = True, families=None, family_sd: float = 0.5) -> dict:
    """Replay strategies on known results (scores hidden, one revealed per training).

    Each start draws a random first base (as if one training had already been done); every strategy then goes on
    from it. Strategies: ``random`` (a random order), ``largest_first`` (params_b descending), ``best_single_benchmark``
    (descending order of the feature with the highest Spearman on ALL results — chosen in hindsight, so an optimistic
    baseline), ``study_default`` (the study's group defaults first, then random), ``bo_ei_capability``,
    ``bo_ei_flat``, ``bo_thompson_capability`` (the planner of :mod:`rmbase.selection.plan`), and with ``families``
    (one per row of ``X``) ``bo_ei_capability_family`` (the planner with a shared per-family offset of prior sd
    ``family_sd``).
    Returns per strategy the median, 90th percentile and mean number of trainings until a base within ``tol`` of
    the best is trained."""
    names = list(features)
    F = as_frame(X, names)
    Z = (F - F.mean()) / F.std(ddof=0).replace(0, 1.0)
    Z = Z.to_numpy()
    yv = y.to_numpy(dtype=float)
    n = len(yv)
    if n_starts < 1:
        raise InputError(f"n_starts must be at least 1, got {n_starts}")
    from scipy import stats

    rho = {c: stats.spearmanr(F[c], yv).statistic for c in F.columns}
    best_feature = max(rho, key=lambda c: np.nan_to_num(rho[c], nan=-2))
    by_feature = list(np.argsort(-F[best_feature].to_numpy(), kind="stable"))
    largest = list(np.argsort(-X["params_b"].to_numpy(dtype=float), kind="stable"))
    default_idx = [list(X.index).index(m) for m in (defaults or []) if m in set(X.index)]
    scale = scale_for(yv, PlanConfig())
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=n_starts)
    counts: dict[str, list[int]] = {k: [] for k in ("random", "largest_first", "best_single_benchmark",
                                                    "study_default", "bo_ei_capability", "bo_ei_flat",
                                                    "bo_thompson_capability")}
    cfgs = {"bo_ei_capability": PlanConfig(features=features, prior="capability", acquisition="ei", family_sd=0.0),
            "bo_ei_flat": PlanConfig(features=features, prior="flat", acquisition="ei", family_sd=0.0),
            "bo_thompson_capability": PlanConfig(features=features, prior="capability", acquisition="thompson",
                                                 family_sd=0.0)}
    G = None
    if families is not None:
        if len(families) != n:
            raise InputError(f"families has {len(families)} entries for {n} bases")
        G = family_indicators(families)
        cfgs["bo_ei_capability_family"] = PlanConfig(features=features, prior="capability", acquisition="ei",
                                                     family_sd=family_sd)
        counts["bo_ei_capability_family"] = []
    hit = yv >= yv.max() - tol

    def then(start, order):
        return [start, *[i for i in order if i != start]]

    for s, start in enumerate(starts):
        srng = np.random.default_rng([seed, s])
        perm = list(srng.permutation(n))
        counts["random"].append(trainings_to_hit(then(start, perm), yv, tol))
        counts["largest_first"].append(trainings_to_hit(then(start, largest), yv, tol))
        counts["best_single_benchmark"].append(trainings_to_hit(then(start, by_feature), yv, tol))
        rest = [i for i in perm if i not in default_idx]
        counts["study_default"].append(trainings_to_hit(then(start, [*default_idx, *rest]), yv, tol))
        for name, cfg in cfgs.items():
            if hit[start]:
                counts[name].append(1)
                continue
            order = _order_bo(Z, yv, start, cfg, srng, names, scale, G, stop_at=hit if stop_early else None)
            counts[name].append(trainings_to_hit(order, yv, tol))
    summary = []
    for name, c in counts.items():
        a = np.asarray(c)
        summary.append({"strategy": name, "median": float(np.median(a)), "p90": float(np.percentile(a, 90)),
                        "mean": float(a.mean()), "max": int(a.max())})
    return {"n_bases": n, "n_starts": n_starts, "tol": tol,
            "n_within_tol": int(hit.sum()), "best_single_benchmark_feature": best_feature,
            "study_defaults": [X.index[i] for i in default_idx], "strategies": summary}


def simulate_dataset(data, *, recipe: str = "regression", target: str = "score", n_starts: int = 200,
                     tol: float = 1.0, seed: int = 0) -> dict:
    """:func:`simulate` on a study's own results (the features its planner sees are the same that recommend uses)."""
    from rmbase.provenance import provenance

    X, y, dropped = data.design(recipe, target, drop_missing=True)
    models = data.models.set_index("model")
    families = models["family"].reindex(X.index).tolist() if "family" in models else None
    out = simulate(X, y, n_starts=n_starts, tol=tol, seed=seed, defaults=list(STUDY_DEFAULT_BASES.values()),
                   families=families)
    out.update(dataset=data.name, recipe=recipe, target=target, dropped=dropped,
               best={"model": str(y.idxmax()), "score": float(y.max())},
               provenance=provenance(config={"n_starts": n_starts, "tol": tol, "recipe": recipe, "target": target},
                                     seeds={"seed": seed}, data=data.data_sha256))
    return out
