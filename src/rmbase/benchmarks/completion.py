"""Low-rank completion of a models x features matrix with missing cells, with an uncertainty for every filled cell.

The model is factor analysis with covariates (a Gaussian whose mean depends linearly on known covariates of the
row, such as size and stage, and whose covariance is rank k plus diagonal), fitted by EM on the observed cells only
(the E-step restricted to each row's observed columns), accelerated by SQUAREM. A row's latent factors are inferred
from whatever it has observed; a missing cell's predictive distribution is Gaussian:

    mean  = B_j [c_i, 1] + W_j m_i           var = W_j V_i W_j' + psi_j

where ``m_i, V_i`` are the posterior mean and covariance of row i's factors. The joint predictive covariance of a
row's missing cells is available too (:meth:`FactorCompletion.predict_row_cov`), so means of features (the
leaderboard average) get their sd without assuming independence.

numpy only, vectorised over rows (no Python loop per row); the factors' posterior covariance is computed once per
pattern of observed cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PSI_FLOOR = 1e-3     # the smallest noise variance of a standardised column
RIDGE = 1e-2         # ridge on the loadings (standardised units): keeps rarely observed columns stable


@dataclass
class FactorCompletion:
    """Rank-``rank`` factor model of a matrix with NaN for missing cells, with optional row covariates (always
    known; a missing covariate counts as the average). scikit-learn style: ``fit`` returns self, learned state
    ends in ``_``."""

    rank: int = 2
    max_iter: int = 500
    tol: float = 1e-3
    seed: int = 0

    def fit(self, x: np.ndarray, covariates: np.ndarray | None = None,
            init: FactorCompletion | None = None) -> FactorCompletion:
        """Fit on ``x`` (NaN = missing) given ``covariates`` (n x q). ``init``: a fitted model of the same columns
        to start from (a refit with a few cells hidden then needs a few iterations)."""
        x = np.asarray(x, dtype=float)
        observed = np.isfinite(x)
        counts = observed.sum(axis=0)
        if (counts < 2).any():
            raise ValueError("every column needs at least 2 observed cells")
        c = np.zeros((len(x), 0)) if covariates is None else np.asarray(covariates, dtype=float)
        if init is not None:
            self.center_, self.scale_, self.c_center_, self.c_scale_ = (init.center_, init.scale_, init.c_center_,
                                                                        init.c_scale_)
        else:
            self.center_, self.scale_ = _standardiser(x)
            self.c_center_, self.c_scale_ = _standardiser(c)
        z = np.where(observed, (x - self.center_) / self.scale_, 0.0)
        design = self._design(c)
        mask = observed.astype(float)
        n, p = z.shape
        k, q = int(self.rank), design.shape[1]
        if init is not None and init.w_.shape == (p, k) and init.b_.shape == (p, q):
            b, w, psi = init.b_.copy(), init.w_.copy(), init.psi_.copy()
        else:
            b = np.zeros((p, q))
            w, psi = _start(z, mask, k, self.seed), np.full(p, 0.5)
        step = _EMStep(z, mask, design, k)
        theta = step.pack(b, w, psi)
        it = 0
        while it < self.max_iter:
            # SQUAREM (Varadhan & Roland 2008): two EM steps, an extrapolation along them, one EM step from there;
            # kept only when it does not lower the likelihood (else the plain EM steps are used)
            t1 = step(theta)
            t2 = step(t1)
            it += 2
            r, d = t1 - theta, t2 - 2 * t1 + theta
            alpha = -np.sqrt((r @ r) / max(d @ d, 1e-300))
            new = t2
            if alpha < -1:
                cand = step(step.clip(theta - 2 * alpha * r + alpha * alpha * d))
                it += 1
                if step.loglik(cand) >= step.loglik(t2):
                    new = cand
            change = step.change(theta, new)
            theta = new
            if change < self.tol:
                break
        self.b_, self.w_, self.psi_ = step.unpack(theta)
        self.n_iter_ = it
        return self

    def _design(self, covariates: np.ndarray | None) -> np.ndarray:
        n_cov = len(self.c_center_)
        if covariates is None or n_cov == 0:
            return np.ones((1 if covariates is None else len(covariates), 1))
        c = (np.asarray(covariates, dtype=float) - self.c_center_) / self.c_scale_
        return np.concatenate([np.where(np.isfinite(c), c, 0.0), np.ones((len(c), 1))], axis=1)

    # ------------------------------------------------------------------ prediction
    def _posterior(self, x: np.ndarray, covariates: np.ndarray | None) -> tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]:
        x = np.atleast_2d(np.asarray(x, dtype=float))
        observed = np.isfinite(x)
        z = np.where(observed, (x - self.center_) / self.scale_, 0.0)
        design = self._design(covariates if covariates is not None or len(self.c_center_) == 0 else
                              np.full((len(x), len(self.c_center_)), np.nan))
        offset = np.broadcast_to(design @ self.b_.T, z.shape)
        m, v = _posterior(z - offset, observed.astype(float), self.w_, self.psi_)
        return offset, m, v

    def predict(self, x: np.ndarray, covariates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and sd of every cell of ``x`` (rows of the same columns as the fit), in the data's units,
        given each row's observed cells (for an observed cell that includes the cell itself: hide it to check)."""
        offset, m, v = self._posterior(x, covariates)
        mean = offset + m @ self.w_.T
        var = v.reshape(len(v), -1) @ _outer_rows(self.w_).T + self.psi_
        return self.center_ + self.scale_ * mean, self.scale_ * np.sqrt(var)

    def predict_row_cov(self, x_row: np.ndarray, columns: np.ndarray,
                        covariates_row: np.ndarray | None = None) -> np.ndarray:
        """Joint predictive covariance (data units) of ``columns`` of one row given its observed cells."""
        _, _, v = self._posterior(np.asarray(x_row, dtype=float)[None, :],
                                  None if covariates_row is None else np.asarray(covariates_row)[None, :])
        wc = self.w_[columns]
        cov = wc @ v[0] @ wc.T + np.diag(self.psi_[columns])
        s = self.scale_[columns]
        return cov * np.outer(s, s)


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and sds over the finite cells (0 and 1 for a column without any)."""
    finite = np.isfinite(x)
    n = np.maximum(finite.sum(axis=0), 1)
    center = np.where(finite, x, 0.0).sum(axis=0) / n
    var = (np.where(finite, x - center, 0.0) ** 2).sum(axis=0) / n
    scale = np.sqrt(var)
    return center, np.where(scale > 1e-12, scale, 1.0)


class _EMStep:
    """One EM update of (B, W, psi) packed in a vector, and the observed-data log-likelihood."""

    def __init__(self, z: np.ndarray, mask: np.ndarray, design: np.ndarray, k: int):
        self.z, self.mask, self.design, self.k = z, mask, design, k
        self.n, self.p = z.shape
        self.q = design.shape[1]
        self.counts = mask.sum(axis=0)
        self.patterns = _patterns(mask)
        self.ridge = np.zeros((k + self.q, k + self.q))
        slopes = np.arange(k + self.q - 1)  # loadings and covariate slopes, not the intercept (a column observed
        self.ridge[slopes, slopes] = RIDGE  # only for post-trained models has no stage slope to learn)

    def pack(self, b: np.ndarray, w: np.ndarray, psi: np.ndarray) -> np.ndarray:
        return np.concatenate([b.ravel(), w.ravel(), psi])

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p, q, k = self.p, self.q, self.k
        return theta[:p * q].reshape(p, q), theta[p * q:p * q + p * k].reshape(p, k), theta[p * q + p * k:]

    def clip(self, theta: np.ndarray) -> np.ndarray:
        theta = theta.copy()
        start = self.p * (self.q + self.k)
        theta[start:] = np.maximum(theta[start:], PSI_FLOOR)
        return theta

    def change(self, old: np.ndarray, new: np.ndarray) -> float:
        """Largest change of the mean, noise and implied covariance w w' (the loadings are identified only up to
        a rotation, so w itself may drift while the model stays the same)."""
        b0, w0, psi0 = self.unpack(old)
        b1, w1, psi1 = self.unpack(new)
        return float(max(np.abs(w1 @ w1.T - w0 @ w0.T).max(), np.abs(b1 - b0).max(), np.abs(psi1 - psi0).max()))

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        z, mask, k, n, p = self.z, self.mask, self.k, self.n, self.p
        b, w, psi = self.unpack(theta)
        m, v = _posterior(z - self.design @ b.T, mask, w, psi, self.patterns)
        aug = np.concatenate([m, self.design], axis=1)                            # n x (k+q): factors, design
        second = aug[:, :, None] * aug[:, None, :]
        second[:, :k, :k] += v
        flat = second.reshape(n, -1)
        size = k + self.q
        lhs = (mask.T @ flat).reshape(p, size, size) + self.ridge
        rhs = (mask * z).T @ aug
        coef = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]                     # p x (k+q)
        fitted = aug @ coef.T                                                     # n x p
        quad = flat @ (coef[:, :, None] * coef[:, None, :]).reshape(p, -1).T       # n x p
        resid = mask * (z * z - 2 * z * fitted + quad)
        psi_new = np.maximum(resid.sum(axis=0) / self.counts, PSI_FLOOR)
        return self.pack(coef[:, k:], coef[:, :k], psi_new)

    def loglik(self, theta: np.ndarray) -> float:
        """Observed-data log-likelihood (up to a constant; with the loadings' ridge penalty), by the matrix
        determinant lemma, once per pattern of observed cells."""
        b, w, psi = self.unpack(theta)
        weights = self.mask / psi
        uniq, inverse = self.patterns
        precision = ((uniq / psi) @ _outer_rows(w)).reshape(len(uniq), self.k, self.k) + np.eye(self.k)
        logdet_p = np.linalg.slogdet(precision)[1][inverse]
        r = self.mask * (self.z - self.design @ b.T)
        proj = (weights * r) @ w
        sol = np.einsum("iab,ib->ia", np.linalg.inv(precision)[inverse], proj)
        quad = (weights * r * r).sum(axis=1) - (proj * sol).sum(axis=1)
        logdet = logdet_p + (self.mask * np.log(psi)).sum(axis=1)
        return float(-0.5 * (quad + logdet).sum()) - 0.5 * RIDGE * float((w * w).sum())


def _start(z: np.ndarray, mask: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Initial loadings: the leading directions of the pairwise correlation matrix (plus a little noise)."""
    cov = (z.T @ z) / np.maximum(mask.T @ mask, 1.0)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:k]
    noise = 1e-3 * np.random.default_rng(seed).standard_normal((z.shape[1], k))
    return vecs[:, order] * np.sqrt(np.maximum(vals[order], 1e-3)) + noise


def _outer_rows(w: np.ndarray) -> np.ndarray:
    """p x k*k: each row's outer product w_j w_j', flattened."""
    return (w[:, :, None] * w[:, None, :]).reshape(w.shape[0], -1)


def _posterior(r: np.ndarray, mask: np.ndarray, w: np.ndarray, psi: np.ndarray,
               patterns: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean (n x k) and covariance (n x k x k) of each row's factors given its observed residuals ``r``.
    The covariance depends only on which cells a row observes: ``patterns`` (the distinct masks and each row's
    index into them) lets it be computed once per pattern."""
    k = w.shape[1]
    uniq, inverse = patterns if patterns is not None else _patterns(mask)
    precision = ((uniq / psi) @ _outer_rows(w)).reshape(len(uniq), k, k) + np.eye(k)
    v = np.linalg.inv(precision)[inverse]
    m = np.einsum("iab,ib->ia", v, ((mask / psi) * r) @ w)
    return m, v


def _patterns(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse = np.unique(mask, axis=0, return_inverse=True)
    return uniq, inverse.ravel()
