"""The planner's surrogate and acquisition (:mod:`rmbase.selection.plan` proposes with them,
:mod:`rmbase.selection.plan_simulation` replays them on published results).

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

from rmbase.errors import InputError
from rmbase.selection.configs import PlanConfig

PRIORS = ("capability", "flat")
ACQUISITIONS = ("ei", "thompson")


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


def scale_for(y: np.ndarray, config: PlanConfig) -> float:
    """The prior's scale in the target's units: ``config.scale``, else 5 points (0.05 when every score is <= 1)."""
    if config.scale is not None:
        return float(config.scale)
    return 0.05 if len(y) and np.nanmax(np.abs(y)) <= 1.0 else 5.0


def check_config(config: PlanConfig) -> None:
    """Refuse an unknown prior, acquisition or prior evidence (the numbers' ranges are the config's)."""
    if config.prior_evidence not in ("pooled", "study"):
        raise InputError(f"unknown prior evidence {config.prior_evidence!r}", expected="pooled or study")
    if config.prior not in PRIORS:
        raise InputError(f"unknown prior {config.prior!r}", expected=f"one of {', '.join(PRIORS)}")
    if config.acquisition not in ACQUISITIONS:
        raise InputError(f"unknown acquisition {config.acquisition!r}", expected=f"one of {', '.join(ACQUISITIONS)}")


def next_index(sur: BayesLinearSurrogate, idx: list[int], y: list[float], remaining: np.ndarray,
                config: PlanConfig, rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The acquisition's pick among ``remaining`` given observed ``idx`` -> ``y``: (pick, mean, sd, score)."""
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
