"""Is it worth probing the untrained candidates before training the next one? A value-of-information rule.

A probe (``rmbase probe``) is a cheap, noisy measurement of a candidate. Treat it as a signal whose correlation
with the candidate's RM score, *beyond what the planner's surrogate already knows from benchmark features*, is
``rho``. For an untrained candidate with posterior N(mu, sd^2), observing its probe moves the posterior mean to
mu' ~ N(mu, rho^2 sd^2) (the preposterior distribution) and shrinks the sd to sd * sqrt(1 - rho^2).

The next training earns its expected improvement over the best score so far (``best``; with nothing trained yet,
the best posterior mean):

* without probes: ``EI_now = max_i EI(mu_i, sd_i; best)``;
* after probing all N untrained candidates: ``EI_probed = E[max_i EI(mu'_i, sd_i sqrt(1 - rho^2); best)]``,
  by Monte Carlo over mu'.

The value of information ``VOI = EI_probed - EI_now`` (score points) pays for ``N * probe_cost`` of compute. The
rule: probe first when ``VOI >= (N * probe_cost / train_cost) * EI_now`` -- the gain per unit of compute spent on
probes is at least the gain per unit of compute of simply training the next candidate. The verdict is only as good
as ``rho``: measure it (docs/probes.md) rather than assume it; with ``rho = 0`` probing is never worth it.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from rmbase.errors import InputError


def _ei(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    sd = np.maximum(sd, 1e-12)
    z = (mu - best) / sd
    return (mu - best) * stats.norm.cdf(z) + sd * stats.norm.pdf(z)


def probe_value(mu, sd, *, rho: float, probe_cost: float, train_cost: float, best: float | None = None,
                n_sims: int = 4000, seed: int = 0) -> dict:
    """The rule of the module doc for untrained candidates with posterior means ``mu`` and sds ``sd``.

    ``probe_cost`` and ``train_cost``: the compute of probing one candidate and of training one cell, in the
    same unit (GPU-hours, seconds). Returns the figures and ``probe_first`` (bool)."""
    mu, sd = np.asarray(mu, dtype=float), np.asarray(sd, dtype=float)
    if not 0.0 <= rho <= 1.0:
        raise InputError(f"--probe-rho must be between 0 and 1, got {rho}")
    if probe_cost < 0 or train_cost <= 0:
        raise InputError("the probe cost must be >= 0 and the training cost > 0",
                         expected="--probe-cost and --train-cost in the same unit")
    if len(mu) == 0:
        raise InputError("no untrained candidate to probe")
    ref = float(np.max(mu)) if best is None else float(best)
    ei_now = float(np.max(_ei(mu, sd, ref)))
    rng = np.random.default_rng(seed)
    shifted = mu[None, :] + rho * sd[None, :] * rng.standard_normal((n_sims, len(mu)))
    ei_probed = float(np.mean(np.max(_ei(shifted, sd[None, :] * np.sqrt(1.0 - rho**2), ref), axis=1)))
    voi = max(ei_probed - ei_now, 0.0)
    cost_in_trainings = len(mu) * probe_cost / train_cost
    threshold = cost_in_trainings * ei_now
    return {"n_candidates": int(len(mu)), "rho": float(rho), "best": ref, "ei_next_training": ei_now,
            "ei_after_probing": ei_probed, "value_of_information": voi,
            "probe_cost_in_trainings": cost_in_trainings, "threshold": threshold, "probe_first": bool(voi >= threshold),
            "break_even_probe_cost": (voi / ei_now * train_cost / len(mu)) if ei_now > 0 else float("inf")}


def with_probes(pool, config, probes, probe_feature: str | None, unscorable: list) -> tuple:
    """The pool with the probe columns joined by model id; with ``probe_feature`` that column is added to the
    surrogate's features and unprobed candidates move to ``unscorable``. Returns (pool, config, extra)."""

    from rmbase.probe.table import PROBE_FEATURES, join_probes

    extra: dict = {"probed": [], "probe_feature": probe_feature, "unmatched_probes": []}
    if probes is None:
        if probe_feature is not None:
            raise InputError("--probe-feature needs --probes")
        return pool, config, extra
    pool, unmatched = join_probes(pool, probes)
    extra["unmatched_probes"] = unmatched
    cols = list(PROBE_FEATURES.values())
    extra["probed"] = [m for m in pool.index if pool.loc[m, cols].notna().any()]
    if probe_feature is not None:
        if probe_feature not in cols:
            raise InputError(f"unknown probe feature {probe_feature!r}", expected=" | ".join(cols))
        have = pool[probe_feature].notna()
        unscorable.extend({"model": m, "reason": f"no {probe_feature}"} for m in pool.index[~have])
        pool = pool[have]
        if len(pool) < 2:
            raise InputError(f"only {len(pool)} pool candidate(s) have {probe_feature}; the surrogate needs two",
                             expected="probe results (rmbase probe --model-id ID) for the pool's candidates")
        config = config.model_copy(update={"features": (*config.features, probe_feature)})
    return pool, config, extra
