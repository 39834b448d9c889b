"""The pooled model: one latent quality of a base, shared by every grid, with a level and a scale per grid.

For a base b with standardised features x_b (sizes logged), stage s_b and family f_b, and a grid g (one study, one
recipe, one RM benchmark and target):

    y_gb = a_g + c_g * (x_b . w + beta_{s_b} + u_{f_b}) + e_gb,   e_gb ~ N(0, sigma_g^2)

``a_g`` (level) and ``c_g > 0`` (scale) absorb everything a study changes for all its bases at once: training data,
recipe, RM benchmark, scale of the score. ``w`` (feature weights, ridge prior), ``beta`` (stage effects relative to
``instruct``, ridge prior) and ``u`` (family offsets, a random intercept whose variance tau^2 is estimated from the
data) are shared: they are what one grid teaches about another. The fit alternates weighted ridge for the shared
part with per-grid least squares for (a_g, c_g, sigma_g); the latent is normalised to sd 1 over the training bases.
Each grid weighs the same in total (``grid_weight="grid"``) or each base (``"base"``).

The posterior of (w, beta) is Gaussian (ridge = Gaussian prior, grid noise known at its estimate), so predictions
are a distribution; :class:`PooledModel.draw` samples it jointly for several bases (weights shared within a draw).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rmbase.selection.stage import REFERENCE_STAGE, STAGES

LOG_FEATURES = ("params_b",)
EFFECT_STAGES = tuple(s for s in STAGES if s != REFERENCE_STAGE)
PRIOR_DOF = 5.0
CLAMPED = ("params_b",)


@dataclass(frozen=True)
class PooledConfig:
    features: tuple[str, ...] = ("oll_average", "params_b")
    alpha: float = 3.0          # ridge on the standardised feature weights
    stage_alpha: float | None = None  # ridge on the stage effects (latent sd units); None: the same as alpha
    family: bool = True         # a shared random offset per family
    grid_weight: str = "grid"   # "grid": each grid weighs the same in total; "base": each (grid, base) row
    stage: bool = True          # stage effects (off only for the size-only baseline)
    clamp: bool = True          # sizes held to the training range (off only for the size-only baseline)
    n_iter: int = 12

    def label(self) -> str:
        feats = "+".join(self.features)
        return (f"{feats}{' + stage' if self.stage else ''}, alpha {self.alpha:g}, family "
                f"{'on' if self.family else 'off'}, weight per {self.grid_weight}")


def transform(F: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    F = np.array(F, dtype=float, copy=True)
    for j, f in enumerate(features):
        if f in LOG_FEATURES:
            F[:, j] = np.log(np.maximum(F[:, j], 1e-3))
    return F


def stage_matrix(stages, use: bool = True) -> np.ndarray:
    on = 1.0 if use else 0.0
    return np.array([[on if s == e else 0.0 for e in EFFECT_STAGES] for s in stages]).reshape(len(stages),
                                                                                              len(EFFECT_STAGES))


class PooledModel:
    """Fit on long rows (grid id, base, y) with per-base features, stage and family."""

    def __init__(self, config: PooledConfig = PooledConfig()):
        self.config = config

    # --- fitting -------------------------------------------------------------------------------------------
    def fit(self, grid: np.ndarray, y: np.ndarray, F: np.ndarray, stages, families) -> PooledModel:
        cfg = self.config
        grid = np.asarray(grid).astype(str)
        y = np.asarray(y, dtype=float)
        T = transform(F, cfg.features)
        self.mu_, sd = T.mean(axis=0), T.std(axis=0)
        self.low_, self.high_ = T.min(axis=0), T.max(axis=0)
        self.sd_ = np.where(sd > 0, sd, 1.0)
        Z = (T - self.mu_) / self.sd_
        S = stage_matrix(list(stages), cfg.stage)
        X = np.hstack([Z, S])
        p, k = Z.shape[1], S.shape[1]
        stage_alpha = cfg.alpha if cfg.stage_alpha is None else cfg.stage_alpha
        prior = np.r_[np.full(p, cfg.alpha), np.full(k, stage_alpha)]
        self.grids_ = list(dict.fromkeys(grid))
        gi = np.array([self.grids_.index(g) for g in grid])
        n_g = np.bincount(gi, minlength=len(self.grids_)).astype(float)
        fams = np.array(["" if f is None else str(f) for f in families])
        a = np.array([y[gi == j].mean() for j in range(len(self.grids_))])
        c = np.array([max(y[gi == j].std(), 1e-6) for j in range(len(self.grids_))])
        sig = np.ones(len(self.grids_))  # noise in latent units
        u = {f: 0.0 for f in set(fams)}
        tau2 = 0.0
        theta = np.zeros(p + k)
        for _ in range(cfg.n_iter):
            t = (y - a[gi]) / c[gi]
            w = 1.0 / sig[gi] ** 2
            if cfg.grid_weight == "grid":
                w = w / n_g[gi] * n_g.mean()
            off = np.array([u.get(f, 0.0) for f in fams])
            A = X.T @ (X * w[:, None]) + np.diag(prior)
            theta = np.linalg.solve(A, X.T @ (w * (t - off)))
            lat = X @ theta
            if cfg.family:
                u, tau2 = _family_offsets(t - lat, w, fams)
                off = np.array([u.get(f, 0.0) for f in fams])
            g_lat = lat + off
            for j in range(len(self.grids_)):
                m = gi == j
                a[j], c[j] = _level_scale(y[m], g_lat[m])
            # normalise the latent: sd 1 over the training rows
            s = float(np.std(g_lat)) or 1.0
            theta, c = theta / s, c * s
            u, tau2 = {f: v / s for f, v in u.items()}, tau2 / s**2
            g_lat = g_lat / s
            ss, dof = np.zeros(len(self.grids_)), np.zeros(len(self.grids_))
            for j in range(len(self.grids_)):
                m = gi == j
                ss[j] = float((((y[m] - a[j] - c[j] * g_lat[m]) / c[j]) ** 2).sum())
                dof[j] = max(m.sum() - 2, 0)
            # each grid's noise shrunk towards the pooled one (PRIOR_DOF pseudo-observations): a grid of 3-7 bases
            # cannot tell its noise apart from luck, and an underestimated noise would give it all the weight
            pooled = ss.sum() / max(dof.sum(), 1.0)
            sig = np.maximum(np.sqrt((ss + PRIOR_DOF * pooled) / (dof + PRIOR_DOF)), 0.05)
        w = 1.0 / sig[gi] ** 2
        if cfg.grid_weight == "grid":
            w = w / n_g[gi] * n_g.mean()
        self.cov_ = np.linalg.inv(X.T @ (X * w[:, None]) + np.diag(prior))
        self.theta_, self.level_, self.scale_, self.noise_ = theta, a, c, sig
        self.family_, self.tau2_ = u, tau2
        wsum = {f: float(w[fams == f].sum()) for f in u}
        self.family_var_ = {f: (1.0 / (wsum[f] + 1.0 / tau2) if tau2 > 0 else 0.0) for f in u}
        self.families_ = set(fams) - {""}
        return self

    # --- prediction ----------------------------------------------------------------------------------------
    def latent_design(self, F: np.ndarray, stages) -> np.ndarray:
        Z = (self._clamped(transform(F, self.config.features)) - self.mu_) / self.sd_
        return np.hstack([Z, stage_matrix(list(stages), self.config.stage)])

    def _clamped(self, T: np.ndarray) -> np.ndarray:
        """Sizes held to the range of the training bases: a linear effect of log size is never extrapolated (a
        70B base would otherwise be predicted above 100% accuracy from 0.5-10B evidence); the prediction flags
        the size instead."""
        T = T.copy()
        for j, f in enumerate(self.config.features):
            if f in CLAMPED and self.config.clamp:
                T[:, j] = np.clip(T[:, j], self.low_[j], self.high_[j])
        return T

    def grid_index(self, grid: str | None) -> int | None:
        return self.grids_.index(grid) if grid in self.grids_ else None

    def draw(self, F_mean: np.ndarray, F_sd: np.ndarray, stages, families, *, grid: str | None, n: int,
             seed: int, noise: bool = True, extra_var: float = 0.0) -> np.ndarray:
        """(n, bases) joint predictive draws in the units of ``grid`` (latent units when None): weights drawn
        from their posterior (shared within a draw), features from N(value, sd), family offsets from their
        posterior (an unseen family from N(0, tau^2)), and the grid's noise; ``extra_var`` (latent units) adds a
        base's departure in a study the fit has not seen (see :meth:`new_study_var`)."""
        rng = np.random.default_rng(seed)
        m = len(F_mean)
        theta = rng.multivariate_normal(self.theta_, self.cov_, size=n, method="cholesky")
        Fd = F_mean[None, :, :] + rng.standard_normal((n, *F_mean.shape)) * F_sd[None, :, :]
        p = F_mean.shape[1]
        Z = (self._clamped(transform(Fd.reshape(-1, p), self.config.features)) - self.mu_) / self.sd_
        Z = Z.reshape(n, m, p)
        S = stage_matrix(list(stages), self.config.stage)
        lat = np.einsum("nmp,np->nm", Z, theta[:, :p]) + theta[:, p:] @ S.T
        fams = ["" if f is None else str(f) for f in families]
        for f in dict.fromkeys(fams):
            cols = [i for i, x in enumerate(fams) if x == f]
            if self.config.family and f in self.family_ and f:
                mu, var = self.family_[f], self.family_var_[f]
            else:
                mu, var = 0.0, self.tau2_ if self.config.family else 0.0
            lat[:, cols] += (mu + np.sqrt(var) * rng.standard_normal(n))[:, None]
        j = self.grid_index(grid)
        if j is None:
            a, c, sig = 0.0, 1.0, float(np.median(self.noise_))
        else:
            a, c, sig = self.level_[j], self.scale_[j], self.noise_[j]
        if noise:
            lat = lat + np.sqrt(sig**2 + extra_var) * rng.standard_normal(lat.shape)
        return a + c * lat

    def new_study_var(self) -> float:
        """Noise variance (latent units) of a grid the fit has not seen: the median of the training grids' noise
        variances (a new study's noise is one draw from the population of grids, not the reference grid's; the
        median, because one grid the shared latent barely explains, e.g. the study's Bradley-Terry grid, would
        otherwise set everyone's)."""
        return float(np.median(self.noise_**2))

    def latent_mean(self, F: np.ndarray, stages, families) -> np.ndarray:
        lat = self.latent_design(F, stages) @ self.theta_
        if self.config.family:
            lat = lat + np.array([self.family_.get("" if f is None else str(f), 0.0) if f else 0.0
                                  for f in families])
        return lat


