"""Which base to train next (``rmbase plan``): Bayesian optimisation over benchmark features, with the surrogate and
acquisition of :mod:`rmbase.selection.plan_surrogate` (its docstring describes the priors and families) and, as prior
evidence, published RM results (:mod:`rmbase.selection.plan_prior`). The replay on published results
(``--simulate``) is :mod:`rmbase.selection.plan_simulation`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rmbase.errors import InputError
from rmbase.selection.feature_frame import as_frame
from rmbase.selection.plan_surrogate import (
    BayesLinearSurrogate,
    PlanConfig,
    check_config,
    family_indicators,
    next_index,
    scale_for,
)


def _surrogate(pool: pd.DataFrame, trained: pd.Series | None, config: PlanConfig,
               evidence: tuple[pd.DataFrame, pd.Series] | None = None):
    """(surrogate, observed positions, observed scores, untrained positions, trained) over ``pool``.

    ``evidence`` (features, scores of other bases, e.g. the study's on the same recipe) is prior evidence: the
    surrogate learns the features' weights from it (:meth:`BayesLinearSurrogate.condition_on`) and the level from
    ``trained``; features are then standardised over pool and evidence together. ``sur.level_offset_``: how far
    the trained results sit above the evidence's fit (None without both)."""
    check_config(config)
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
    sur = BayesLinearSurrogate(Z, list(config.features), config, scale_for(y_all, config), G)
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
        j, mu, s, acq = next_index(sur, idx, y, remaining, config, rng)
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
    from rmbase.selection.candidates import merged_scores

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
    from rmbase.selection.candidates import candidate_scores
    from rmbase.selection.plan_prior import ACQUISITION_TEXT, file_recipe, pooled_evidence, study_evidence

    config = config or PlanConfig()
    check_config(config)
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
            hint += f"; then: {no_scores[0]['commands'][1]} (with your --results file)"
        raise InputError(f"{len(unscorable)} candidate(s) cannot be planned over ({why}){hint}",
                         expected="benchmark scores for every candidate (--benchmarks FILE adds yours to the "
                                  "bundled table)")
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
