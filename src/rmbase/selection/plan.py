"""Which base to train next: Bayesian optimisation over benchmark features, and its replay on published results.

Surrogate: Bayesian linear regression of the RM score on the pool's standardised features (sizes logged) with a
Gaussian prior on the weights and known noise; its posterior is exact, so one step over a pool of hundreds of bases
costs microseconds. Acquisition: expected improvement (EI) over the best score trained so far, or Thompson
sampling. Batches (``budget > 1``) are chosen greedily, each pick's posterior mean taken as if observed (the
"kriging believer" heuristic).

Priors (``prior``):
- ``flat``: every weight N(0, tau^2) — the surrogate knows nothing about which features matter;
- ``capability`` (default): the weights of ``oll_average`` and ``params_b`` have a positive prior mean — the belief
  that larger, more capable bases make better RMs (the direction the study and other public base-model comparisons
  report). It is an assumption, not fitted to any result here; ``--simulate`` reports both priors.
Scales are in the target's units: ``scale`` (default 5 points, or 0.05 when every score is at most 1) is the prior
sd of the intercept-free effect of one standard deviation of a feature; noise sd = ``scale`` / 2.

Families (``family_sd``, default 0.5 x scale = 2.5 points): bases of one family share an offset u_family ~
N(0, (family_sd x scale)^2), so a trained Qwen2.5 base moves the estimate of its untrained siblings. Families come
from a ``family`` column of the pool, else from the ids (:func:`rmbase.model_ids.model_family`); 0 turns it off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from rmbase.config import Config
from rmbase.datasets import STUDY_DEFAULT_BASES
from rmbase.errors import InputError
from rmbase.selection.feature_frame import DEFAULT_FEATURES, as_frame

PRIORS = ("capability", "flat")
ACQUISITIONS = ("ei", "thompson")


class PlanConfig(Config):
    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...] = DEFAULT_FEATURES
    prior: str = "capability"
    acquisition: str = "ei"
    scale: float | None = None       # None: 5 points, or 0.05 for 0-1 scores
    tau: float = 1.0                 # prior sd of each weight, in units of scale
    prior_weight: float = 1.0        # prior mean of the capability weights, in units of scale
    noise: float = 0.5               # noise sd, in units of scale
    family_sd: float = 0.5           # prior sd of a shared per-family offset, in units of scale (0: no families)
    study_prior: bool = True         # published RM results as prior evidence
    prior_evidence: str = "pooled"   # "pooled": every study, mapped into one unit; "study": the bundled study's
    #                                  results of the same recipe only (needs the recipe)


def family_indicators(families) -> np.ndarray:
    """One column per family named at least twice (an offset shared by nobody else informs nothing); None or a
    singleton family gives a row of zeros."""
    fam = pd.Series(list(families), dtype=object)
    counts = fam.value_counts()
    shared = [f for f in counts.index if isinstance(f, str) and counts[f] >= 2]
    return np.column_stack([(fam == f).to_numpy(dtype=float) for f in shared]) if shared else \
        np.zeros((len(fam), 0))


class BayesLinearSurrogate:
    """Exact Bayesian linear regression y = b + w.z + u_family + e over a fixed pool (z standardised on the
    pool; ``G`` the family indicators, each offset u ~ N(0, (family_sd * scale)^2))."""

    def __init__(self, Z: np.ndarray, names: list[str], config: PlanConfig, scale: float,
                 G: np.ndarray | None = None):
        d = Z.shape[1]
        G = np.zeros((len(Z), 0)) if G is None or config.family_sd <= 0 else G
        self.Z, self.names, self.config, self.scale = np.column_stack([Z, G]), names, config, scale
        self.m0 = np.zeros(d + G.shape[1] + 1)
        if config.prior == "capability":
            strong = [i for i, n in enumerate(names) if n in ("oll_average", "params_b")]
            for i in strong:
                self.m0[i + 1] = config.prior_weight * scale / np.sqrt(len(strong))
        self.S0 = np.diag([1e6 * scale**2, *([(config.tau * scale) ** 2] * d),
                           *([(config.family_sd * scale) ** 2] * G.shape[1])])
        self.noise_var = (config.noise * scale) ** 2
        self.evidence_ = 0

    def condition_on(self, Z_ev: np.ndarray, y_ev: np.ndarray) -> BayesLinearSurrogate:
        """Take results of another source (the study's, on the same recipe) as prior evidence: the prior becomes
        the posterior given them (exact), so that the weights of the features are learnt from them. Their rows
        carry no family offsets. The level stays free: with results of the user's own, the intercept is
        re-estimated from those (:meth:`posterior`), as the user's data and evaluation may sit higher or lower."""
        A = np.column_stack([np.ones(len(Z_ev)), Z_ev, np.zeros((len(Z_ev), self.Z.shape[1] - Z_ev.shape[1]))])
        m0 = self.m0.copy()
        m0[0] = float(np.mean(y_ev))
        S0inv = np.linalg.inv(self.S0)
        cov = np.linalg.inv(S0inv + A.T @ A / self.noise_var)
        self.m0 = cov @ (S0inv @ m0 + A.T @ y_ev / self.noise_var)
        self.S0 = cov
        self.evidence_ = len(y_ev)
        return self

    def posterior(self, idx: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and sd (of the latent score) for every pool member given observed ``idx`` -> ``y``."""
        A = np.column_stack([np.ones(len(self.Z)), self.Z])
        if len(idx):
            # intercept prior centred on the observed mean (a vague prior; keeps the algebra well conditioned)
            m0, S0 = self.m0.copy(), self.S0.copy()
            if self.evidence_:  # the level is the user's own: free again, the weights keep the evidence
                m0[0] += float(np.mean(y - A[idx] @ self.m0))
                S0[0, :] = S0[:, 0] = 0.0
                S0[0, 0] = 1e6 * self.scale**2
            else:
                m0[0] = float(np.mean(y))
            Ao = A[idx]
            S0inv = np.linalg.inv(S0)
            prec = S0inv + Ao.T @ Ao / self.noise_var
            cov = np.linalg.inv(prec)
            mean_w = cov @ (S0inv @ m0 + Ao.T @ y / self.noise_var)
        elif self.evidence_:  # only the evidence: its level and weights
            mean_w, cov = self.m0.copy(), self.S0.copy()
        else:
            m0 = self.m0.copy()
            m0[0] = 0.0
            mean_w, cov = m0, self.S0.copy()
            cov[0, 0] = 0.0  # before any observation only the relative order matters
        mu = A @ mean_w
        var = np.einsum("ij,jk,ik->i", A, cov, A)
        self.last_cov_, self.last_mean_w_ = cov, mean_w
        return mu, np.sqrt(np.maximum(var, 1e-12))


def expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    from scipy.special import ndtr  # the normal cdf (what scipy.stats.norm.cdf computes), without scipy.stats

    z = (mu - best) / sd
    return (mu - best) * ndtr(z) + sd * (np.exp(-z**2 / 2.0) / np.sqrt(2 * np.pi))


def _scale_for(y: np.ndarray, config: PlanConfig) -> float:
    if config.scale is not None:
        return float(config.scale)
    return 0.05 if len(y) and np.nanmax(np.abs(y)) <= 1.0 else 5.0


def _check_config(config: PlanConfig) -> None:
    if not (np.isfinite(config.family_sd) and config.family_sd >= 0):
        raise InputError(f"--family-sd must be a number >= 0, got {config.family_sd}")
    if config.prior_evidence not in ("pooled", "study"):
        raise InputError(f"unknown prior evidence {config.prior_evidence!r}", expected="pooled or study")
    if config.prior not in PRIORS:
        raise InputError(f"unknown prior {config.prior!r}", expected=f"one of {', '.join(PRIORS)}")
    if config.acquisition not in ACQUISITIONS:
        raise InputError(f"unknown acquisition {config.acquisition!r}", expected=f"one of {', '.join(ACQUISITIONS)}")


def _next_index(sur: BayesLinearSurrogate, idx: list[int], y: list[float], remaining: np.ndarray,
                config: PlanConfig, rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    mu, sd = sur.posterior(np.asarray(idx, dtype=int), np.asarray(y, dtype=float))
    if config.acquisition == "thompson":
        w = rng.multivariate_normal(sur.last_mean_w_, sur.last_cov_ + 1e-12 * np.eye(len(sur.last_mean_w_)))
        A = np.column_stack([np.ones(len(sur.Z)), sur.Z])
        score = A @ w
    elif not y:
        score = mu  # nothing trained yet: start from the prior's best guess (EI would chase the widest prior)
    else:
        score = expected_improvement(mu, sd, max(y))
    cand = remaining[np.argmax(score[remaining])]
    return int(cand), mu, sd, score


def _surrogate(pool: pd.DataFrame, trained: pd.Series | None, config: PlanConfig,
               evidence: tuple[pd.DataFrame, pd.Series] | None = None):
    """(surrogate, observed positions, observed scores, untrained positions, trained) over ``pool``.

    ``evidence`` (features, scores of other bases, e.g. the study's on the same recipe) is prior evidence: the
    surrogate learns the features' weights from it (:meth:`BayesLinearSurrogate.condition_on`) and the level from
    ``trained``; features are then standardised over pool and evidence together. ``sur.level_offset_``: how far
    the trained results sit above the evidence's fit (None without both)."""
    _check_config(config)
    trained = pd.Series(dtype=float) if trained is None else trained.astype(float)
    unknown = [m for m in trained.index if m not in pool.index]
    if unknown:
        raise InputError(f"{len(unknown)} trained model(s) are not in the pool: {', '.join(map(str, unknown[:5]))}",
                         expected="every trained base among the pool's candidates (with its benchmark scores)")
    remaining = np.array([i for i, m in enumerate(pool.index) if m not in set(trained.index)], dtype=int)
    F = as_frame(pool, config.features)
    ref = F if evidence is None else pd.concat([F, as_frame(evidence[0], config.features)])
    sd = ref.std(axis=0, ddof=0).to_numpy()
    centre, sd = ref.mean(axis=0).to_numpy(), np.where(sd > 0, sd, 1.0)
    Z = (F.to_numpy() - centre) / sd
    y_obs = trained.to_numpy(dtype=float)
    G = None
    if config.family_sd > 0:
        from rmbase.model_ids import model_family

        fams = pool["family"] if "family" in pool else [model_family(m) for m in pool.index]
        G = family_indicators(fams)
    y_all = y_obs if evidence is None else np.concatenate([y_obs, evidence[1].to_numpy(dtype=float)])
    sur = BayesLinearSurrogate(Z, list(config.features), config, _scale_for(y_all, config), G)
    level_offset = None
    if evidence is not None:
        sur.condition_on((as_frame(evidence[0], config.features).to_numpy() - centre) / sd,
                         evidence[1].to_numpy(dtype=float))
        if len(trained):
            A = np.column_stack([np.ones(len(sur.Z)), sur.Z])
            level_offset = float(np.mean(y_obs - A[[list(pool.index).index(m) for m in trained.index]] @ sur.m0))
    sur.level_offset_ = level_offset
    pos = {m: i for i, m in enumerate(pool.index)}
    return sur, [pos[m] for m in trained.index], list(y_obs), remaining, trained


def pool_posterior(pool: pd.DataFrame, trained: pd.Series | None = None, *,
                   config: PlanConfig | None = None,
                   evidence: tuple[pd.DataFrame, pd.Series] | None = None) -> pd.DataFrame:
    """The surrogate's posterior mean and sd of the RM score of every untrained pool candidate (index: model)."""
    sur, idx, y, remaining, trained = _surrogate(pool, trained, config or PlanConfig(), evidence)
    mu, sd = sur.posterior(np.asarray(idx, dtype=int), np.asarray(y, dtype=float))
    return pd.DataFrame({"mu": mu[remaining], "sd": sd[remaining]}, index=pool.index[remaining])


def propose(pool: pd.DataFrame, trained: pd.Series | None = None, *, budget: int = 1,
            config: PlanConfig | None = None, seed: int = 0,
            evidence: tuple[pd.DataFrame, pd.Series] | None = None) -> pd.DataFrame:
    """The next ``budget`` bases to train from ``pool`` (index: model; columns: the features), given ``trained``
    (index: model, values: observed RM scores; may be empty). Returns one row per proposal, in order, with the
    surrogate's mean, sd and acquisition value at the time of the pick. ``evidence``: prior evidence (see
    :func:`_surrogate`); ``attrs["level_offset"]``: the trained results' offset from the evidence's fit."""
    config = config or PlanConfig()
    sur, idx, y, remaining, trained = _surrogate(pool, trained, config, evidence)
    if budget < 1:
        raise InputError(f"budget must be at least 1, got {budget}")
    if budget > len(remaining):
        raise InputError(f"budget {budget} is larger than the {len(remaining)} untrained candidate(s) in the pool")
    rng = np.random.default_rng(seed)
    rows = []
    for step in range(budget):
        j, mu, s, acq = _next_index(sur, idx, y, remaining, config, rng)
        cold = len(trained) == 0 and evidence is None
        rows.append({"rank": step + 1, "model": pool.index[j],
                     # without any trained result the surrogate knows only the order, not the level
                     "predicted": None if cold else float(mu[j]), "sd": None if cold else float(s[j]),
                     "acquisition": float(acq[j]),
                     "acquisition_kind": "prior mean" if len(trained) == 0 and step == 0 else config.acquisition})
        idx.append(j)
        y.append(float(mu[j]))  # kriging believer for the rest of the batch
        remaining = remaining[remaining != j]
    out = pd.DataFrame(rows)
    out.attrs["level_offset"] = sur.level_offset_
    return out


# ----------------------------------------------------------------------------------------------- simulation

def _order_bo(Z, y, start, config, rng, names, scale, G=None):
    sur = BayesLinearSurrogate(Z, names, config, scale, G)
    n = len(y)
    idx, obs = [start], [y[start]]
    remaining = np.array([i for i in range(n) if i != start])
    while len(remaining):
        j, *_ = _next_index(sur, idx, obs, remaining, config, rng)
        idx.append(j)
        obs.append(y[j])
        remaining = remaining[remaining != j]
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
    ``bo_ei_flat``, ``bo_thompson_capability`` (this module's planner), and with ``families`` (one per row of
    ``X``) ``bo_ei_capability_family`` (the planner with a shared per-family offset of prior sd ``family_sd``).
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
    scale = _scale_for(yv, PlanConfig())
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
            order = _order_bo_until(Z, yv, start, cfg, srng, names, scale, hit, G) if stop_early else \
                _order_bo(Z, yv, start, cfg, srng, names, scale, G)
            counts[name].append(trainings_to_hit(order, yv, tol))
    summary = []
    for name, c in counts.items():
        a = np.asarray(c)
        summary.append({"strategy": name, "median": float(np.median(a)), "p90": float(np.percentile(a, 90)),
                        "mean": float(a.mean()), "max": int(a.max())})
    return {"n_bases": n, "n_starts": n_starts, "tol": tol,
            "n_within_tol": int(hit.sum()), "best_single_benchmark_feature": best_feature,
            "study_defaults": [X.index[i] for i in default_idx], "strategies": summary}


def _order_bo_until(Z, y, start, config, rng, names, scale, hit, G=None):
    """Like :func:`_order_bo` but stops at the first hit (the count is all the simulation needs)."""
    sur = BayesLinearSurrogate(Z, names, config, scale, G)
    idx, obs = [start], [y[start]]
    remaining = np.array([i for i in range(len(y)) if i != start])
    while len(remaining):
        j, *_ = _next_index(sur, idx, obs, remaining, config, rng)
        idx.append(j)
        obs.append(y[j])
        remaining = remaining[remaining != j]
        if hit[j]:
            break
    return idx


# ----------------------------------------------------------------------------------------------- entry points


def load_trained(path: str, pool_index, *, recipe: str | None = None, target: str = "score") -> pd.Series:
    """Observed RM scores from a results file (``model, score`` or the study's results schema with ``recipe``),
    matched to the pool's ids. Every row must name a pool candidate: a file whose models are not in the pool is
    most likely a results file for another dataset, and is refused."""
    from rmbase.io import read_table
    from rmbase.model_ids import ModelIdIndex

    df = read_table(path)
    df.columns = [str(c).strip() for c in df.columns]
    for col in ("model", target):
        if col not in df:
            raise InputError(f"missing column {col!r} in the results file", path=path,
                             expected=f"columns model, {target} (and optionally recipe)")
    if "recipe" in df:
        if recipe is None:
            if df["recipe"].nunique() > 1:
                raise InputError("the results file has several recipes; choose one with --recipe", path=path,
                                 column="recipe")
        else:
            df = df[df["recipe"].astype(str).eq(recipe)]
            if df.empty:
                raise InputError(f"no rows for recipe {recipe!r} in the results file", path=path, column="recipe")
    from rmbase.datasets.schema import numeric_column
    from rmbase.ranges import RM_SCORE_PERCENT

    vals = numeric_column(df[target], path=path, column=target, rng=RM_SCORE_PERCENT)
    found, unknown = ModelIdIndex(pool_index).join(df["model"].astype(str))
    if unknown:
        raise InputError(f"{len(unknown)} of {len(df)} trained model(s) are not candidates of the pool "
                         f"({', '.join(unknown[:5])}{'...' if len(unknown) > 5 else ''}); is this a results file for "
                         "another dataset, or do these bases lack benchmark scores?", path=path, column="model")
    mapped = df["model"].astype(str).map(found)
    dup = mapped.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"model {df['model'].iloc[i]!r} appears twice", path=path, row=int(df.index[i]) + 1,
                         column="model", expected="one result per base (per recipe)")
    return pd.Series(vals.to_numpy(dtype=float), index=mapped.to_numpy(), name=target)


def _merged_pool(pool_file: str | None) -> pd.DataFrame:
    from rmbase.selection.recommend import merged_scores

    table = merged_scores(pool_file)[0]
    six = [c for c in table.columns if c not in ("params_b", "oll_average")]
    table["oll_average"] = table["oll_average"].fillna(table[six].mean(axis=1, skipna=False))
    return table


def plan(*, pool_file: str | None = None, candidates: list[str] | None = None, trained_file: str | None = None,
         budget: int = 1, recipe: str | None = None, config: PlanConfig | None = None, seed: int = 0,
         data=None, probes: pd.DataFrame | None = None, probe_feature: str | None = None,
         probe_costs: dict | None = None) -> dict:
    """``rmbase plan``: the next ``budget`` bases to train from a pool (a benchmarks file, given candidate ids, or
    the bundled chat/instruct table), given what was already trained.

    Scores: a ``pool_file`` adds to the bundled table (its values win); without ``candidates`` the pool is the
    file's models. With ``config.study_prior`` and a known recipe, the study's published results (``data``, default
    the bundled study) are prior evidence (:func:`rmbase.selection.plan_prior.study_evidence`).

    ``probes`` (a :func:`rmbase.probe.table.load_probe_table` table) with ``probe_feature``: that probe becomes a
    surrogate feature (the pool shrinks to the probed candidates). ``probe_costs`` (``rho``, ``probe_cost``,
    ``train_cost``): whether probing the untrained, unprobed candidates first is worth it
    (:mod:`rmbase.selection.probe_value`)."""
    from rmbase.provenance import provenance
    from rmbase.selection.plan_prior import ACQUISITION_TEXT, file_recipe, pooled_evidence, study_evidence
    from rmbase.selection.recommend import candidate_scores

    config = config or PlanConfig()
    _check_config(config)
    scores = candidate_scores(candidates=candidates, benchmarks=pool_file, features=config.features,
                              pool_types=None if (pool_file or candidates) else ("chat", "fine-tuned"),
                              file_pool=True)
    pool, unscorable = scores.table, scores.unscorable
    if data is None and config.study_prior:
        from rmbase.datasets import load_bundled

        data = load_bundled()
    no_scores = []
    if scores.to_score(candidates) and data is not None:
        from rmbase.selection.no_scores import guidance

        no_scores = guidance(scores.to_score(candidates), data=data, recipe=recipe or "regression", candidates=candidates,
                             command="plan")
    if candidates and unscorable:
        why = "; ".join(f"{u['model']}: {u['reason']}" for u in unscorable[:10])
        hint = "".join(f"; to score {g['model']}: {g['commands'][0]}" for g in no_scores[:3])
        if no_scores:
            hint += f"; then: {no_scores[0]['commands'][1]} (with your --trained file)"
        raise InputError(f"{len(unscorable)} candidate(s) cannot be planned over ({why}){hint}",
                         expected="benchmark scores for every candidate (--pool FILE adds yours to the bundled "
                                  "table)")
    if pool.empty:
        raise InputError("the pool has no candidate with all benchmark features")
    extra: dict = {}
    if probes is not None or probe_costs is not None:
        from rmbase.selection.probe_value import with_probes

        pool, config, extra = with_probes(pool, config, probes, probe_feature, unscorable)
    trained = load_trained(trained_file, pool.index, recipe=recipe) if trained_file else None
    recipe = recipe or (file_recipe(trained_file) if trained_file else None)
    evidence, prior_record = (None, {"used": False, "reason": "--no-study-prior"})
    if config.study_prior and data is not None:
        if probe_feature:
            prior_record = {"used": False, "reason": f"the surrogate uses the probe feature {probe_feature!r}, "
                                                     "which the study's bases do not have"}
        elif config.prior_evidence == "pooled":
            evidence, prior_record = pooled_evidence(recipe, trained, config.features, _merged_pool(pool_file))
        else:
            evidence, prior_record = study_evidence(data, recipe, trained, config.features)
    proposals = propose(pool, trained, budget=budget, config=config, seed=seed, evidence=evidence)
    prior_record["level_offset"] = proposals.attrs.get("level_offset")
    best = None if trained is None or trained.empty else float(trained.max())
    if probe_costs is not None:
        from rmbase.selection.probe_value import probe_value

        post = pool_posterior(pool, trained, config=config, evidence=evidence)
        unprobed = post if probes is None else post[~post.index.isin(extra["probed"])]
        extra["probe_value"] = probe_value(unprobed["mu"], unprobed["sd"], best=best, seed=seed, **probe_costs) \
            if len(unprobed) else None
    return {**extra, "n_pool": len(pool), "n_trained": 0 if trained is None else len(trained),
            "best_trained": None if best is None else {"model": str(trained.idxmax()), "score": best},
            "proposals": proposals.to_dict(orient="records"), "unscorable": unscorable, "no_scores": no_scores,
            "study_prior": prior_record, "recipe": recipe,
            "acquisition_explained": ACQUISITION_TEXT[config.acquisition].format(
                best="your best result so far" if best is None else f"your best so far ({best:.1f})"),
            "provenance": provenance(config={**config.__dict__, "budget": budget, "recipe": recipe}, seeds={"seed": seed},
                                     pool=pool_file or ("candidates" if candidates else "bundled leaderboard_v2"),
                                     trained=trained_file)}


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