def _level_scale(y: np.ndarray, g: np.ndarray) -> tuple[float, float]:
    """Least squares y ~ a + c g with c >= a small positive floor (a grid whose ranking the latent misses gets a
    small scale: its predictions shrink to its mean)."""
    gc = g - g.mean()
    var = float((gc**2).sum())
    c = float((gc * (y - y.mean())).sum() / var) if var > 0 else 0.0
    c = max(c, 1e-3 * (float(np.std(y)) or 1.0))
    return float(y.mean() - c * g.mean()), c


def _family_offsets(r: np.ndarray, w: np.ndarray, fams: np.ndarray) -> tuple[dict[str, float], float]:
    """Shrunken family offsets of latent residuals r (weights w = precisions): tau^2 by the method of moments
    (variance of the families' weighted mean residuals beyond their sampling variance), offset = precision-weighted
    mean shrunk towards 0. Bases without a family get none."""
    has = fams != ""
    names, inv = np.unique(fams[has], return_inverse=True)
    wsum = np.bincount(inv, weights=w[has], minlength=len(names))
    rsum = np.bincount(inv, weights=(r * w)[has], minlength=len(names))
    if len(names) < 3:
        return dict.fromkeys(names.tolist(), 0.0), 0.0
    mean = rsum / wsum
    tau2 = max(float((mean**2).mean() - (1.0 / wsum).mean()), 0.0)
    if tau2 <= 0:
        return dict.fromkeys(names.tolist(), 0.0), 0.0
    return dict(zip(names.tolist(), (rsum / (wsum + 1.0 / tau2)).tolist(), strict=True)), tau2
